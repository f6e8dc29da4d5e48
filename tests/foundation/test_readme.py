"""The README's examples run: its config is valid, its commands exist."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from camhub.config import parse_config
from camhub.drivers import kind_check, resolve

README = Path(__file__).resolve().parents[2] / "README.md"


def blocks(lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", README.read_text(), re.S)


def test_readme_config_example_is_valid(monkeypatch: pytest.MonkeyPatch) -> None:
    import yaml

    for var in ("CAMHUB_ADMIN_PASSWORD", "CAMHUB_VIEWER_PASSWORD", "PORCH_PW", "TAPO_PW",
                "HALL_CAM_PW"):  # fmt: skip
        monkeypatch.setenv(var, "x")
    (example,) = blocks("yaml")
    cfg = resolve(parse_config(yaml.safe_load(example), kind_check))
    assert [d.kind for d in cfg.devices] == ["sercomm", "tapo-bulb", "tapo-camera"]
    assert cfg.mqtt is not None


def test_readme_commands_are_real_subcommands() -> None:
    from typer.testing import CliRunner

    from camhub.cli import app

    text = "\n".join(blocks("sh"))
    used = set(re.findall(r"\bcamhub ([a-z-]+)", text))
    assert {"demo", "serve", "check-config"} <= used
    runner = CliRunner()
    for command in used:
        result = runner.invoke(app, [command, "--help"])
        assert result.exit_code == 0, (command, result.output)
