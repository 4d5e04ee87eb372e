"""The console script: every stage is a subcommand, importing them loads nothing heavy."""

import subprocess
import sys

import pytest

from assistant.cli import COMMANDS, build_parser, main

HEAVY = ("torch", "transformers", "peft", "bitsandbytes", "chromadb", "gradio", "sentence_transformers")


def test_every_subcommand_is_registered():
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    assert set(sub.choices) == set(COMMANDS)


def test_building_the_cli_imports_no_heavy_library():
    code = ("import sys; from assistant.cli import build_parser; build_parser(); "
            f"print([m for m in {HEAVY!r} if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_python_dash_m_assistant_help():
    out = subprocess.run([sys.executable, "-m", "assistant", "--help"], capture_output=True, text=True)
    assert out.returncode == 0 and "chat" in out.stdout and "eval" in out.stdout


def test_unknown_bench_section_is_an_error(capsys):
    assert main(["bench", "--only", "nope"]) == 2
    assert "unknown bench section" in capsys.readouterr().err


def test_missing_subcommand_exits_with_usage():
    with pytest.raises(SystemExit):
        main([])


def test_every_bench_section_names_a_real_function():
    """`make bench` runs each section by name; a missing module would only print "not available"."""
    import importlib

    from assistant.bench import SECTIONS

    for name, target in SECTIONS.items():
        module_name, _, func = target.partition(":")
        assert callable(getattr(importlib.import_module(module_name), func)), name
