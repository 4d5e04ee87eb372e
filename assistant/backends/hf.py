"""The transformers backend: the base LM (4-bit NF4 by default) + LoRA adapter, streaming.

    from assistant.backends import make_backend
    from assistant.model_config import ModelConfig
    llm = make_backend(ModelConfig(backend="transformers"))
    for piece in llm.generate([{"role": "user", "content": "Hi!"}], max_new_tokens=20):
        print(piece, end="", flush=True)

``generate`` returns at once; decoding runs in a worker thread and pieces arrive through
transformers' ``TextIteratorStreamer``. Closing the iterator early (the shopper navigated away,
a stop string matched) stops the worker at the next token instead of decoding to the limit.
One lock serialises decoding: on a 2-core CPU two concurrent decodes are slower than two in a row.
"""

from __future__ import annotations

import logging
import threading
from typing import Iterator

from assistant.backends.base import GenerationOptions, Message, cut_at_stop
from assistant.model_config import ModelConfig

log = logging.getLogger(__name__)


class TransformersBackend:
    name = "transformers"

    def __init__(self, model, tokenizer, defaults: GenerationOptions | None = None):
        self.model = model
        self.tokenizer = tokenizer
        self.defaults = defaults or GenerationOptions()
        self._lock = threading.Lock()

    @classmethod
    def from_config(cls, cfg: ModelConfig) -> "TransformersBackend":
        from assistant.model_loader import load_model

        model, tokenizer = load_model(cfg)
        return cls(model, tokenizer, GenerationOptions().merged(**cfg.generation.options()))

    def prompt_ids(self, messages: list[Message]):
        enc = self.tokenizer.apply_chat_template(messages, add_generation_prompt=True, return_tensors="pt",
                                                 return_dict=True)
        return enc["input_ids"].to(self.model.device), enc["attention_mask"].to(self.model.device)

    def generate(self, messages: list[Message], **opts) -> Iterator[str]:
        options = self.defaults.merged(**opts)
        return cut_at_stop(self._stream(messages, options), options.stop)

    def _stream(self, messages: list[Message], options: GenerationOptions) -> Iterator[str]:
        import torch
        from transformers import StoppingCriteria, StoppingCriteriaList, TextIteratorStreamer

        cancelled = threading.Event()

        class _Cancel(StoppingCriteria):
            def __call__(self, input_ids, scores, **kwargs):
                return cancelled.is_set()

        input_ids, attention_mask = self.prompt_ids(messages)
        streamer = TextIteratorStreamer(self.tokenizer, skip_prompt=True, skip_special_tokens=True, timeout=300)
        sampling = options.temperature > 0
        kwargs = dict(input_ids=input_ids, attention_mask=attention_mask, streamer=streamer,
                      max_new_tokens=options.max_new_tokens, do_sample=sampling,
                      repetition_penalty=options.repetition_penalty,
                      stopping_criteria=StoppingCriteriaList([_Cancel()]),
                      pad_token_id=self.tokenizer.pad_token_id or self.tokenizer.eos_token_id)
        if sampling:
            kwargs.update(temperature=options.temperature, top_p=options.top_p)
        else:
            # Greedy: clear sampling defaults the model's generation_config may carry.
            kwargs.update(temperature=None, top_p=None, top_k=None)
        errors: list[BaseException] = []

        def work() -> None:
            try:
                with self._lock, torch.inference_mode():
                    self.model.generate(**kwargs)
            except BaseException as e:  # surfaced in the caller's thread below
                errors.append(e)
                streamer.end()

        worker = threading.Thread(target=work, name="shopassist-generate", daemon=True)
        worker.start()
        try:
            for piece in streamer:
                if piece:
                    yield piece
        finally:
            cancelled.set()
        worker.join()
        if errors:
            raise RuntimeError(f"generation failed: {errors[0]}") from errors[0]
