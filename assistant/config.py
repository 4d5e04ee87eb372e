"""Typed configs: one dataclass per stage, loaded from YAML, overridden by CLI flags.

Every stage (chat, ingest, finetune, eval, serve) declares a dataclass; nested dataclasses are
sections. ``load_config(ChatConfig, "configs/chat/default.yaml", {"model.quantization": "none"})``
reads the file, applies the overrides and validates. Unknown keys fail with the list of allowed
ones; each dataclass may define ``validate()`` to reject conflicting options.

``add_config_arguments(parser, ChatConfig)`` adds ``--config`` plus one flag per leaf field
(``--model.quantization nf4``), so every setting a YAML file holds can also be given on the
command line; ``config_from_args(ChatConfig, args)`` builds the config from them.
"""

from __future__ import annotations

import argparse
import dataclasses
import types
import typing
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")


class ConfigError(ValueError):
    """A config that cannot be used: unknown key, wrong type, conflicting options."""


def _field_types(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _is_dataclass_type(tp: Any) -> bool:
    return isinstance(tp, type) and dataclasses.is_dataclass(tp)


def _coerce(value: Any, tp: Any, where: str) -> Any:
    """Coerce YAML/CLI values to the annotated type, or fail with the key's name."""
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if tp is Any:
        return value
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        if isinstance(value, str) and value.lower() in ("null", "none", "~") and type(None) in args:
            return None
        errors = []
        for arg in args:
            if arg is type(None):
                continue
            try:
                return _coerce(value, arg, where)
            except ConfigError as e:
                errors.append(str(e))
        raise ConfigError(errors[0] if errors else f"{where}: cannot be {value!r}")
    if origin is typing.Literal:
        if value not in args:
            raise ConfigError(f"{where}: {value!r} is not one of {list(args)}")
        return value
    if origin in (list, tuple):
        if isinstance(value, str):
            value = [v.strip() for v in value.split(",") if v.strip()]
        if not isinstance(value, (list, tuple)):
            raise ConfigError(f"{where}: expected a list, got {value!r}")
        inner = args[0] if args else Any
        items = [_coerce(v, inner, where) for v in value]
        return items if origin is list else tuple(items)
    if origin is dict:
        if not isinstance(value, dict):
            raise ConfigError(f"{where}: expected a mapping, got {value!r}")
        return dict(value)
    if _is_dataclass_type(tp):
        if isinstance(value, tp):
            return value
        if not isinstance(value, dict):
            raise ConfigError(f"{where}: expected a section (mapping), got {value!r}")
        return _build(tp, value, where)
    if tp is bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "yes", "1", "on"):
            return True
        if isinstance(value, str) and value.lower() in ("false", "no", "0", "off"):
            return False
        raise ConfigError(f"{where}: expected true/false, got {value!r}")
    if tp is int:
        if isinstance(value, bool):
            raise ConfigError(f"{where}: expected an integer, got {value!r}")
        try:
            f = float(value)
        except (TypeError, ValueError):
            raise ConfigError(f"{where}: expected an integer, got {value!r}") from None
        if not f.is_integer():
            raise ConfigError(f"{where}: expected an integer, got {value!r}")
        return int(f)
    if tp is float:
        if isinstance(value, bool):
            raise ConfigError(f"{where}: expected a number, got {value!r}")
        try:
            return float(value)
        except (TypeError, ValueError):
            raise ConfigError(f"{where}: expected a number, got {value!r}") from None
    if tp is str:
        if isinstance(value, (dict, list)):
            raise ConfigError(f"{where}: expected text, got {value!r}")
        return str(value)
    if tp is Path:
        return Path(str(value)).expanduser()
    return value


