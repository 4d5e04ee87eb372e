"""Ray Serve LLM: the base model on vLLM replicas that autoscale, store adapters loaded on demand. GPU only.

    pip install "ray[serve,llm]"
    serve run configs/serving/ray_serve_llm.py:app
    # then: shopassist chat --config configs/serving/client_vllm.yaml \
    #         --model.base_url http://HOST:8000/v1 --model.served_model smollm2-135m:store_a

Adapters live in one folder (or bucket) per store under ADAPTERS, each a peft LoRA folder; a request
for model "smollm2-135m:store_a" loads store_a on its replica at first use (multi-LoRA multiplexing).
"""

import os

from ray.serve.llm import LLMConfig, build_openai_app

BASE = os.environ["BASE"]  # the converted safetensors base checkpoint (see docs/serving.md)
ADAPTERS = os.environ.get("ADAPTERS", "s3://my-bucket/shopassist/adapters")

llm_config = LLMConfig(
    model_loading_config={"model_id": "smollm2-135m", "model_source": BASE},
    lora_config={"dynamic_lora_loading_path": ADAPTERS, "max_num_adapters_per_replica": 8},
    deployment_config={"autoscaling_config": {"min_replicas": 1, "max_replicas": 4,
                                              "target_ongoing_requests": 16}},
    engine_kwargs={"max_model_len": 4096, "enable_lora": True, "max_lora_rank": 16},
    accelerator_type="L4",
)
app = build_openai_app({"llm_configs": [llm_config]})
