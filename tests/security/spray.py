"""A login spray from its own process (so its client work does not slow the test's).

    python spray.py URL N ADDRESS

Opens N keep-alive connections from ADDRESS, prints ``ready``, waits for a line on
stdin, then sends N sign-ins with made-up usernames at once and prints one JSON line:
``{"codes": [...], "seconds": ...}``.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time

import httpx


async def main(url: str, n: int, address: str) -> None:
    limits = httpx.Limits(max_connections=n, max_keepalive_connections=n)
    transport = httpx.AsyncHTTPTransport(local_address=address, verify=False, limits=limits)
    async with httpx.AsyncClient(transport=transport, base_url=url, timeout=120) as c:
        await asyncio.gather(*(c.get("/api/auth/status") for _ in range(n)))
        print("ready", flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
        start = time.perf_counter()

        async def one(i: int) -> int:
            body = {"username": f"ghost{i}", "password": "x"}
            try:
                r = await c.post("/api/auth", json=body)
            except httpx.RemoteProtocolError:  # a kept-alive connection the hub closed
                r = await c.post("/api/auth", json=body)  # idle meanwhile: as browsers do
            return r.status_code

        codes = await asyncio.gather(*(one(i) for i in range(n)))
        print(json.dumps({"codes": codes, "seconds": time.perf_counter() - start}), flush=True)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2]), sys.argv[3]))
