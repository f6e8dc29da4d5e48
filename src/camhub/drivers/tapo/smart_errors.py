"""Error codes of the Tapo SMART protocol (plugs, bulbs, strips) and their meaning."""

from __future__ import annotations

from enum import IntEnum

from camhub.errors import DeviceAuthError, DeviceError


class SmartErrorCode(IntEnum):
    """``error_code`` values a Tapo smart device answers; see :data:`MEANINGS`."""

    SUCCESS = 0
    # transport level (answers to a request in the wrong protocol)
    SESSION_TIMEOUT = 9999
    MULTI_REQUEST_FAILED = 1200
    HTTP_TRANSPORT_FAILED = 1112
    LOGIN_FAILED = 1111
    HANDSHAKE_FAILED = 1100
    TRANSPORT_UNKNOWN_CREDENTIALS = 1003
    TRANSPORT_NOT_AVAILABLE = 1002
    CMD_COMMAND_CANCEL = 1001
    NULL_TRANSPORT = 1000
    # device level
    COMMON_FAILED = -1
    UNSPECIFIC = -1001
    UNKNOWN_METHOD = -1002
    JSON_DECODE_FAIL = -1003
    JSON_ENCODE_FAIL = -1004
    AES_DECODE_FAIL = -1005
    REQUEST_LEN_ERROR = -1006
    CLOUD_FAILED = -1007
    PARAMS_ERROR = -1008
    INVALID_PUBLIC_KEY = -1010
    SESSION_PARAM_ERROR = -1101
    QUICK_SETUP_ERROR = -1201
    DEVICE_ERROR = -1301
    DEVICE_NEXT_EVENT_ERROR = -1302
    FIRMWARE_ERROR = -1401
    FIRMWARE_VER_ERROR = -1402
    LOGIN_ERROR = -1501
    TIME_ERROR = -1601
    TIME_SYS_ERROR = -1602
    TIME_SAVE_ERROR = -1603
    WIRELESS_ERROR = -1701
    WIRELESS_UNSUPPORTED = -1702
    SCHEDULE_ERROR = -1801
    SCHEDULE_FULL = -1802
    SCHEDULE_CONFLICT = -1803
    SCHEDULE_SAVE_ERROR = -1804
    SCHEDULE_INDEX_ERROR = -1805
    COUNTDOWN_ERROR = -1901
    COUNTDOWN_CONFLICT = -1902
    COUNTDOWN_SAVE_ERROR = -1903
    ANTITHEFT_ERROR = -2001
    ANTITHEFT_CONFLICT = -2002
    ANTITHEFT_SAVE_ERROR = -2003
    ACCOUNT_ERROR = -2101
    STAT_ERROR = -2201
    STAT_SAVE_ERROR = -2202
    DST_ERROR = -2301
    DST_SAVE_ERROR = -2302
    SYSTEM_ERROR = -40101
    UNSUPPORTED_METHOD = -40106
    ONE_SECOND_REPEAT_REQUEST = -40109
    INVALID_ARGUMENTS = -40209
    PROTOCOL_FORMAT_ERROR = -40210
    SESSION_EXPIRED = -40401
    DEVICE_BLOCKED = -40404
    BAD_USERNAME = -40411

    @property
    def meaning(self) -> str:
        return MEANINGS.get(self, self.name.replace("_", " ").lower())


MEANINGS: dict[SmartErrorCode, str] = {
    SmartErrorCode.SESSION_TIMEOUT: "session timed out",
    SmartErrorCode.TRANSPORT_UNKNOWN_CREDENTIALS: "the device expects KLAP, not this protocol",
    SmartErrorCode.COMMON_FAILED: "the device could not do it",
    SmartErrorCode.UNKNOWN_METHOD: "the device does not know this method",
    SmartErrorCode.JSON_DECODE_FAIL: "the device could not decode the request",
    SmartErrorCode.PARAMS_ERROR: "a parameter is invalid or out of range",
    SmartErrorCode.LOGIN_ERROR: "login failed: wrong e-mail or password",
    SmartErrorCode.UNSUPPORTED_METHOD: "method not supported by this model",
    SmartErrorCode.PROTOCOL_FORMAT_ERROR: "request not in the expected format",
    SmartErrorCode.SESSION_EXPIRED: "session expired",
    SmartErrorCode.DEVICE_BLOCKED: "device blocked after too many failed logins",
    SmartErrorCode.BAD_USERNAME: "unknown user name",
}

AUTH_CODES = frozenset(
    {
        SmartErrorCode.LOGIN_ERROR,
        SmartErrorCode.LOGIN_FAILED,
        SmartErrorCode.BAD_USERNAME,
        SmartErrorCode.DEVICE_BLOCKED,
        SmartErrorCode.TRANSPORT_UNKNOWN_CREDENTIALS,
    }
)


def describe(code: int) -> str:
    try:
        known = SmartErrorCode(code)
    except ValueError:
        return f"unknown error code {code}"
    return f"{known.name} ({known.meaning})"


def smart_error(code: int, *, method: str, device: str) -> DeviceError:
    """The camhub error for a non-zero ``error_code``."""
    message = f"{device}: {method} failed: {describe(code)}"
    cls = DeviceAuthError if code in AUTH_CODES else DeviceError
    return cls(message, device=device, code=code, method=method)
