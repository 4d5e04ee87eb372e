"""ServeConfig: the committed YAML parses; unsafe or impossible settings are refused.

    python -m pytest tests/test_ui_config.py -q
"""

from pathlib import Path

import pytest

from assistant.config import ConfigError, load_config
from ui.config import ServeConfig

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("path", sorted((ROOT / "configs" / "serve").glob("*.yaml")), ids=lambda p: p.name)
def test_committed_configs_parse(path):
    config = load_config(ServeConfig, path)
    assert config.share is False and config.mount_path.startswith("/")


@pytest.mark.parametrize("override, message", [({"share": True}, "share"), ({"port": 0}, "port"),
                                               ({"mount_path": "/"}, "mount_path"),
                                               ({"concurrency_limit": 0}, "concurrency_limit")])
def test_bad_settings_are_refused(override, message):
    with pytest.raises(ConfigError, match=message):
        load_config(ServeConfig, None, override)
