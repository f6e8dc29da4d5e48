"""Tapo benchmark: camhub's drivers against pytapo and python-kasa, and the hub's cost.

One run, the same emulators for everyone (each in its own process, started with
``camhub simulate``, so that an emulator never competes with the client measured):

* plug (TapoPlugEmulator, P110, KLAP v2): camhub's ``tapo-plug`` driver vs python-kasa's
  SMART protocol, both sending ``get_device_info``;
* camera (TapoCameraEmulator, secure login): camhub's ``tapo-camera`` driver vs pytapo,
  both sending ``getDeviceInfo`` (pytapo's ``getBasicInfo``);
* the hub: ``GET /actions/p110/get-device-info`` through camhub (in this process, over
  a real loopback socket) vs the same call on a driver directly; p50/p99.

Requests/s at concurrency 1 and 16. camhub and python-kasa run 16 coroutines on one
device object; pytapo is synchronous, so it runs 16 threads, each with its own
client (a pytapo client is not thread-safe). "login" is a fresh client's first
answer: session set-up plus one request (pytapo's constructor does exactly that).

    python bench/tapo.py            # about 1 minute
    python bench/tapo.py --quick    # about 20 s
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import aiohttp

from camhub.config import DeviceConfig, parse_config
from camhub.drivers import driver_for
from camhub.drivers.base import Device, DeviceContext
from camhub.service import new_http_session

EMAIL, TAPO_PW, CAM_PW, ADMIN_PW = (
    "bench@example.com",
    "tapo-Bench-1",
    "Cam-bench-1",
    "bench-admin-1",
)
INFO = {"method": "get_device_info"}
CAM_INFO = {"method": "getDeviceInfo", "params": {"device_info": {"name": ["basic_info"]}}}


# emulators in their own processes ---------------------------------------------------
@contextlib.asynccontextmanager
async def simulate(kind: str, *args: str) -> AsyncIterator[int]:
    """``camhub simulate KIND`` in a child process; yields its port."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "camhub.cli", "simulate", kind, "--port", "0", *args,
        stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        line = (await asyncio.wait_for(proc.stdout.readline(), 30)).decode()
        if not line.startswith("ready: "):
            raise RuntimeError(f"{kind} emulator did not start: {line!r}")
        yield int(line.strip().rsplit(":", 1)[1])
    finally:
        proc.terminate()
        await proc.wait()


# measuring ------------------------------------------------------------------------------
def pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


async def rate(op: Callable[[], Awaitable[Any]], concurrency: int, seconds: float) -> float:
    for _ in range(5):
        await op()  # warm up
    count = 0
    deadline = time.perf_counter() + seconds

    async def worker() -> None:
        nonlocal count
        while time.perf_counter() < deadline:
            await op()
            count += 1

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return count / (time.perf_counter() - start)


async def thread_rate(ops: list[Callable[[], Any]], seconds: float) -> float:
    """Requests/s of synchronous calls, one thread per op."""
    for op in ops:
        await asyncio.to_thread(op)  # warm up
    deadline = time.perf_counter() + seconds

    def worker(op: Callable[[], Any]) -> int:
        n = 0
        while time.perf_counter() < deadline:
            op()
            n += 1
        return n

    loop = asyncio.get_running_loop()
    start = time.perf_counter()
    with ThreadPoolExecutor(len(ops)) as pool:
        counts = await asyncio.gather(*(loop.run_in_executor(pool, worker, op) for op in ops))
    return sum(counts) / (time.perf_counter() - start)


async def timed(op: Callable[[], Awaitable[Any]], n: int) -> list[float]:
    out = []
    for _ in range(n):
        start = time.perf_counter()
        await op()
        out.append(time.perf_counter() - start)
    return out


# clients ----------------------------------------------------------------------------------
def our_device(http: aiohttp.ClientSession, kind: str, port: int, user: str, pw: str) -> Device:
    ctx = DeviceContext(http=http, emit=lambda e: None, data_dir=Path(tempfile.gettempdir()),
                        username=user, password=pw)  # fmt: skip
    cfg = DeviceConfig(name="bench", kind=kind, host="127.0.0.1", port=port)  # type: ignore[arg-type]
    return driver_for(kind)(cfg, ctx)


