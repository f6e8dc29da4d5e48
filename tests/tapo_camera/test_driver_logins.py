"""camhub's own TPAP client, login detection and the plain single replies, against the
emulator (whose TPAP side pytapo's own client proves in test_tpap.py)."""

from __future__ import annotations

import pytest

from camhub.drivers.tapo import camera_spake2p
from camhub.drivers.tapo.camera_tpap import credential, sha256_crypt
from camhub.errors import DeviceAuthError, DeviceLockedOut
from camhub.sim import SimOptions
from camhub.sim.tapo_camera import TapoCameraEmulator
from tests.tapo_camera.conftest import MakeDevice, options, running


def test_sha256_crypt_matches_the_specification_and_glibc() -> None:
    # Drepper's own test vector (explicit rounds), and one glibc's crypt(3) gives
    assert (
        sha256_crypt("Hello world!", "$5$rounds=10000$saltstringsaltstring")
        == "$5$rounds=10000$saltstringsaltst$3xv.VbSHBb41AL9AvLeujZkZRBAwqFMz2.opqey6IcA"
    )
    assert (
        sha256_crypt("Hello world!", "$5$saltstring")
        == "$5$saltstring$5B8vYYiY.CVt1RlTTf8KbXBH3hsxY/GNooZaBBGWEc5"
    )
    shadow = {"type": "password_shadow", "params": {"passwd_id": 5, "passwd_prefix": "$5$ab$"}}
    assert credential("x", shadow) == sha256_crypt("x", "$5$ab")
    with pytest.raises(ValueError, match="unknown"):
        credential("x", {"type": "password_shadow", "params": {"passwd_id": 9}})


def test_p256_arithmetic_agrees_with_the_cryptography_library() -> None:
    from cryptography.hazmat.primitives.asymmetric import ec

    for k in (1, 2, 0xDEADBEEF, camera_spake2p.ORDER - 1):
        public = ec.derive_private_key(k, ec.SECP256R1()).public_key().public_numbers()
        assert camera_spake2p.mul(k, camera_spake2p.G) == (public.x, public.y)
    assert camera_spake2p.mul(camera_spake2p.ORDER, camera_spake2p.G) is None
    with pytest.raises(ValueError, match="not on P-256"):
        camera_spake2p.decode(b"\x04" + b"\x01" * 64)


# md5: the C510W's credential; sha256: the C200 1.4.6's password shadow (extra_crypt)
@pytest.mark.parametrize("hash_name", ["md5", "sha256"])
@pytest.mark.parametrize("login", ["auto", "tpap"])
async def test_tpap_login_drives_the_camera(
    hash_name: str, login: str, make_device: MakeDevice
) -> None:
    async with running(options("tpap", hash_name, model="C210")) as emu:
        cam = make_device(emu, login=login)
        await cam.connect()
        assert (cam.transport.mode, cam.transport.password_hash) == ("tpap", hash_name)
        assert emu.auth.failures == 0  # the likelier passcode first: no attempt wasted
        await cam.set_led(False)
        await cam.ptz_step("right")
        await cam.set_siren(True)  # a single "do", wrapped in a multipleRequest
        state = emu.sim_state()
        assert (state["led"], state["pan"], state["alarm"]) == (False, 195, True)
        # a single get comes back in the shape the camera gives it directly
        answer = await cam.raw({"method": "get", "led": {"name": ["config"]}})
        assert answer == {"led": {"config": {".name": "config", ".type": "led", "enabled": "off"}},
                          "error_code": 0}  # fmt: skip
        assert (await cam.poll()).to_json()["vendor"]["login"] == "tpap"


async def test_tpap_session_renewed_after_a_refused_body(make_device: MakeDevice) -> None:
    async with running(options("tpap", "md5", model="C210")) as emu:
        cam = make_device(emu)
        await cam.connect()
        emu.set_fault("bad-tag")  # the camera refuses the body and ends the session
        await cam.set_led(False)
        emu.set_fault("session-expiry")
        assert (await cam.poll()).to_json()["led"] == {"on": False}
        assert emu.sim_state()["logins"] == 3 and emu.auth.failures == 0


async def test_tpap_wrong_password_and_lockout(make_device: MakeDevice) -> None:
    async with running(options("tpap", "md5", model="C210", max_attempts=3)) as emu:
        with pytest.raises(DeviceAuthError, match="wrong password"):
            await make_device(emu, password="not-it").connect()
        assert emu.auth.failures == 2  # both passcodes, once each
        with pytest.raises(DeviceLockedOut) as caught:
            await make_device(emu, password="not-it").connect()
        assert caught.value.seconds_left > 0
        with pytest.raises(DeviceLockedOut):  # even the right password waits
            await make_device(emu).connect()


async def test_forced_older_logins_on_a_tpap_camera_say_what_to_do(
    make_device: MakeDevice,
) -> None:
    async with running(options("tpap", model="C210")) as emu:
        for login in ("secure", "legacy"):
            with pytest.raises(DeviceAuthError, match=f"does not offer the {login} login"):
                await make_device(emu, login=login).connect()
        assert emu.auth.failures == 0


@pytest.mark.parametrize("flow", ["legacy", "secure"])
async def test_forced_tpap_on_an_older_camera_says_so(flow: str, make_device: MakeDevice) -> None:
    async with running(options(flow, model="C200")) as emu:
        with pytest.raises(DeviceAuthError, match="does not offer the TPAP login"):
            await make_device(emu, login="tpap").connect()
        assert emu.sim_state()["logins"] == 0


async def test_tpap_camera_without_that_user(make_device: MakeDevice) -> None:
    async with running(options("tpap", model="C210")) as emu:
        with pytest.raises(DeviceAuthError, match=r"has no user 'me@example\.com'"):
            await make_device(emu, username="me@example.com").connect()
        assert emu.auth.failures == 0


@pytest.mark.parametrize("before", ["legacy", "secure"])
async def test_a_firmware_update_to_tpap_does_not_lock_the_user_out(
    before: str, make_device: MakeDevice
) -> None:
    """The same camera (address, password) comes back from an update speaking TPAP."""
    old = TapoCameraEmulator(options(before, "md5", model="C200"))
    await old.start()
    port = old.port
    cam = make_device(old)
    try:
        await cam.connect()
        assert cam.transport.mode == before
    finally:
        await old.stop()
    new = options("tpap", "sha256", model="C200")
    async with running(SimOptions(**{**new.__dict__, "port": port})) as updated:
        state = (await cam.poll()).to_json()  # the old session is refused: log in again
        assert state["vendor"]["login"] == "tpap" and state["led"] == {"on": True}
        assert cam.transport.mode == "tpap" and updated.auth.failures == 0


async def test_plain_single_replies_of_secure_firmware(make_device: MakeDevice) -> None:
    opts = options("secure", model="C210", plain_single_replies=True)
    async with running(opts) as emu:
        cam = make_device(emu)
        await cam.connect()
        spec = await cam.raw({"method": "get", "function": {"name": ["module_spec"]}})
        assert spec["function"]["module_spec"]["ptz"] == "1"
        await cam.set_siren(True)  # a single "do": answered in plain JSON
        assert emu.sim_state()["alarm"] is True
        await cam.update_settings({"osd_text": "Gate", "alarm_volume": "low"})  # raw sets
        assert (await cam.get_settings())["osd_text"] == "Gate"
        await cam.set_siren(False)
        assert emu.sim_state()["alarm"] is False
