"""The error codes the emulated SMART devices answer with, and their meanings.

A refused request answers ``{"error_code": code}`` (no ``result``) with HTTP 200, as
the devices do; the codes are the ones python-kasa and the ``tapo`` crate know.
"""

from __future__ import annotations

from camhub.errors import VendorCode


class SmartCode(VendorCode):
    """``error_code`` values of a SMART reply."""

    UNKNOWN_METHOD = -1002, "the device has no such method"
    JSON_DECODE_FAIL = -1003, "the request is not JSON the device can read"
    PARAMS_ERROR = -1008, "a parameter is missing, of the wrong type or out of range"
    SCHEDULE_FULL = -1802, "the schedule list is full"
    SCHEDULE_INDEX_ERROR = -1805, "no rule with that id"
    COUNTDOWN_CONFLICT = -1902, "a countdown rule is already set"
    ANTITHEFT_CONFLICT = -2002, "an away-mode rule is already set"
    PROTOCOL_FORMAT_ERROR = -40210, "the request is not a SMART request (no method)"
    PLAIN_JSON_REFUSED = 1003, "a KLAP device refuses the older plain JSON handshake"


class SmartFault(Exception):
    """A request the device refuses: the reply is ``{"error_code": code}``."""

    def __init__(self, code: SmartCode) -> None:
        super().__init__(code)
        self.code = code