def kasa_protocol(port: int) -> Any:
    from kasa import Credentials, DeviceConnectionParameters, DeviceEncryptionType, DeviceFamily
    from kasa import DeviceConfig as KasaConfig
    from kasa.device_factory import get_protocol

    params = DeviceConnectionParameters(
        DeviceFamily.SmartTapoPlug, DeviceEncryptionType.Klap, login_version=2
    )
    config = KasaConfig(
        host="127.0.0.1",
        port_override=port,
        credentials=Credentials(EMAIL, TAPO_PW),
        connection_type=params,
    )
    return get_protocol(config)


def pytapo_client(port: int) -> Any:
    from pytapo import Tapo

    return Tapo("127.0.0.1", "admin", CAM_PW, controlPort=port)


def pytapo_close(client: Any) -> None:
    with contextlib.suppress(Exception):
        client.close()
    handler = getattr(client, "asyncHandler", None)
    if handler is not None and getattr(handler, "_loop", None) is not None:
        handler._loop.close()


# the three benchmarks -----------------------------------------------------------------------
Row = tuple[str, str, float, float, str]  # (what, measure, camhub, other, unit)


async def bench_plug(
    http: aiohttp.ClientSession, port: int, seconds: float, logins: int
) -> list[Row]:
    rows: list[Row] = []
    ours_login, kasa_login = [], []
    for _ in range(logins):
        dev = our_device(http, "tapo-plug", port, EMAIL, TAPO_PW)
        ours_login += await timed(lambda d=dev: d.raw(INFO), 1)
        await dev.close()
        proto = kasa_protocol(port)
        kasa_login += await timed(lambda p=proto: p.query("get_device_info"), 1)
        await proto.close()
    rows.append(
        (
            "plug P110",
            "login + 1st request, ms (p50)",
            pct(ours_login, 0.5),
            pct(kasa_login, 0.5),
            "ms",
        )
    )
    dev = our_device(http, "tapo-plug", port, EMAIL, TAPO_PW)
    proto = kasa_protocol(port)
    try:
        for c in (1, 16):
            ours = await rate(lambda: dev.raw(INFO), c, seconds)
            kasa = await rate(lambda: proto.query("get_device_info"), c, seconds)
            rows.append(("plug P110", f"requests/s, concurrency {c}", ours, kasa, "req/s"))
    finally:
        await dev.close()
        await proto.close()
    return rows


async def bench_camera(
    http: aiohttp.ClientSession, port: int, seconds: float, logins: int
) -> list[Row]:
    rows: list[Row] = []
    ours_login, tapo_login = [], []
    for _ in range(logins):
        dev = our_device(http, "tapo-camera", port, "admin", CAM_PW)
        ours_login += await timed(lambda d=dev: d.raw(CAM_INFO), 1)
        await dev.close()
        start = time.perf_counter()
        client = await asyncio.to_thread(pytapo_client, port)
        tapo_login.append(time.perf_counter() - start)
        await asyncio.to_thread(pytapo_close, client)
    rows.append(
        (
            "camera secure",
            "login + 1st request, ms (p50)",
            pct(ours_login, 0.5),
            pct(tapo_login, 0.5),
            "ms",
        )
    )
    dev = our_device(http, "tapo-camera", port, "admin", CAM_PW)
    clients = [await asyncio.to_thread(pytapo_client, port) for _ in range(16)]
    try:
        for c in (1, 16):
            ours = await rate(lambda: dev.raw(CAM_INFO), c, seconds)
            theirs = await thread_rate([cl.getBasicInfo for cl in clients[:c]], seconds)
            rows.append(("camera secure", f"requests/s, concurrency {c}", ours, theirs, "req/s"))
    finally:
        await dev.close()
        for cl in clients:
            await asyncio.to_thread(pytapo_close, cl)
    return rows


