#!/usr/bin/env bash
# llama.cpp's OpenAI-compatible server on the adapter-merged GGUF. Runs on a CPU (this one included).
#
#   shopassist export-gguf --adapter finetune/adapters/default --out shopassist-q8_0.gguf --quant q8_0
#   bash configs/serving/llamacpp_server.sh shopassist-q8_0.gguf
#   shopassist chat --config configs/serving/client_llamacpp.yaml
set -euo pipefail
MODEL=${1:?usage: llamacpp_server.sh MODEL.gguf}
# xllamacpp's prebuilt llama.cpp server (installed by `make install`); --slots requests decode at once.
exec python -m assistant.backends.xllamacpp "$MODEL" --alias shopassist --host 127.0.0.1 --port 8080 --slots 2
# or llama-cpp-python's server (pip install 'llama-cpp-python[server]'):
#   python -m llama_cpp.server --model "$MODEL" --model_alias shopassist --host 127.0.0.1 --port 8080 --n_threads 2
# or llama.cpp's own binary, same API:
#   llama-server -m "$MODEL" --alias shopassist --host 127.0.0.1 --port 8080 -t 2 -c 4096 --parallel 2