def _build(cls: type[T], data: dict[str, Any], where: str = "") -> T:
    hints = _field_types(cls)
    names = {f.name for f in dataclasses.fields(cls) if f.init}
    unknown = sorted(set(data) - names)
    if unknown:
        prefix = f"{where}." if where else ""
        raise ConfigError(
            f"unknown config key(s) {[prefix + u for u in unknown]} for {cls.__name__}; "
            f"allowed: {sorted(names)}")
    kwargs = {}
    for name, value in data.items():
        kwargs[name] = _coerce(value, hints[name], f"{where}.{name}" if where else name)
    obj = cls(**kwargs)
    validate = getattr(obj, "validate", None)
    if callable(validate):
        try:
            validate()
        except ConfigError:
            raise
        except ValueError as e:
            raise ConfigError(str(e)) from None
    return obj


def read_yaml(path: str | Path) -> dict[str, Any]:
    import yaml

    path = Path(path)
    if not path.exists():
        raise ConfigError(f"config file not found: {path}")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as e:
        raise ConfigError(f"{path}: not valid YAML: {e}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: the top level must be a mapping of keys to values")
    return data


def _set_dotted(data: dict[str, Any], dotted: str, value: Any) -> None:
    parts = dotted.split(".")
    node = data
    for part in parts[:-1]:
        child = node.setdefault(part, {})
        if not isinstance(child, dict):
            raise ConfigError(f"{dotted}: {part} is not a section")
        node = child
    node[parts[-1]] = value


def _as_plain(obj: Any) -> Any:
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: _as_plain(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    return obj


def load_config(cls: type[T], path: str | Path | None = None, overrides: dict[str, Any] | None = None) -> T:
    """Defaults, then the YAML file, then dotted overrides (``{"model.device": "cpu"}``)."""
    data: dict[str, Any] = _as_plain(cls()) if path is None else {}
    if path is not None:
        data = read_yaml(path)
    for key, value in (overrides or {}).items():
        _set_dotted(data, key, value)
    return _build(cls, data)


def to_dict(config: Any) -> dict[str, Any]:
    """Plain nested dict (for saving beside a run or printing)."""
    def plain(v: Any) -> Any:
        if isinstance(v, Path):
            return str(v)
        if isinstance(v, (list, tuple)):
            return [plain(x) for x in v]
        if isinstance(v, dict):
            return {k: plain(x) for k, x in v.items()}
        return v
    return plain(_as_plain(config))


# --- CLI ---------------------------------------------------------------------------------------

def _leaves(cls: type, prefix: str = "") -> list[tuple[str, Any, Any]]:
    out = []
    hints = _field_types(cls)
    for f in dataclasses.fields(cls):
        if not f.init:
            continue
        tp = hints[f.name]
        if _is_dataclass_type(tp):
            out.extend(_leaves(tp, f"{prefix}{f.name}."))
        else:
            out.append((f"{prefix}{f.name}", tp, f))
    return out


def add_config_arguments(parser: argparse.ArgumentParser, cls: type, skip: tuple[str, ...] = ()) -> None:
    """``--config FILE`` and one ``--a.b`` flag per leaf field; flags default to "not given"."""
    parser.add_argument("--config", type=Path, default=None, help="YAML config file for this stage")
    group = parser.add_argument_group(f"{cls.__name__} settings (override the config file)")
    for dotted, tp, f in _leaves(cls):
        if dotted in skip:
            continue
        help_text = (f.metadata or {}).get("help", "")
        group.add_argument(f"--{dotted}", dest=f"cfg__{dotted}", default=None, metavar="VALUE",
                           help=f"{help_text} (default: {_describe_default(f)})".strip())


def _describe_default(f: dataclasses.Field) -> str:
    if f.default is not dataclasses.MISSING:
        return repr(f.default)
    if f.default_factory is not dataclasses.MISSING:  # type: ignore[misc]
        try:
            return repr(f.default_factory())  # type: ignore[misc]
        except Exception:  # pragma: no cover - a factory that needs context
            return "computed"
    return "required"


def config_from_args(cls: type[T], args: argparse.Namespace, extra: dict[str, Any] | None = None) -> T:
    overrides = {k[len("cfg__"):]: v for k, v in vars(args).items() if k.startswith("cfg__") and v is not None}
    overrides.update(extra or {})
    return load_config(cls, getattr(args, "config", None), overrides)
