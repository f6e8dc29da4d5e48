"""The recording settings in the config: defaults as design.md shows them, and every
mistake named by its field path."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from camhub.config import load_config, parse_config
from camhub.errors import ConfigError


def test_defaults_and_the_design_example(tmp_path: Path) -> None:
    plain = parse_config({})
    assert plain.recording.dir is None and plain.recording.retain_days == 7
    assert plain.recording.max_gb is None and plain.recording.min_free_gb == 1.0
    path = tmp_path / "camhub.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "recording": {"dir": None, "retain_days": 7, "max_gb": None},
                "devices": [
                    {"name": "gate", "kind": "rtsp"},
                    {
                        "name": "hall",
                        "kind": "rtsp",
                        "record": {"mode": "events", "pre_seconds": 5, "post_seconds": 10},
                    },
                ],
            }
        )
    )
    cfg = load_config(path)
    gate, hall = cfg.devices
    assert gate.record is None
    assert hall.record is not None and hall.record.mode == "events"
    assert (hall.record.pre_seconds, hall.record.post_seconds) == (5, 10)
    assert hall.record.segment_seconds == 10 and hall.record.retain_days is None


def record(**fields: object) -> dict[str, object]:
    return {"devices": [{"name": "a", "record": fields}]}


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (record(mode="always"), "devices.0.record.mode:"),
        (record(pre_seconds=-1), "devices.0.record.pre_seconds:"),
        (record(segment_seconds=1), "devices.0.record.segment_seconds:"),
        (record(keep=3), "devices.0.record.keep:"),
        ({"recording": {"retain_days": 0}}, "recording.retain_days:"),
        ({"recording": {"min_free_gb": -1}}, "recording.min_free_gb:"),
        ({"recording": {"path": "/x"}}, "recording.path:"),
    ],
)
def test_problems_name_the_field(data: dict[str, object], expected: str) -> None:
    with pytest.raises(ConfigError) as err:
        parse_config(data)
    assert any(p.startswith(expected) for p in err.value.problems), err.value.problems
