"""The error codes the emulated Tapo camera answers with, and their meanings.

The HTTPS API (``POST /`` to log in, ``POST /stok=<stok>/ds``) answers a refusal as
``{"error_code": code, ...}``, with HTTP 200 except where the routes say otherwise.
One code often covers several situations on the real firmware (``-40210`` is both
"no such feature" and "malformed request"); each meaning lists the ones this
emulator answers it to. Sources: seed 000, pytapo's error table, python-kasa's
observations of the camera transport, freeKC's TPAP write-up.

Port 8800 (the camera's own stream protocol, :mod:`.media`) has its own table.
"""

from __future__ import annotations

from camhub.errors import VendorCode


class CameraCode(VendorCode):
    """``error_code`` values of the HTTPS API, the login's and the ``/ds`` requests'."""

    # any request
    COMMON_FAILED = (
        -1,
        (
            "the secure channel refused the request: a wrong Tapo_tag, or a request that "
            "does not decrypt to a JSON object (HTTP 500)"
        ),
    )
    # the module tree (dispatch.py)
    SET_PARAM_NOT_EXIST = -40101, "a set names a module, section or key the camera lacks"
    METHOD_NOT_EXIST = -40105, "no firmware knows a method of that name"
    GET_PARAM_NOT_EXIST = (
        -40106,
        ("a get or do names a module, section, action or argument the camera lacks"),
    )
    NOT_SUPPORTED = (
        -40210,
        (
            "the model lacks the feature, or the request is malformed (wrong shape, a value "
            "of the wrong kind or out of range), or there is no firmware update to install"
        ),
    )
    # logging in (auth.py, tpap.py)
    INVALID_CREDENTIALS = (
        -40209,
        (
            "legacy login: wrong user or password; TPAP: unknown user at pake_register, or "
            "a /ds body that decrypts to something other than a multipleRequest"
        ),
    )
    OLD_LOGIN_REFUSED = -40211, "TPAP firmware refuses the older login shapes"
    SESSION_EXPIRED = (
        -40401,
        (
            "the stok is unknown or expired (log in again); also the first answer of a "
            "legacy login probe, and TPAP's answer to a wrong password or a refused body"
        ),
    )
    DEVICE_BLOCKED = -40404, "too many failed logins: locked out for sec_left seconds"
    BAD_USERNAME = -40411, "the login names a user the camera does not have (not admin)"
    INVALID_NONCE = (
        -40413,
        (
            "secure login: here is a nonce to answer (the challenge), or the digest "
            "answered a stale nonce or a wrong password"
        ),
    )
    # the SD card (storage.py)
    SD_CARD_UNPLUGGED = -52409, "no SD card is inserted"
    # pan/tilt and presets (ptz.py, motion.py)
    PRESET_NOT_FOUND = -64302, "no preset has that id"
    MOTOR_BUSY = -64303, "the motor is patrolling (cruise); stop the cruise first"
    MOTOR_LOCKED_ROTOR = -64304, "the motor is already at the end of its travel"
    PRESET_SATURATED = -64306, "every preset slot is taken"
    PRESET_DELETED = -64321, "the preset with that id was deleted"
    PRIVACY_ON = -64324, "privacy mode is on: the motor does not move"
    # recordings (playback.py, storage.py)
    USER_ID_INVALID = -71103, "the playback request's user id is not the one logged in"
    STORAGE_NOT_EXIST = -71114, "no SD card to search recordings on"
    STORAGE_SD_LOADING = -71115, "the SD card is being formatted: try again when done"


class MediaCode(VendorCode):
    """``error_code`` values of a port-8800 JSON answer (``params.error_code``)."""

    BAD_REQUEST = -1, "the camera cannot serve that preview request (assumed code)"


class CameraFault(Exception):
    """A request the camera refuses: the reply carries ``error_code`` ``code``."""

    def __init__(self, code: CameraCode) -> None:
        super().__init__(code)
        self.code = code
