"""Every capability spec has its routes, its documentation and its web control."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import camhub
from camhub.capabilities import SPECS

ROOT = Path(__file__).resolve().parents[2]


def test_every_action_has_a_route(make_app: Any) -> None:
    from camhub.api.app import create_app
    from tests.conftest import make_settings

    app = create_app(make_settings(ROOT / "unused"))
    paths = app.openapi()["paths"]
    routes = {(m.upper(), path) for path, ops in paths.items() for m in ops}
    for spec in SPECS.values():
        for action in spec.actions:
            path = "/api/devices/{name}/" + action.path
            assert (action.method, path) in routes, f"{spec.capability}: no route {path}"


def test_every_capability_is_documented() -> None:
    doc = (ROOT / "docs" / "api.md").read_text()
    table = doc.split("### Capabilities: one contract each")[1].split("## Events")[0]
    documented = {
        c.strip() for row in re.findall(r"^\| ([a-z_, ]+) \|", table, re.M) for c in row.split(",")
    }
    assert set(map(str, SPECS)) <= documented


def test_every_control_kind_has_a_renderer() -> None:
    js = (Path(camhub.__file__).parent / "web" / "controls.js").read_text()
    block = js.split("const renderers = {")[1].split("\n};")[0]
    kinds = set(re.findall(r"^  (?:async )?(\w+)(?:\(|:)", block, re.M))
    assert {spec.control for spec in SPECS.values()} <= kinds


def test_state_schemas_are_json_schemas() -> None:
    import jsonschema

    for spec in SPECS.values():
        if spec.state is not None:
            jsonschema.Draft202012Validator.check_schema(spec.state.model_json_schema())
