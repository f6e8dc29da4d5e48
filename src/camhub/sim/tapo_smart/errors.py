"""The SMART error codes the emulated devices answer with."""

from __future__ import annotations

UNKNOWN_METHOD = -1002
JSON_DECODE_FAIL = -1003
PARAMS_ERROR = -1008
PROTOCOL_FORMAT_ERROR = -40210


class SmartFault(Exception):
    """A request the device refuses: the reply is ``{"error_code": code}``."""

    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code
