"""VendorCode: one shape for every vendor code table, and lookups that never raise."""

from __future__ import annotations

import pickle

import pytest

from camhub.drivers.http import HttpCode
from camhub.drivers.ipcamera.protocol import ApiStatus
from camhub.drivers.ipcamera.protocol import meaning as ipcamera_meaning
from camhub.drivers.sercomm.protocol import SercommCode, code_meaning
from camhub.drivers.tapo.camera_errors import TapoCameraError, device_error
from camhub.drivers.tapo.camera_errors import meaning_of as tapo_meaning_of
from camhub.drivers.tapo.smart_errors import SmartErrorCode, describe
from camhub.drivers.tinycam.protocol import TinyCamStatus
from camhub.errors import VendorCode

TABLES: list[type[VendorCode]] = [
    TapoCameraError,
    SmartErrorCode,
    ApiStatus,
    TinyCamStatus,
    SercommCode,
    HttpCode,
]


class Sample(VendorCode):
    NOT_FOUND = 404, "no such thing"
    FAILED = -1, "it failed"


def test_member_is_its_code_and_carries_its_meaning() -> None:
    assert Sample.NOT_FOUND == 404
    assert Sample.NOT_FOUND.value == 404
    assert Sample.FAILED.meaning == "it failed"
    # the code, not the tuple, is what a reply or an API answer shows
    assert f"{Sample.FAILED}" == "-1"
    assert Sample.lookup(-1) is Sample.FAILED


@pytest.mark.parametrize("code", [418, 0, True, "404", None, [404], 404.5])
def test_unknown_or_malformed_code_gives_the_default(code: object) -> None:
    assert Sample.meaning_of(code, "unknown") == "unknown"  # type: ignore[arg-type]
    assert Sample.lookup(code) is None  # type: ignore[arg-type]


def test_known_code_given_as_plain_int_is_found() -> None:
    assert Sample.meaning_of(404, "unknown") == "no such thing"


def test_members_survive_pickling() -> None:
    assert pickle.loads(pickle.dumps(TapoCameraError.PRESET_NOT_FOUND)) is (
        TapoCameraError.PRESET_NOT_FOUND
    )


@pytest.mark.parametrize("table", TABLES, ids=lambda t: t.__name__)
def test_every_vendor_table_gives_each_code_a_meaning(table: type[VendorCode]) -> None:
    assert issubclass(table, VendorCode)
    for member in table:
        assert isinstance(member.meaning, str)
        assert member.meaning.strip()
        assert table.meaning_of(int(member), "?") == member.meaning
    assert table.meaning_of(123456789, "?") == "?"


def test_module_helpers_keep_their_texts() -> None:
    assert tapo_meaning_of(-64302) == "Preset ID not found"
    assert tapo_meaning_of(-5) == "Unknown error"
    err = device_error(-64324, "porch", "moveMotor")
    assert err.message == "porch: Privacy mode is ON, not able to execute (moveMotor)"
    assert err.code == -64324
    assert describe(-1008) == "PARAMS_ERROR (a parameter is invalid or out of range)"
    assert describe(-1302) == "DEVICE_NEXT_EVENT_ERROR (device next event error)"
    assert describe(7) == "unknown error code 7"
    assert code_meaning(3) == "read-only"
    assert code_meaning(9) == "refused (code 9)"
    assert ipcamera_meaning(429) == "rate limit exceeded (login lockout)"
    assert ipcamera_meaning(418) == "HTTP 418"
