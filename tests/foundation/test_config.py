"""The config file: schema, env secrets, tapo-rest's format, check-config."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from camhub.config import load_config, parse_config
from camhub.drivers import kind_check, resolve
from camhub.errors import ConfigError


def write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(text)
    return p


def test_yaml_config_with_env_secret(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORCH_PW", "s3cret")
    cfg = load_config(
        write(
            tmp_path,
            "c.yaml",
            """
server: {https_port: 9443, http_port: null}
users: [{username: admin, password: "x", role: admin}]
devices:
  - {name: porch, kind: sercomm, host: 10.0.0.2, username: admin, password: "${PORCH_PW}"}
""",
        )
    )
    assert cfg.server.https_port == 9443 and cfg.server.http_port is None
    assert cfg.devices[0].password is not None
    assert cfg.devices[0].password.get_secret_value() == "s3cret"
    assert "s3cret" not in repr(cfg)


def test_tapo_rest_config_is_accepted_as_is(tmp_path: Path) -> None:
    cfg = resolve(
        load_config(
            write(
                tmp_path,
                "devices.json",
                json.dumps(
                    {
                        "tapo_credentials": {"email": "me@example.com", "password": "pw"},
                        "server_password": "potatoes",
                        "devices": [
                            {
                                "name": "living-room-bulb",
                                "device_type": "L530",
                                "ip_addr": "192.168.1.9",
                            },
                            {"name": "strip", "device_type": "P300", "ip_addr": "192.168.1.10"},
                        ],
                    }
                ),
            )
        )
    )
    bulb, strip = cfg.devices
    assert (bulb.kind, bulb.model, bulb.host) == ("tapo-bulb", "L530", "192.168.1.9")
    assert strip.kind == "tapo-power-strip"
    assert cfg.device_credentials(bulb, cloud_account=True) == ("me@example.com", "pw")
    assert [(u.username, u.role) for u in cfg.effective_users()] == [("admin", "admin")]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"bogus": 1}, "bogus: Extra inputs are not permitted"),
        ({"server": {"https_port": "x"}}, "server.https_port: Input should be a valid integer"),
        (
            {"devices": [{"name": "a", "kind": "toaster", "host": "h"}]},
            "devices.0.kind: Value error, no driver for 'toaster'",
        ),
        (
            {"devices": [{"name": "a", "kind": "sercomm"}]},
            "devices.0.host: required for kind sercomm",
        ),
        ({"devices": [{"name": "a", "kind": "sercomm", "host": "h"}] * 2}, "duplicate names a"),
        (
            {"users": [{"username": "u", "password": "${NOPE_NOT_SET}"}]},
            "users.0.password: environment variable NOPE_NOT_SET",
        ),
    ],
)
def test_problems_name_the_field(data: dict[str, object], expected: str) -> None:
    with pytest.raises(ConfigError) as info:
        resolve(parse_config(data, kind_check))
    assert any(expected in p for p in info.value.problems), info.value.problems


def test_check_config_command(tmp_path: Path) -> None:
    good = write(tmp_path, "good.yaml", "devices: [{name: cam, kind: ipcamera, host: 127.0.0.1}]\n")
    bad = write(
        tmp_path,
        "bad.yaml",
        "server: {https_port: 70000}\ndevices: [{name: cam, kind: nope, host: x}]\n",
    )
    ok = subprocess.run(
        [sys.executable, "-m", "camhub.cli", "check-config", str(good)],
        capture_output=True,
        text=True,
    )
    assert ok.returncode == 0, ok.stderr
    res = subprocess.run(
        [sys.executable, "-m", "camhub.cli", "check-config", str(bad)],
        capture_output=True,
        text=True,
    )
    assert res.returncode == 2
    lines = res.stdout.strip().splitlines()
    assert any(line.startswith("server.https_port: ") for line in lines), lines
    assert any(
        line.startswith("devices.0.kind: Value error, no driver for 'nope'") for line in lines
    )


def test_broken_yaml_is_a_problem_not_a_traceback(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, "x.yaml", "server: [unclosed\n"))
    assert "not valid YAML" in info.value.problems[0]


def test_yaml_errors_never_quote_the_line(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(
            write(tmp_path, "x.yaml", 'users:\n  - {username: a, password: "hunter2-secret\n')
        )
    (line,) = info.value.problems
    assert "hunter2" not in line and "line" in line


def test_check_config_validates_driver_options(tmp_path: Path) -> None:
    bad = write(
        tmp_path,
        "bad.yaml",
        "devices:\n  - {name: porch, kind: sercomm, host: h, "
        "options: {ptz_step: 500, colour: red}}\n",
    )
    res = subprocess.run(
        [sys.executable, "-m", "camhub.cli", "check-config", str(bad)],
        capture_output=True,
        text=True,
    )
    assert res.returncode == 2
    lines = res.stdout.strip().splitlines()
    assert any(line.startswith("devices.0.options.ptz_step: ") for line in lines), lines
    assert any(line.startswith("devices.0.options.colour: ") for line in lines), lines
