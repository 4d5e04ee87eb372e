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

The prompt is ``chat_format.render``'s string tokenized as plain text (the tokenizer adds BOS where the
model wants one and maps the turn markers to their special tokens), exactly what training tokenizes and
what the llama.cpp backends send; the format's end of turn is always a stop string. A ``json_schema``
option is enforced with xgrammar's logits processor (CPU-capable; imported only when a schema is given).
"""

from __future__ import annotations

import logging
import threading
from typing import Iterator

from assistant.backends.base import GenerationOptions, Message, cut_at_stop
from assistant.chat_format import end_of_turn, format_for, render
from assistant.model_config import ModelConfig

log = logging.getLogger(__name__)


class TransformersBackend:
    name = "transformers"

    def __init__(self, model, tokenizer, defaults: GenerationOptions | None = None, chat_format: str | None = None):
        self.model = model
        self.tokenizer = tokenizer
        self.chat_format = chat_format or format_for(getattr(tokenizer, "name_or_path", "") or "")
        self.defaults = (defaults or GenerationOptions()).with_stop(end_of_turn(self.chat_format))
        self._lock = threading.Lock()
        self._grammars: dict[str, object] = {}  # schema JSON -> xgrammar CompiledGrammar
        self._compiler = None

    @classmethod
    def from_config(cls, cfg: ModelConfig) -> "TransformersBackend":
        from assistant.model_loader import load_model

        model, tokenizer = load_model(cfg)
        return cls(model, tokenizer, cfg.generation, chat_format=format_for(cfg.base_model))

    def prompt_ids(self, messages: list[Message]):
        enc = self.tokenizer(render(messages, self.chat_format), return_tensors="pt")
        return enc["input_ids"].to(self.model.device), enc["attention_mask"].to(self.model.device)

    def end_token_ids(self, stop: tuple[str, ...]) -> list[int]:
        """The model's EOS ids plus every stop string that is one special token (``<end_of_turn>``): the streamer
        skips special tokens, so such a stop string would never show up in the text to be cut at."""
        eos = self.model.generation_config.eos_token_id
        ids = [eos] if isinstance(eos, int) else list(eos or [])
        if not ids and self.tokenizer.eos_token_id is not None:
            ids = [self.tokenizer.eos_token_id]
        for s in stop:
            if s in self.tokenizer.all_special_tokens or s in getattr(self.tokenizer, "added_tokens_encoder", {}):
                tid = self.tokenizer.convert_tokens_to_ids(s)
                if isinstance(tid, int) and tid not in ids:
                    ids.append(tid)
        return ids

    def schema_processor(self, schema: dict):
        """A fresh xgrammar logits processor for ``schema`` (compiled once per schema; the processor is stateful).
        Compact JSON (no free whitespace): the form training targets use, and it cannot pad its way to the limit."""
        import json

        from assistant.probes import require

        require("xgrammar", "json_schema on the transformers backend")
        import xgrammar as xgr
        import xgrammar.contrib.hf

        key = json.dumps(schema, sort_keys=True)
        if key not in self._grammars:
            if self._compiler is None:
                vocab = self.model.get_output_embeddings().weight.shape[0]  # may exceed len(tokenizer) (padding)
                info = xgr.TokenizerInfo.from_huggingface(self.tokenizer, vocab_size=vocab)
                self._compiler = xgr.GrammarCompiler(info)
            self._grammars[key] = self._compiler.compile_json_schema(key, any_whitespace=False)
        return xgrammar.contrib.hf.LogitsProcessor(self._grammars[key])

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
        eos = self.end_token_ids(options.stop)
        if eos:
            kwargs["eos_token_id"] = eos
        if options.json_schema is not None:
            kwargs["logits_processor"] = [self.schema_processor(options.json_schema)]
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
