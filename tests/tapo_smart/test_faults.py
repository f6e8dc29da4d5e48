"""Faults a user meets with real devices: expired sessions, wrong password,
dropped connections, slow devices; and recovery once they clear."""

from __future__ import annotations

import pytest

from camhub.capabilities import PowerState
from camhub.errors import DeviceAuthError, DeviceTimeout, DeviceUnreachable

from .conftest import Connect


async def test_session_expiry_is_transparent(connect: Connect) -> None:
    async with connect("tapo-plug", "P110") as (emu, plug):
        transport = plug._transport
        assert transport is not None
        first = transport.handshakes
        emu.set_fault("session-expiry")  # drops sessions; new ones serve one request
        for on in (True, False, True):
            await plug.set_power(on)
            assert emu.sim_state()["on"] is on
        assert transport.handshakes >= first + 3
        emu.set_fault("session-expiry", False)
        await plug.poll()
        settled = transport.handshakes
        await plug.poll()
        await plug.poll()
        assert transport.handshakes == settled  # the session lives again


async def test_wrong_password_is_an_auth_error(connect: Connect) -> None:
    async with connect("tapo-bulb", password="not-the-password", do_connect=False) as (_, bulb):
        with pytest.raises(DeviceAuthError) as info:
            await bulb.connect()
        assert "not-the-password" not in str(info.value)
        assert "e-mail and password" in info.value.message


async def test_password_changed_in_the_app_then_restored(connect: Connect) -> None:
    async with connect("tapo-plug", "P110") as (emu, plug):
        emu.set_fault("bad-credentials")
        with pytest.raises(DeviceAuthError):
            await plug.poll()
        emu.set_fault("bad-credentials", False)
        assert (await plug.poll()).get(PowerState) is not None


async def test_dropped_connection_then_recovery(connect: Connect) -> None:
    async with connect("tapo-plug", "P110") as (emu, plug):
        emu.set_fault("drop")
        with pytest.raises(DeviceUnreachable):
            await plug.set_power(True)
        emu.set_fault("drop", False)
        await plug.set_power(True)
        assert emu.sim_state()["on"] is True


async def test_slow_device_times_out_then_recovers(connect: Connect) -> None:
    async with connect("tapo-plug", "P110", timeout=0.3, extra={"slow_seconds": 5}) as (emu, plug):
        emu.set_fault("slow")
        with pytest.raises(DeviceTimeout) as info:
            await plug.poll()
        assert isinstance(info.value, TimeoutError)
        emu.set_fault("slow", False)
        assert (await plug.poll()).get(PowerState) is not None


async def test_unreachable_device(connect: Connect) -> None:
    async with connect("tapo-plug", "P100", do_connect=False) as (emu, plug):
        await emu.stop()
        with pytest.raises(DeviceUnreachable):
            await plug.connect()


async def test_repr_and_errors_hide_secrets(connect: Connect) -> None:
    async with connect("tapo-plug", "P110") as (_, plug):
        assert plug._transport is not None
        for text in (repr(plug), repr(plug._transport), repr(plug.proto), repr(plug.ctx)):
            assert "s3cret" not in text
