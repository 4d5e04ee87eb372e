#!/usr/bin/env bash
# vLLM serving the base model with several stores' LoRA adapters (multi-LoRA on one base). GPU only.
#
#   1. a Hugging Face-format base: vLLM attaches LoRA only to safetensors checkpoints, not to the Q4_1 GGUF:
#        python -c "from assistant.model_config import ModelConfig; from assistant.model_loader import converted_checkpoint; print(converted_checkpoint(ModelConfig()))"
#   2. BASE=<that folder> bash configs/serving/vllm_multi_lora.sh
#   3. the assistant:  shopassist chat --config configs/serving/client_vllm.yaml --model.served_model store_a
set -euo pipefail
BASE=${BASE:?set BASE to the converted base checkpoint folder (see above)}
vllm serve "$BASE" \
  --served-model-name smollm2-135m \
  --host 0.0.0.0 --port 8000 \
  --api-key "${SHOPASSIST_API_KEY:-change-me}" \
  --max-model-len 4096 \
  --enable-lora \
  --max-loras 4 \
  --max-lora-rank 16 \
  --lora-modules \
    store_a=finetune/adapters/store_a \
    store_b=finetune/adapters/store_b \
    default=finetune/adapters/default
# Each request picks its store's adapter by "model": "store_a" | "store_b" | "default";
# "model": "smollm2-135m" answers with the plain base.