async def bench_hub(http: aiohttp.ClientSession, port: int, n: int, tmp: Path) -> dict[str, float]:
    from camhub.server import serve
    from camhub.settings import AppSettings

    raw = {
        "server": {"host": "127.0.0.1", "data_dir": str(tmp), "tls": False, "http_port": None},
        "users": [{"username": "admin", "password": ADMIN_PW, "role": "admin"}],
        "tapo_credentials": {"email": EMAIL, "password": TAPO_PW},
        "devices": [{"name": "plug", "device_type": "P110", "ip_addr": "127.0.0.1", "port": port}],
    }
    settings = AppSettings(config=parse_config(raw), tls=False, https_port=0, http_port=None)
    ready: asyncio.Future[str] = asyncio.get_running_loop().create_future()
    task = asyncio.create_task(serve(settings, ready.set_result))
    url = await asyncio.wait_for(ready, 30)
    dev = our_device(http, "tapo-plug", port, EMAIL, TAPO_PW)
    try:
        async with aiohttp.ClientSession(url) as client:
            async with client.post("/login", json={"password": ADMIN_PW}) as r:
                headers = {"Authorization": f"Bearer {await r.text()}"}

            async def via_hub() -> None:
                async with client.get(
                    "/actions/p110/get-device-info?device=plug", headers=headers
                ) as r:
                    assert r.status == 200, await r.text()
                    await r.read()

            await timed(via_hub, 20)
            await timed(lambda: dev.raw(INFO), 20)
            hub, direct = [], []
            for _ in range(n // 50):  # interleave, so that drifts hit both alike
                hub += await timed(via_hub, 50)
                direct += await timed(lambda: dev.raw(INFO), 50)
    finally:
        await dev.close()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    return {
        "direct_p50": pct(direct, 0.5), "direct_p99": pct(direct, 0.99),
        "hub_p50": pct(hub, 0.5), "hub_p99": pct(hub, 0.99),
    }  # fmt: skip


# report ------------------------------------------------------------------------------------
def report(rows: list[Row], hub: dict[str, float]) -> str:
    lines = [
        f"{'device':<14} {'measure':<32} {'camhub':>10} {'other':>10} {'camhub/other':>13}",
        "-" * 83,
    ]
    for what, measure, ours, other, unit in rows:
        # For times, a ratio above 1 means camhub is faster too.
        ratio = other / ours if unit == "ms" else ours / other
        lines.append(f"{what:<14} {measure:<32} {ours:>10.1f} {other:>10.1f} {ratio:>12.2f}x")
    lines.append(
        "(other: python-kasa for the plug, pytapo for the camera; ratio > 1: camhub faster)"
    )
    lines.append("")
    lines.append("hub added latency, GET /actions/p110/get-device-info vs driver call (ms):")
    lines.append(f"  direct  p50 {hub['direct_p50']:.2f}  p99 {hub['direct_p99']:.2f}")
    lines.append(f"  via hub p50 {hub['hub_p50']:.2f}  p99 {hub['hub_p99']:.2f}")
    lines.append(
        f"  added   p50 {hub['hub_p50'] - hub['direct_p50']:.2f}  "
        f"p99 {hub['hub_p99'] - hub['direct_p99']:.2f}"
    )
    return "\n".join(lines)


async def main(quick: bool, as_json: bool) -> None:
    seconds, logins, n = (2.0, 5, 300) if quick else (5.0, 15, 1000)
    with tempfile.TemporaryDirectory(prefix="camhub-bench-") as tmp:
        async with (
            simulate(
                "tapo-plug", "--model", "P110", "--username", EMAIL, "--password", TAPO_PW
            ) as plug,
            simulate("tapo-camera", "--login", "secure", "--password", CAM_PW) as cam,
        ):
            http = new_http_session()
            try:
                rows = await bench_plug(http, plug, seconds, logins)
                rows += await bench_camera(http, cam, seconds, logins)
                hub = await bench_hub(http, plug, n, Path(tmp))
            finally:
                await http.close()
    if as_json:
        print(json.dumps({"rows": rows, "hub": hub}, indent=2))
    else:
        print(report(rows, hub))
        print(f"\npython {sys.version.split()[0]}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="shorter runs (about 20 s)")
    parser.add_argument("--json", action="store_true", help="print the raw numbers as JSON")
    args = parser.parse_args()
    asyncio.run(main(args.quick, args.json))
