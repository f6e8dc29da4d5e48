"""Run the hub: uvicorn on the HTTPS port plus the redirect-only HTTP listener."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import socket
import sys
from collections.abc import Callable
from urllib.parse import urlsplit

import uvicorn
from fastapi import FastAPI

from camhub.api.app import create_app
from camhub.api.redirect import RedirectApp
from camhub.api.state import AppState
from camhub.server_limits import (
    MAX_HEAD_BYTES,
    RefusingWebSockets,
    bounded_protocol,
    hide_tokens_in_uvicorn_logs,
)
from camhub.settings import AppSettings
from camhub.tls import cert_info, ensure_certificate, host_addresses

log = logging.getLogger("camhub")


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP explicitly: asyncio sets TCP_NODELAY on accepted connections only
    # when the listening socket says it is TCP; without it Nagle adds ~40 ms a reply.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def _url_host(host: str) -> str:
    if host in ("0.0.0.0", ""):
        return "127.0.0.1"
    return f"[{host}]" if ":" in host else host


def server_names(settings: AppSettings) -> set[str]:
    """Every name this server answers to, for the redirect listener's ``Location``."""
    names = set(host_addresses())
    host = settings.config.server.host
    if host not in ("0.0.0.0", "::", ""):
        names.add(host)
    if settings.hook_base_url and (hook_host := urlsplit(settings.hook_base_url).hostname):
        names.add(hook_host)
    if settings.tls:
        with contextlib.suppress(OSError, ValueError):
            names.update(cert_info(settings.cert_path).names)
    return names


async def serve(
    settings: AppSettings, on_ready: Callable[[str], None], app: FastAPI | None = None
) -> None:
    """Serve until cancelled or signalled; call ``on_ready(url)`` once listening."""
    hide_tokens_in_uvicorn_logs()
    host = settings.config.server.host
    if settings.tls and settings.self_signed:
        settings.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        ensure_certificate(settings.cert_path, settings.key_path)
    main_sock = _bind(host, settings.https_port)
    settings.https_port = main_sock.getsockname()[1]
    if not settings.tls:
        settings.http_port = None  # nothing to redirect to: the proxy in front does TLS
    http_sock = _bind(host, settings.http_port) if settings.http_port is not None else None
    if http_sock is not None:
        settings.http_port = http_sock.getsockname()[1]
    if not settings.tls:
        log.warning("TLS is off: serve camhub behind a TLS proxy only")
    app = app or create_app(settings)
    tls_kw: dict[str, object] = {}
    if settings.tls:
        tls_kw = {"ssl_certfile": str(settings.cert_path), "ssl_keyfile": str(settings.key_path)}
    server = settings.config.server
    common = {
        "log_config": None,
        "access_log": False,
        "server_header": False,
        "timeout_graceful_shutdown": 3,
        # h11, never httptools: bounded request heads, see camhub.server_limits.
        "http": bounded_protocol(server.max_connections),
        "h11_max_incomplete_event_size": MAX_HEAD_BYTES,
        # X-Forwarded-For / -Proto are believed only when a proxy is declared.
        "proxy_headers": server.trust_forwarded_proto,
    }
    main_cfg = uvicorn.Config(
        app,
        lifespan="on",
        ws=RefusingWebSockets,
        ws_max_size=1 << 20,
        **common,  # type: ignore[arg-type]
        **tls_kw,  # type: ignore[arg-type]
    )
    main = uvicorn.Server(main_cfg)
    redirect = None
    if http_sock is not None:
        redirect = uvicorn.Server(
            uvicorn.Config(
                RedirectApp(app, settings.https_port, server_names(settings)),
                lifespan="off",
                **common,  # type: ignore[arg-type]
            )
        )

    async def announce() -> None:
        while not main.started:
            if main.should_exit:
                return
            await asyncio.sleep(0.05)
        state: AppState = app.state.camhub
        if main_cfg.ssl is not None:
            ssl_ctx = main_cfg.ssl
            state.tls_reloaders.append(
                lambda: ssl_ctx.load_cert_chain(settings.cert_path, settings.key_path)
            )
        scheme = "https" if settings.tls else "http"
        on_ready(f"{scheme}://{_url_host(host)}:{settings.https_port}")

    def stop() -> None:
        main.should_exit = True
        if redirect is not None:
            redirect.should_exit = True

    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop)
    # Server._serve is uvicorn's serve() without its own signal capture: two servers
    # in one loop would steal each other's handlers, so camhub handles signals here.
    tasks = [asyncio.create_task(main._serve(sockets=[main_sock])), asyncio.create_task(announce())]
    if redirect is not None and http_sock is not None:
        tasks.append(asyncio.create_task(redirect._serve(sockets=[http_sock])))
    try:
        await asyncio.shield(tasks[0])
    except asyncio.CancelledError:
        stop()  # shut down gracefully: the lifespan flushes the store
        await tasks[0]
        raise
    finally:
        stop()
        if redirect is not None:
            redirect.should_exit = True
        for t in tasks[1:]:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await asyncio.wait_for(t, 5)
        main_sock.close()
        if http_sock is not None:
            http_sock.close()


def print_ready(url: str) -> None:
    print(f"camhub ready: {url}", flush=True)
    sys.stdout.flush()
