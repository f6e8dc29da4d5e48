"""Error codes a Tapo camera answers with, and what they mean (seed 000, pytapo)."""

from __future__ import annotations

from camhub.errors import DeviceError, VendorCode


class TapoCameraError(VendorCode):
    """A Tapo camera's ``error_code`` values. ``meaning`` is the human text."""

    COMMON_FAILED = -1, "Request failed (tag or session check)"
    UNSUPPORTED_METHOD_PARAM = -40106, "Parameter to get/do does not exist"
    METHOD_NOT_EXIST = -40105, "Method does not exist"
    SET_PARAM_NOT_EXIST = -40101, "Parameter to set does not exist"
    ONE_SECOND_REPEAT = -40109, "Same request repeated within one second"
    INVALID_CREDENTIALS = -40209, "Invalid login credentials"
    NOT_SUPPORTED = -40210, "Function not supported"
    MISSING_PARAMS = -40211, "Missing necessary parameters (login flow not offered)"
    SESSION_EXPIRED = -40401, "Invalid stok value (session expired)"
    SESSION_INVALID = -40421, "Session no longer valid (log in again)"
    DEVICE_BLOCKED = -40404, "Too many failed logins: temporarily locked"
    OUT_OF_LIMIT = -40406, "Out of limit"
    OTHER_ERROR = -40407, "Other error"
    SYSTEM_BLOCKED = -40408, "System blocked"
    NONCE_EXPIRED = -40409, "Nonce expired"
    HOMEKIT_LOGIN_FAIL = -40412, "HomeKit login failed"
    INVALID_NONCE = -40413, "Invalid nonce (secure login challenge)"
    TOO_MANY_REQUEST = -52405, "Too many requests"
    TOO_MANY_CLIENT = -52407, "Too many clients"
    SD_CARD_UNPLUGGED = -52409, "No SD card inserted"
    PRESET_NOT_FOUND = -64302, "Preset ID not found"
    MOTOR_BUSY = -64303, "Action cannot be done while camera is in patrol mode"
    MOTOR_LOCKED_ROTOR = -64304, "Maximum pan/tilt range reached"
    PRESET_ADD_MOVING = -64305, "Cannot save a preset while the motor moves"
    PRESET_SATURATED = -64306, "No room for another preset"
    PRESET_DELETED = -64321, "Preset ID was deleted so no longer exists"
    PRIVACY_ON = -64324, "Privacy mode is ON, not able to execute"
    MOTOR_PRIVATE_AREA = -64336, "Motor cannot move into a private area"
    USER_ID_FULL = -71101, "No free user ID"
    USER_ID_INVALID = -71103, "User ID is not authorized"
    PLAYBACK_SEARCH_FAILED = -71105, "Playback search failed"
    STORAGE_NOT_EXIST = -71114, "No storage (SD card) present"
    STORAGE_SD_LOADING = -71115, "The SD card is busy (loading or formatting)"


def meaning_of(code: int) -> str:
    return TapoCameraError.meaning_of(code, "Unknown error")


def device_error(code: int, device: str, method: str | None = None) -> DeviceError:
    """The camhub error for a vendor ``error_code`` (never carries secrets)."""
    where = f" ({method})" if method else ""
    return DeviceError(f"{device}: {meaning_of(code)}{where}", device=device, code=code)
