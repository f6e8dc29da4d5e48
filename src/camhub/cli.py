"""The ``camhub`` command: serve, demo, simulate, check-config."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Optional

import typer

from camhub import __version__
from camhub.config import Config
from camhub.settings import AppSettings

DEMO_SNAPSHOT_INTERVAL = 30  # seconds: a picture of every demo camera over MQTT

app = typer.Typer(add_completion=False, no_args_is_help=True, help=__doc__)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"camhub {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        Optional[bool],  # noqa: UP045 - typer needs Optional here
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = None,
) -> None:
    """camhub: one secure, fast API to every IP camera and smart device."""


async def _wait_for_signal() -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    await stop.wait()


@app.command(name="kinds")
def list_kinds() -> None:
    """List the device kinds: which have a driver and which an emulator."""
    from camhub.drivers import kinds as driver_kinds
    from camhub.sim import kinds as sim_kinds

    drivers, sims = set(driver_kinds()), set(sim_kinds())
    for kind in sorted(drivers | sims):
        has = [w for w, there in (("driver", kind in drivers), ("emulator", kind in sims)) if there]
        typer.echo(f"{kind:20} {', '.join(has)}")


@app.command()
def simulate(
    kind: Annotated[str, typer.Argument(help="The device kind (see `camhub kinds`).")],
    host: Annotated[str, typer.Option(help="Listen address (loopback by default).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Listen port; 0 picks a free one.")] = 0,
    username: Annotated[Optional[str], typer.Option()] = None,  # noqa: UP045
    password: Annotated[Optional[str], typer.Option()] = None,  # noqa: UP045
    model: Annotated[Optional[str], typer.Option()] = None,  # noqa: UP045
    login: Annotated[
        str, typer.Option(help="Tapo camera login flow: legacy, secure or tpap.")
    ] = "secure",
    rtsp_port: Annotated[
        Optional[int],  # noqa: UP045
        typer.Option(help="Run the device's RTSP server on this port (0: any free one)."),
    ] = None,
    stream_username: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option(help="Tapo camera account for RTSP (not the cloud login)."),
    ] = None,
    stream_password: Annotated[Optional[str], typer.Option()] = None,  # noqa: UP045
    media_port: Annotated[
        Optional[int],  # noqa: UP045
        typer.Option(help="Tapo camera: serve the port-8800 stream here (0: any free one)."),
    ] = None,
    fault: Annotated[list[str], typer.Option(help="Start with this fault on (repeatable).")] = [],  # noqa: B006
) -> None:
    """Run one device emulator until interrupted."""
    from camhub.sim import SimOptions, emulator_class, kinds

    if kind not in kinds():
        typer.echo(f"unknown kind {kind!r}; one of: {', '.join(kinds())}", err=True)
        raise typer.Exit(2)
    if login not in ("legacy", "secure", "tpap"):
        typer.echo("--login must be legacy, secure or tpap", err=True)
        raise typer.Exit(2)
    opts = SimOptions(
        host=host,
        port=port,
        username=username,
        password=password,
        model=model,
        login=login,
        rtsp_port=rtsp_port,
        stream_username=stream_username,
        stream_password=stream_password,
        media_port=media_port,
        faults=set(fault),
    )

    async def run() -> None:
        try:
            emu = emulator_class(kind)(opts)
        except ValueError as exc:
            typer.echo(str(exc), err=True)
            raise typer.Exit(2) from None
        url = await emu.start()
        typer.echo(f"ready: {url}")
        if emu.rtsp_url is not None:
            typer.echo(f"rtsp: {emu.rtsp_url}")
        media = getattr(emu, "media_port", None)
        if media is not None:
            typer.echo(f"media: {opts.host}:{media}")
        sys.stdout.flush()
        try:
            await _wait_for_signal()
        finally:
            await emu.stop()

    asyncio.run(run())


def _run_hub(settings: AppSettings, before_ready: Callable[[], None] | None = None) -> None:
    from camhub.server import print_ready, serve

    def ready(url: str) -> None:
        if before_ready is not None:
            before_ready()
        print_ready(url)

    os.umask(0o077)  # everything the hub creates is its user's alone (camhub.private)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(settings, ready))


def _settings(
    cfg: Config,
    path: Path | None,
    port: int | None,
    http_port: int | None,
    no_tls: bool,
    rtsp_port: int | None = None,
) -> AppSettings:
    server = cfg.server
    return AppSettings(
        config=cfg,
        config_path=path,
        tls=not no_tls and server.tls is not False,
        https_port=port if port is not None else server.https_port,
        http_port=http_port if http_port is not None else server.http_port,
        rtsp_port=rtsp_port if rtsp_port is not None else server.rtsp_port,
        hook_base_url=server.hook_base_url,
    )


@app.command()
def serve(
    config: Annotated[Path, typer.Option("--config", "-c", help="YAML or JSON config file.")],
    port: Annotated[
        int | None, typer.Option("--port", "-p", help="HTTPS (or, with --no-tls, HTTP) port.")
    ] = None,
    http_port: Annotated[Optional[int], typer.Option(help="Redirect-only plain HTTP port.")] = None,  # noqa: UP045
    rtsp_port: Annotated[Optional[int], typer.Option(help="camhub's RTSP server port.")] = None,  # noqa: UP045
    no_tls: Annotated[
        bool, typer.Option("--no-tls", help="Plain HTTP, for use behind a TLS proxy only.")
    ] = False,
    log_level: Annotated[str, typer.Option(help="debug, info, warning, error")] = "info",
) -> None:
    """Run the hub from a config file."""
    from camhub.config import load_config
    from camhub.drivers import kind_check, resolve
    from camhub.errors import ConfigError

    _logging(log_level)
    try:
        cfg = resolve(load_config(config, kind_check))
    except ConfigError as exc:
        for line in exc.problems:
            typer.echo(line, err=True)
        raise typer.Exit(2) from None
    _run_hub(_settings(cfg, config, port, http_port, no_tls, rtsp_port))


@app.command()
def demo(
    port: Annotated[int, typer.Option(help="HTTPS port of the hub.")] = 8443,
    http_port: Annotated[int, typer.Option(help="Redirect-only HTTP port.")] = 8080,
    rtsp_port: Annotated[int, typer.Option(help="camhub's RTSP server port.")] = 8554,
    data: Annotated[
        Path | None, typer.Option(help="Data dir (default: a fresh temporary one).")
    ] = None,
    password: Annotated[
        str | None, typer.Option(help="Admin password (default: random, printed).")
    ] = None,
    mqtt: Annotated[
        str | None,
        typer.Option(help="Publish the demo to this MQTT broker (HOST:PORT), with HA discovery."),
    ] = None,
    log_level: Annotated[str, typer.Option(help="debug, info, warning, error")] = "warning",
) -> None:
    """Start one emulator of every kind on loopback and the hub in front of them."""
    import json
    import secrets
    import tempfile

    from camhub.config import parse_config
    from camhub.demo import EmulatorThread, demo_config, start_emulators

    _logging(log_level)
    data_dir = data or Path(tempfile.mkdtemp(prefix="camhub-demo-"))
    admin_password = password or secrets.token_urlsafe(12)
    emus = EmulatorThread()
    try:
        devices = start_emulators(emus)
        raw = demo_config(data_dir, admin_password, devices)
        if mqtt is not None:
            host, _, broker_port = mqtt.rpartition(":")
            if not host or not broker_port.isdecimal():
                typer.echo("--mqtt takes HOST:PORT", err=True)
                raise typer.Exit(2)
            raw["mqtt"] = {
                "host": host,
                "port": int(broker_port),
                "client_id": "camhub-demo",
                "snapshot_interval": DEMO_SNAPSHOT_INTERVAL,  # HA's camera entities get pictures
            }
        cfg_path = data_dir / "demo-config.json"
        data_dir.mkdir(parents=True, exist_ok=True)
        cfg_path.write_text(json.dumps(raw, indent=2))
        cfg_path.chmod(0o600)
        settings = _settings(parse_config(raw), cfg_path, port, http_port, False, rtsp_port)

        def explain() -> None:
            typer.echo(f"camhub demo: {len(devices)} emulated devices, data in {data_dir}")
            for name, emu in emus.emulators.items():
                typer.echo(f"  {name:16} {emu.kind:17} {emu.url}")
            typer.echo("log in as admin with password: " + admin_password)
            typer.echo(
                f"  curl -k -X POST https://127.0.0.1:{settings.https_port}/api/auth "
                "-H 'Content-Type: application/json' "
                f'-d \'{{"username":"admin","password":"{admin_password}"}}\''
            )

        _run_hub(settings, explain)
    finally:
        emus.stop()


def _logging(level: str) -> None:
    import logging

    logging.basicConfig(
        level=level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )


@app.command("check-config")
def check_config(file: Annotated[Path, typer.Argument(help="YAML or JSON config file.")]) -> None:
    """Validate a config file: exit 0 when valid, else 2 with one line per problem."""
    from camhub.config import load_config
    from camhub.drivers import kind_check, resolve
    from camhub.errors import ConfigError

    try:
        cfg = resolve(load_config(file, kind_check))
    except ConfigError as exc:
        for line in exc.problems:
            typer.echo(line)
        raise typer.Exit(2) from None
    typer.echo(f"{file}: valid ({len(cfg.devices)} devices, {len(cfg.effective_users())} users)")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
