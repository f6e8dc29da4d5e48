"""How the camera firmware answers a decrypted request: the request shapes, the module
tree and its error codes.

Requests come in three shapes:

* ``{"method": "multipleRequest", "params": {"requests": [...]}}`` where each item
  is ``{"method": NAME, "params": {MODULE: ...}}`` with NAME one of
  :data:`~camhub.sim.tapo_camera.methods.METHODS`, or a raw
  ``{"method": "get"|"set"|"do", MODULE: ...}`` (pytapo's TPAP transport wraps raw
  requests this way); every item gets a ``{"method", "result", "error_code"}``;
* raw ``{"method": "get", MODULE: {"name": [SECTION...], "table": [TABLE...]}}``;
* raw ``{"method": "set"|"do", MODULE: {SECTION|ACTION: ...}}``.

Error codes (seed 000, pytapo's table, python-kasa's observations; the members of
:class:`~camhub.sim.tapo_camera.codes.CameraCode`):

* ``-40210`` a method of a feature the model lacks, or a request of the wrong shape
  (python-kasa: "invalid requests raise PROTOCOL_FORMAT_ERROR when sent as a
  multipleRequest"); also a ``set`` value of the wrong kind;
* ``-40105`` a method name no firmware knows;
* ``-40106`` a ``get`` or ``do`` on a module, section or action the camera does
  not have (a Tapo C320WS answers it to ``do msg_alarm manual_msg_alarm``);
* ``-40101`` a ``set`` of a section or key the camera does not have.

A ``get`` answers the sections it has among those asked and skips the others
(python-kasa asks ``device_info`` for ``["basic_info", "info"]`` and real cameras
answer ``basic_info``); it is refused only when none is there.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from camhub.sim.tapo_camera.codes import CameraCode, CameraFault
from camhub.sim.tapo_camera.methods import METHODS
from camhub.sim.tapo_camera.validate import coerce

MAX_REQUESTS = 128

Handler = Callable[[Any], dict[str, Any]]
Tree = dict[str, dict[str, Any]]


def _names(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return []


class Dispatcher:
    """A firmware's module tree with its dynamic sections, actions and set checks."""

    def __init__(self, tree: Tree, *, dot_meta: bool) -> None:
        self.tree = tree
        self.dot_meta = dot_meta
        self.dynamic: dict[tuple[str, str], Callable[[], Any]] = {}
        self.actions: dict[tuple[str, str], Handler] = {}
        self.checks: dict[tuple[str, str], Callable[[dict[str, Any]], None]] = {}
        self.after_set: dict[tuple[str, str], Callable[[dict[str, Any]], None]] = {}
        self.choices: dict[str, frozenset[str]] = {}

    def before_request(self) -> None:
        """Hook: bring time-driven state up to date."""

    # entry points ------------------------------------------------------------------
    def handle(self, request: dict[str, Any]) -> dict[str, Any]:
        """Answer one decrypted top-level request."""
        self.before_request()
        method = request.get("method")
        if method == "multipleRequest":
            params = request.get("params")
            reqs = params.get("requests") if isinstance(params, dict) else None
            if not isinstance(reqs, list) or len(reqs) > MAX_REQUESTS:
                return {"error_code": CameraCode.NOT_SUPPORTED, "result": {"responses": []}}
            return {"error_code": 0, "result": {"responses": [self._one(r) for r in reqs]}}
        if method in ("get", "set", "do"):
            body = {k: v for k, v in request.items() if k != "method"}
            try:
                return {**self._apply(str(method), body), "error_code": 0}
            except CameraFault as exc:
                return {"error_code": exc.code}
        if not isinstance(method, str):
            return {"error_code": CameraCode.NOT_SUPPORTED, "result": {"responses": []}}
        return {"error_code": CameraCode.METHOD_NOT_EXIST}

    def _one(self, req: Any) -> dict[str, Any]:
        name = req.get("method") if isinstance(req, dict) else None
        if not isinstance(name, str):
            return {"method": "", "result": {}, "error_code": CameraCode.NOT_SUPPORTED}
        try:
            op, body = self._parse(name, req)
            result = self._apply(op, body)
        except CameraFault as exc:
            return {"method": name, "result": {}, "error_code": exc.code}
        return {"method": name, "result": result, "error_code": 0}

    def _parse(self, name: str, req: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        params = req.get("params")
        if name in ("get", "set", "do"):
            body = params if isinstance(params, dict) and params else req
            return name, {k: v for k, v in body.items() if k not in ("method", "params")}
        if name not in METHODS:
            raise CameraFault(CameraCode.METHOD_NOT_EXIST)
        op, home = METHODS[name]
        if home not in self.tree or not isinstance(params, dict):
            raise CameraFault(CameraCode.NOT_SUPPORTED)
        # pytapo sends some params with a stray "method" key (getAudioConfig...)
        return op, {k: v for k, v in params.items() if k != "method"}

    def _apply(self, op: str, body: dict[str, Any]) -> dict[str, Any]:
        if not body:
            raise CameraFault(CameraCode.NOT_SUPPORTED)
        if op == "get":
            return {module: self._get(module, args) for module, args in body.items()}
        if op == "set":
            self._set(body)
            return {}
        result: dict[str, Any] = {}
        for module, args in body.items():
            result.update(self._do(module, args))
        return result

    # get ---------------------------------------------------------------------------
    def present(self, value: Any) -> Any:
        """A deep copy as the wire shows it (``.name``/``.type`` only on 1.3.x)."""
        if isinstance(value, dict):
            return {
                k: self.present(v)
                for k, v in value.items()
                if self.dot_meta or not k.startswith(".")
            }
        if isinstance(value, list):
            return [self.present(v) for v in value]
        return copy.deepcopy(value)

    def section(self, module: str, name: str) -> Any:
        """The current value of a section or table, or None."""
        if (module, name) in self.dynamic:
            return self.dynamic[(module, name)]()
        return self.tree.get(module, {}).get(name)

    def _get(self, module: str, args: Any) -> dict[str, Any]:
        if module not in self.tree or not isinstance(args, dict):
            raise CameraFault(CameraCode.GET_PARAM_NOT_EXIST)
        out: dict[str, Any] = {}
        for name in _names(args.get("name")) + _names(args.get("table")):
            value = self.section(module, name)
            if value is not None:
                out[name] = self.present(value)
        if not out:
            raise CameraFault(CameraCode.GET_PARAM_NOT_EXIST)
        return out

    # set ---------------------------------------------------------------------------
    def _row(self, module: str, name: str) -> dict[str, Any] | None:
        """Row ``name`` (``label_info_1``...) of one of the module's tables."""
        for table in self.tree[module].values():
            if isinstance(table, list):
                for row in table:
                    if isinstance(row, dict) and isinstance(row.get(name), dict):
                        return dict(row[name])
        return None

    def _target(self, module: str, name: str) -> Any:
        if (module, name) in self.dynamic:
            raise CameraFault(CameraCode.SET_PARAM_NOT_EXIST)
        found = self.tree[module].get(name)
        return self._row(module, name) if found is None else found

    def _set(self, body: dict[str, Any]) -> None:
        plan: list[tuple[str, str, Any]] = []
        for module, sections in body.items():
            if module not in self.tree or not isinstance(sections, dict) or not sections:
                raise CameraFault(CameraCode.SET_PARAM_NOT_EXIST)
            for name, fields in sections.items():
                plan.append((module, name, self._updates(module, name, fields)))
        for module, name, updates in plan:
            self._write(module, name, updates)

    def _updates(self, module: str, name: str, fields: Any) -> Any:
        target = self._target(module, name)
        if isinstance(target, list):  # a whole table, e.g. msg_alarm_type
            if not isinstance(fields, list) or len(fields) != len(target):
                raise CameraFault(CameraCode.NOT_SUPPORTED)
            rows = [self._row_updates(old, new) for old, new in zip(target, fields, strict=True)]
            return rows
        if not isinstance(target, dict) or not isinstance(fields, dict) or not fields:
            raise CameraFault(CameraCode.SET_PARAM_NOT_EXIST)
        updates = {}
        for key, value in fields.items():
            if key.startswith("."):
                continue
            if key not in target:
                raise CameraFault(CameraCode.SET_PARAM_NOT_EXIST)
            updates[key] = coerce(key, target[key], value, self.choices)
        if (module, name) in self.checks:
            self.checks[(module, name)](updates)
        return updates

    def _row_updates(self, old: Any, new: Any) -> dict[str, Any]:
        if not isinstance(old, dict) or not isinstance(new, dict) or new.keys() != old.keys():
            raise CameraFault(CameraCode.NOT_SUPPORTED)
        if new.get("name") != old.get("name"):
            raise CameraFault(CameraCode.NOT_SUPPORTED)
        return {k: coerce(k, old[k], v, self.choices) for k, v in new.items()}

    def _write(self, module: str, name: str, updates: Any) -> None:
        if isinstance(updates, list):
            self.tree[module][name] = updates
        elif name in self.tree[module]:
            self.tree[module][name].update(updates)
        else:
            for table in self.tree[module].values():
                for row in table if isinstance(table, list) else []:
                    if isinstance(row, dict) and name in row:
                        row[name].update(updates)
        if (module, name) in self.after_set:
            self.after_set[(module, name)](updates)

    # do ----------------------------------------------------------------------------
    def _do(self, module: str, args: Any) -> dict[str, Any]:
        if module not in self.tree or not isinstance(args, dict) or not args:
            raise CameraFault(CameraCode.GET_PARAM_NOT_EXIST)
        result: dict[str, Any] = {}
        for action, value in args.items():
            handler = self.actions.get((module, action))
            if handler is None:
                raise CameraFault(CameraCode.GET_PARAM_NOT_EXIST)
            result.update(handler(value))
        return result
