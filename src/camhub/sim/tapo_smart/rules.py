"""Rule lists kept on the device: schedules, the countdown timer, away mode.

The three work alike on the devices: ``get_<kind>_rules``, ``add_<kind>_rule``
(the device assigns the id: ``S1``, ``C1``, ``A1``...), ``edit_<kind>_rule``
(by id), ``remove_<kind>_rules`` (``{"remove_all": true}`` or
``{"rule_list": [{"id": ...}]}``) and ``set_<kind>_all_enable``. Schedules are
paged (``start_index``/``sum``, 10 a page) and a device holds 16 to 32 of them;
there is one countdown and one away-mode rule. A full list answers -1802 /
-1902 / -2002; an unknown id -1805.

The countdown runs: ``remain`` counts down on the device clock and when it
reaches 0 the device switches to ``desired_states`` and keeps the rule,
disabled, as real plugs do. Schedules fire at their minute of the day.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from camhub.sim.tapo_smart.codes import SmartCode, SmartFault

Params = dict[str, Any]

PAGE = 10
MAX_DELAY_S = 86400

_SCHEDULE_KEYS = {
    "enable": bool,
    "mode": str,
    "s_type": str,
    "s_min": int,
    "e_type": str,
    "e_min": int,
    "e_action": str,
    "week_day": int,
    "time_offset": int,
    "year": int,
    "month": int,
    "day": int,
    "desired_states": dict,
}
_ANTITHEFT_KEYS = {
    "enable": bool,
    "frequency": int,
    "mode": str,
    "week_day": int,
    "start_time_type": str,
    "start_min": int,
    "start_time_offset": int,
    "end_time_type": str,
    "end_min": int,
    "end_time_offset": int,
    "year": int,
    "month": int,
    "day": int,
}


def _checked(params: Params, keys: dict[str, type], *, require: tuple[str, ...]) -> Params:
    """The known keys of a rule, type-checked; the required ones must be there."""
    rule: Params = {}
    for key, kind in keys.items():
        if key not in params:
            if key in require:
                raise SmartFault(SmartCode.PARAMS_ERROR)
            continue
        value = params[key]
        if kind is int and (isinstance(value, bool) or not isinstance(value, int)):
            raise SmartFault(SmartCode.PARAMS_ERROR)
        if not isinstance(value, kind):
            raise SmartFault(SmartCode.PARAMS_ERROR)
        rule[key] = value
    states = rule.get("desired_states")
    if states is not None and not isinstance(states.get("on", True), bool):
        raise SmartFault(SmartCode.PARAMS_ERROR)
    return rule


@dataclass
class RuleBook:
    """One kind of rule list: its id prefix, capacity and rule shape."""

    kind: str  # schedule / countdown / antitheft
    prefix: str
    max_count: int
    full_code: SmartCode
    paged: bool = False

    def __post_init__(self) -> None:
        self.enable = False
        self.rules: list[Params] = []
        self._next_id = 1

    def listing(self, params: Params) -> dict[str, Any]:
        head: dict[str, Any] = {"enable": self.enable}
        if not self.paged:
            head[f"{self.kind}_rule_max_count"] = self.max_count
            head["rule_list"] = [dict(r) for r in self.rules]
            return head
        start = params.get("start_index", 0)
        if isinstance(start, bool) or not isinstance(start, int) or start < 0:
            raise SmartFault(SmartCode.PARAMS_ERROR)
        head["rule_list"] = [dict(r) for r in self.rules[start : start + PAGE]]
        head.update(
            {
                f"{self.kind}_rule_max_count": self.max_count,
                "start_index": start,
                "sum": len(self.rules),
            }
        )
        return head

    def shape(self, params: Params, *, new: bool) -> Params:
        if self.kind == "schedule":
            require = ("s_min", "desired_states") if new else ()
            return _checked(params, _SCHEDULE_KEYS, require=require)
        if self.kind == "antitheft":
            return _checked(params, _ANTITHEFT_KEYS, require=("start_min",) if new else ())
        rule = _checked(
            params,
            {"enable": bool, "delay": int, "desired_states": dict},
            require=("delay", "desired_states") if new else (),
        )
        if "delay" in rule and not 0 < rule["delay"] <= MAX_DELAY_S:
            raise SmartFault(SmartCode.PARAMS_ERROR)
        return rule

    def add(self, params: Params, now: float) -> dict[str, str]:
        rule = self.shape(params, new=True)
        if len(self.rules) >= self.max_count:
            raise SmartFault(self.full_code)
        rule_id = f"{self.prefix}{self._next_id}"
        self._next_id += 1
        rule = {"id": rule_id, "enable": True, **rule}
        if self.kind == "countdown":
            rule["remain"] = rule["delay"] if rule["enable"] else 0
            rule["fires_at"] = now + rule["delay"]
        self.rules.append(rule)
        self.enable = True
        return {"id": rule_id}

    def edit(self, params: Params, now: float) -> None:
        rule = self.find(params.get("id"))
        rule.update(self.shape(params, new=False))
        if self.kind == "countdown":
            rule["remain"] = rule["delay"] if rule["enable"] else 0
            rule["fires_at"] = now + rule["delay"]

    def remove(self, params: Params) -> None:
        if params.get("remove_all") is True:
            self.rules.clear()
            return
        ids = params.get("rule_list")
        if not isinstance(ids, list) or not ids:
            raise SmartFault(SmartCode.PARAMS_ERROR)
        doomed = {self.find(i.get("id") if isinstance(i, dict) else None)["id"] for i in ids}
        self.rules = [r for r in self.rules if r["id"] not in doomed]

    def find(self, rule_id: Any) -> Params:
        rule = next((r for r in self.rules if r["id"] == rule_id), None)
        if rule is None:
            raise SmartFault(
                SmartCode.SCHEDULE_INDEX_ERROR
                if self.kind == "schedule"
                else SmartCode.PARAMS_ERROR
            )
        return rule

    def set_all_enable(self, params: Params) -> None:
        if not isinstance(params.get("enable"), bool):
            raise SmartFault(SmartCode.PARAMS_ERROR)
        self.enable = params["enable"]


class Rules:
    """The rule books of one node and the methods that reach them."""

    def __init__(
        self,
        clock: Callable[[], float],
        switch: Callable[[Params], None],
        schedule_max: int,
        components: Callable[[str], bool],
    ) -> None:
        self.clock = clock
        self.switch = switch  # applies a rule's desired_states to the node
        self.books: dict[str, RuleBook] = {}
        if components("schedule"):
            self.books["schedule"] = RuleBook(
                "schedule", "S", schedule_max, SmartCode.SCHEDULE_FULL, True
            )
        if components("countdown"):
            self.books["countdown"] = RuleBook("countdown", "C", 1, SmartCode.COUNTDOWN_CONFLICT)
        if components("antitheft"):
            self.books["antitheft"] = RuleBook("antitheft", "A", 1, SmartCode.ANTITHEFT_CONFLICT)
        self._last_tick = clock()
        self.legacy_next_event = False  # firmware v1: a placeholder event, not {}

    def methods(self) -> dict[str, Callable[[Params], Any]]:
        table: dict[str, Callable[[Params], Any]] = {}
        for kind, book in self.books.items():
            table[f"get_{kind}_rules"] = self._reader(book)
            table[f"add_{kind}_rule"] = self._adder(book)
            table[f"edit_{kind}_rule"] = self._editor(book)
            table[f"remove_{kind}_rules"] = self._remover(book)
            table[f"set_{kind}_all_enable"] = self._enabler(book)
        if "schedule" in self.books:
            table["get_next_event"] = lambda _: self.next_event()

        return table

    def _reader(self, book: RuleBook) -> Callable[[Params], Any]:
        def read(params: Params) -> dict[str, Any]:
            self.tick()
            listing = book.listing(params)
            for rule in listing["rule_list"]:
                rule.pop("fires_at", None)
            return listing

        return read

    def _adder(self, book: RuleBook) -> Callable[[Params], Any]:
        def add(params: Params) -> dict[str, str]:
            self.tick()
            return book.add(params, self.clock())

        return add

    def _editor(self, book: RuleBook) -> Callable[[Params], None]:
        def edit(params: Params) -> None:
            self.tick()
            book.edit(params, self.clock())

        return edit

    def _remover(self, book: RuleBook) -> Callable[[Params], None]:
        return book.remove

    def _enabler(self, book: RuleBook) -> Callable[[Params], None]:
        return book.set_all_enable

    # time passing ------------------------------------------------------------
    def tick(self) -> None:
        """Run the countdown and the schedules up to the device clock's now."""
        now = self.clock()
        countdown = self.books.get("countdown")
        for rule in countdown.rules if countdown else ():
            if rule["enable"] and rule["fires_at"] <= now:
                rule.update(enable=False, remain=0)
                self.switch(rule["desired_states"])
            elif rule["enable"]:
                rule["remain"] = int(rule["fires_at"] - now + 0.999)
        schedule = self.books.get("schedule")
        if schedule and schedule.enable:
            for fire_at, rule in self._due(schedule, self._last_tick, now):
                del fire_at
                self.switch(rule["desired_states"])
                if rule.get("mode") == "once":
                    rule["enable"] = False
        self._last_tick = now

    @staticmethod
    def _due(book: RuleBook, since: float, now: float) -> list[tuple[int, Params]]:
        """Clock-time rules whose minute passed in (since, now], in firing order."""
        fired: list[tuple[int, Params]] = []
        day = int(since // 86400) * 86400
        while day <= now and since < now:
            for rule in book.rules:
                if not rule.get("enable") or rule.get("s_type", "normal") != "normal":
                    continue
                at = day + rule.get("s_min", 0) * 60
                weekday = (int(day // 86400) + 4) % 7  # 0 = Sunday
                repeat_ok = rule.get("mode") != "repeat" or rule.get("week_day", 0) >> weekday & 1
                if since < at <= now and repeat_ok:
                    fired.append((at, rule))
            day += 86400
            if len(fired) > 1000:  # a clock jumped by years: enough is enough
                break
        return sorted(fired, key=lambda f: f[0])

    def next_event(self) -> dict[str, Any]:
        """What ``get_next_event`` shows: the next clock-time schedule, or {}."""
        self.tick()
        book = self.books["schedule"]
        now = self.clock()
        due = self._due(book, now, now + 8 * 86400) if book.enable else []
        if not due:
            if self.legacy_next_event:
                return {"action": -1, "e_time": 0, "id": "0", "s_time": 0, "type": 0}
            return {}
        at, rule = due[0]
        return {
            "desired_states": dict(rule["desired_states"]),
            "e_time": 0,
            "id": rule["id"],
            "s_time": at,
            "type": 1,
        }
