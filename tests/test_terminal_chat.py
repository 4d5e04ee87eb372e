"""The terminal REPLs, driven by scripted input."""

import io

from assistant.backends.mock import MockBackend
from assistant.terminal_chat import raw_loop


def scripted(*lines):
    it = iter(lines)

    def read(prompt):
        try:
            return next(it)
        except StopIteration:
            raise EOFError from None

    return read


def test_raw_loop_streams_and_keeps_history():
    llm = MockBackend(["Hello there!", "A quiet one."])
    out = io.StringIO()
    raw_loop(llm, scripted("hi", "which dishwasher?", "/quit"), out)
    assert "lm> Hello there!" in out.getvalue() and "lm> A quiet one." in out.getvalue()
    second_call_messages = llm.calls[1][0]
    assert [m["role"] for m in second_call_messages] == ["user", "assistant", "user"]
    assert second_call_messages[1]["content"] == "Hello there!"
