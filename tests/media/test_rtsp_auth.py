"""Digest (RFC 2617, with and without qop) and Basic checks of ``PasswordAuth``."""

from __future__ import annotations

import hashlib
import re
import time

import pytest

from camhub.media.rtsp_auth import PasswordAuth
from camhub.media.rtsp_messages import Request
from tests.media.rtsp_client import basic, digest

URL = "rtsp://127.0.0.1:554/stream1"


def md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()


def request(authorization: str | None = None, method: str = "DESCRIBE") -> Request:
    headers = {"cseq": "1"}
    if authorization is not None:
        headers["authorization"] = authorization
    return Request(method, URL, headers)


def challenge(auth: PasswordAuth) -> str:
    return next(c for c in auth.challenges(request()) if c.startswith("Digest"))


@pytest.fixture
def auth() -> PasswordAuth:
    return PasswordAuth({"cam": "pw"}.get, "realm")


async def test_digest_without_and_with_qop(auth: PasswordAuth) -> None:
    ch = challenge(auth)
    assert await auth.authenticate(request(digest(ch, "cam", "pw", "DESCRIBE", URL))) == "cam"
    # the answer is bound to the method
    assert (
        await auth.authenticate(request(digest(ch, "cam", "pw", "DESCRIBE", URL), "PLAY")) is None
    )
    nonce = re.search(r'nonce="([^"]+)"', ch)[1]  # type: ignore[index]
    ha1, ha2 = md5("cam:realm:pw"), md5(f"DESCRIBE:{URL}")
    answer = md5(f"{ha1}:{nonce}:00000001:abcd:auth:{ha2}")
    header = (
        f'Digest username="cam", realm="realm", nonce="{nonce}", uri="{URL}", '
        f'qop=auth, nc=00000001, cnonce="abcd", response="{answer}", algorithm=MD5'
    )
    assert await auth.authenticate(request(header)) == "cam"


async def test_forged_stale_and_foreign_nonces(
    auth: PasswordAuth, monkeypatch: pytest.MonkeyPatch
) -> None:
    forged = 'Digest realm="realm", nonce="00000000000000000000000000000000"'
    assert await auth.authenticate(request(digest(forged, "cam", "pw", "DESCRIBE", URL))) is None
    other = PasswordAuth({"cam": "pw"}.get, "realm")  # another server's secret
    answer = digest(challenge(other), "cam", "pw", "DESCRIBE", URL)
    assert await auth.authenticate(request(answer)) is None
    old = digest(challenge(auth), "cam", "pw", "DESCRIBE", URL)
    later = time.time() + 3600
    monkeypatch.setattr(time, "time", lambda: later)
    assert await auth.authenticate(request(old)) is None
    assert "stale=TRUE" in challenge_for(auth, old)


def challenge_for(auth: PasswordAuth, authorization: str) -> str:
    return next(c for c in auth.challenges(request(authorization)) if c.startswith("Digest"))


async def test_basic_and_garbage(auth: PasswordAuth) -> None:
    assert await auth.authenticate(request(basic("cam", "pw"))) == "cam"
    assert await auth.authenticate(request(basic("cam", "nope"))) is None
    assert await auth.authenticate(request("Basic !!!notbase64")) is None
    assert await auth.authenticate(request("Digest garbage")) is None
    assert await auth.authenticate(request()) is None
    digest_only = PasswordAuth({"cam": "pw"}.get, "realm", ("digest",))
    assert await digest_only.authenticate(request(basic("cam", "pw"))) is None
    assert all(c.startswith("Digest") for c in digest_only.challenges(request()))
