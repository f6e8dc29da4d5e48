"""Error codes of the Tapo SMART protocol (plugs, bulbs, strips) and their meaning."""

from __future__ import annotations

from camhub.errors import DeviceAuthError, DeviceError, VendorCode


class SmartErrorCode(VendorCode):
    """``error_code`` values a Tapo smart device answers, with their meaning."""

    SUCCESS = 0, "success"
    # transport level (answers to a request in the wrong protocol)
    SESSION_TIMEOUT = 9999, "session timed out"
    MULTI_REQUEST_FAILED = 1200, "multi request failed"
    HTTP_TRANSPORT_FAILED = 1112, "http transport failed"
    LOGIN_FAILED = 1111, "login failed"
    HANDSHAKE_FAILED = 1100, "handshake failed"
    TRANSPORT_UNKNOWN_CREDENTIALS = 1003, "the device expects KLAP, not this protocol"
    TRANSPORT_NOT_AVAILABLE = 1002, "transport not available"
    CMD_COMMAND_CANCEL = 1001, "cmd command cancel"
    NULL_TRANSPORT = 1000, "null transport"
    # device level
    COMMON_FAILED = -1, "the device could not do it"
    UNSPECIFIC = -1001, "unspecific"
    UNKNOWN_METHOD = -1002, "the device does not know this method"
    JSON_DECODE_FAIL = -1003, "the device could not decode the request"
    JSON_ENCODE_FAIL = -1004, "json encode fail"
    AES_DECODE_FAIL = -1005, "aes decode fail"
    REQUEST_LEN_ERROR = -1006, "request len error"
    CLOUD_FAILED = -1007, "cloud failed"
    PARAMS_ERROR = -1008, "a parameter is invalid or out of range"
    INVALID_PUBLIC_KEY = -1010, "invalid public key"
    SESSION_PARAM_ERROR = -1101, "session param error"
    QUICK_SETUP_ERROR = -1201, "quick setup error"
    DEVICE_ERROR = -1301, "device error"
    DEVICE_NEXT_EVENT_ERROR = -1302, "device next event error"
    FIRMWARE_ERROR = -1401, "firmware error"
    FIRMWARE_VER_ERROR = -1402, "firmware ver error"
    LOGIN_ERROR = -1501, "login failed: wrong e-mail or password"
    TIME_ERROR = -1601, "time error"
    TIME_SYS_ERROR = -1602, "time sys error"
    TIME_SAVE_ERROR = -1603, "time save error"
    WIRELESS_ERROR = -1701, "wireless error"
    WIRELESS_UNSUPPORTED = -1702, "wireless unsupported"
    SCHEDULE_ERROR = -1801, "schedule error"
    SCHEDULE_FULL = -1802, "schedule full"
    SCHEDULE_CONFLICT = -1803, "schedule conflict"
    SCHEDULE_SAVE_ERROR = -1804, "schedule save error"
    SCHEDULE_INDEX_ERROR = -1805, "schedule index error"
    COUNTDOWN_ERROR = -1901, "countdown error"
    COUNTDOWN_CONFLICT = -1902, "countdown conflict"
    COUNTDOWN_SAVE_ERROR = -1903, "countdown save error"
    ANTITHEFT_ERROR = -2001, "antitheft error"
    ANTITHEFT_CONFLICT = -2002, "antitheft conflict"
    ANTITHEFT_SAVE_ERROR = -2003, "antitheft save error"
    ACCOUNT_ERROR = -2101, "account error"
    STAT_ERROR = -2201, "stat error"
    STAT_SAVE_ERROR = -2202, "stat save error"
    DST_ERROR = -2301, "dst error"
    DST_SAVE_ERROR = -2302, "dst save error"
    SYSTEM_ERROR = -40101, "system error"
    UNSUPPORTED_METHOD = -40106, "method not supported by this model"
    ONE_SECOND_REPEAT_REQUEST = -40109, "one second repeat request"
    INVALID_ARGUMENTS = -40209, "invalid arguments"
    PROTOCOL_FORMAT_ERROR = -40210, "request not in the expected format"
    SESSION_EXPIRED = -40401, "session expired"
    DEVICE_BLOCKED = -40404, "device blocked after too many failed logins"
    BAD_USERNAME = -40411, "unknown user name"


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
    known = SmartErrorCode.lookup(code)
    if known is None:
        return f"unknown error code {code}"
    return f"{known.name} ({known.meaning})"


def smart_error(code: int, *, method: str, device: str) -> DeviceError:
    """The camhub error for a non-zero ``error_code``."""
    message = f"{device}: {method} failed: {describe(code)}"
    cls = DeviceAuthError if code in AUTH_CODES else DeviceError
    return cls(message, device=device, code=code, method=method)
