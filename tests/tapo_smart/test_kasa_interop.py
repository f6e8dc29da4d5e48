"""Real, unmodified python-kasa against camhub's emulators: proves fidelity."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from kasa import (
    AuthenticationError,
    Credentials,
    Device,
    DeviceConfig,
    DeviceConnectionParameters,
    DeviceEncryptionType,
    DeviceFamily,
    DeviceType,
    Module,
)

from camhub.sim import SimOptions
from camhub.sim.tapo_smart import (
    TapoBulbEmulator,
    TapoPlugEmulator,
    TapoPowerStripEmulator,
    TapoSmartEmulator,
    TapoStripEmulator,
)

from .conftest import EMAIL, PASSWORD, Connect, kasa


@asynccontextmanager
async def kasa_device(
    emu_cls: type[TapoSmartEmulator], family: DeviceFamily, model: str
) -> AsyncIterator[tuple[TapoSmartEmulator, Device]]:
    """The shared python-kasa connection (conftest's ``kasa``), for the emulator class
    and device family each test names."""
    async with kasa(model) as (emu, dev):
        assert type(emu) is emu_cls
        yield emu, dev


async def test_kasa_plug_on_off_and_energy() -> None:
    async with kasa_device(TapoPlugEmulator, DeviceFamily.SmartTapoPlug, "P110") as (emu, dev):
        assert dev.device_type is DeviceType.Plug
        assert dev.model == "P110" and dev.alias == "Tapo Plug"
        await dev.turn_on()
        await dev.update()
        assert dev.is_on and emu.sim_state()["on"] is True
        energy = dev.modules[Module.Energy]
        assert energy.current_consumption is not None and 50 < energy.current_consumption < 70
        assert energy.consumption_this_month is not None
        await dev.turn_off()
        await dev.update()
        assert not dev.is_on and energy.current_consumption == 0


async def test_kasa_bulb_brightness_hsv_and_temperature() -> None:
    async with kasa_device(TapoBulbEmulator, DeviceFamily.SmartTapoBulb, "L530") as (emu, dev):
        assert dev.device_type is DeviceType.Bulb
        light = dev.modules[Module.Light]
        await light.set_brightness(25)
        await light.set_hsv(200, 60, 70)
        await dev.update()
        assert tuple(light.hsv) == (200, 60, 70)
        assert emu.sim_state()["hue"] == 200
        await light.set_color_temp(3500)
        await dev.update()
        assert light.color_temp == 3500
        feature = light.get_feature("color_temp")
        assert feature is not None
        assert (feature.minimum_value, feature.maximum_value) == (2500, 6500)


async def test_kasa_power_strip_children() -> None:
    async with kasa_device(TapoPowerStripEmulator, DeviceFamily.SmartTapoPlug, "P304M") as (
        emu,
        dev,
    ):
        assert dev.device_type is DeviceType.Strip
        assert [c.alias for c in dev.children] == ["Plug 1", "Plug 2", "Plug 3", "Plug 4"]
        await dev.children[2].turn_on()
        await dev.update()
        assert [c.is_on for c in dev.children] == [False, False, True, False]
        assert [c["on"] for c in emu.sim_state()["children"]] == [False, False, True, False]
        child_energy = dev.children[2].modules[Module.Energy]
        assert child_energy.current_consumption is not None and child_energy.current_consumption > 0


async def test_kasa_light_strip_effect() -> None:
    async with kasa_device(TapoStripEmulator, DeviceFamily.SmartTapoBulb, "L930") as (emu, dev):
        assert dev.device_type is DeviceType.LightStrip
        effect = dev.modules[Module.LightEffect]
        await effect.set_effect("Aurora")
        await dev.update()
        assert effect.effect == "Aurora"
        assert emu.sim_state()["effect"] == "Aurora"
        await effect.set_effect(effect.LIGHT_EFFECTS_OFF)
        await dev.update()
        assert effect.effect == effect.LIGHT_EFFECTS_OFF


async def test_kasa_and_camhub_see_the_same_device(connect: Connect) -> None:
    async with connect("tapo-bulb", "L530") as (emu, bulb):
        await bulb.set_power(True)
        await bulb.set_brightness(64)
        config = DeviceConfig(
            host="127.0.0.1",
            port_override=emu.port,
            credentials=Credentials(EMAIL, PASSWORD),
            connection_type=DeviceConnectionParameters(
                DeviceFamily.SmartTapoBulb, DeviceEncryptionType.Klap, login_version=2
            ),
        )
        dev = await Device.connect(config=config)
        try:
            assert dev.is_on and dev.modules[Module.Light].brightness == 64
        finally:
            await dev.disconnect()


async def test_kasa_renews_an_expired_session() -> None:
    async with kasa_device(TapoPlugEmulator, DeviceFamily.SmartTapoPlug, "P100") as (emu, dev):
        emu.set_fault("session-expiry")  # kasa sees 403, handshakes again, retries
        emu.set_fault("session-expiry", False)
        await dev.turn_on()
        await dev.update()
        assert dev.is_on and emu.sim_state()["on"] is True


async def test_kasa_refuses_a_wrong_password() -> None:
    async with TapoPlugEmulator(SimOptions(username=EMAIL, password=PASSWORD)) as emu:
        config = DeviceConfig(
            host="127.0.0.1",
            port_override=emu.port,
            credentials=Credentials(EMAIL, "wrong"),
            connection_type=DeviceConnectionParameters(
                DeviceFamily.SmartTapoPlug, DeviceEncryptionType.Klap, login_version=2
            ),
        )
        with pytest.raises(AuthenticationError):
            await Device.connect(config=config)


@pytest.mark.parametrize(
    ("emu_cls", "family", "model", "modules", "sockets"),
    [
        (TapoPlugEmulator, DeviceFamily.SmartTapoPlug, "P105", set(), 0),
        (TapoPlugEmulator, DeviceFamily.SmartTapoPlug, "P110M", {Module.Energy}, 0),
        (TapoBulbEmulator, DeviceFamily.SmartTapoBulb, "L520", set(), 0),
        (TapoBulbEmulator, DeviceFamily.SmartTapoBulb, "L610", set(), 0),
        (TapoBulbEmulator, DeviceFamily.SmartTapoBulb, "L535", {Module.Color}, 0),
        (TapoBulbEmulator, DeviceFamily.SmartTapoBulb, "L630", {Module.Color}, 0),
        (TapoPowerStripEmulator, DeviceFamily.SmartTapoPlug, "P304", set(), 4),
        (TapoPowerStripEmulator, DeviceFamily.SmartTapoPlug, "P316", set(), 6),
    ],
)
async def test_kasa_sees_the_newer_seed_models(
    emu_cls: type[TapoSmartEmulator],
    family: DeviceFamily,
    model: str,
    modules: set[str],
    sockets: int,
) -> None:
    async with kasa_device(emu_cls, family, model) as (emu, dev):
        assert dev.model == model
        assert modules <= set(dev.modules)
        if model.startswith("L"):
            assert Module.Brightness in dev.modules
            assert (Module.Color in dev.modules) == bool(modules)
        if sockets:
            assert len(dev.children) == sockets
            assert all(Module.Energy not in c.modules for c in dev.children)
            await dev.children[-1].turn_on()
            assert emu.sim_state()["children"][-1]["on"] is True
        else:
            await dev.turn_on()
            assert emu.sim_state()["on"] is True
