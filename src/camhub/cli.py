"""The ``camhub`` command: serve, demo, simulate, check-config."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from camhub import __version__

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


@app.command()
def simulate(
    kind: Annotated[str, typer.Argument(help="tapo-camera, tapo-plug, tapo-bulb, tapo-strip, "
                                        "tapo-power-strip, sercomm, tinycam, ipcamera")],
    host: Annotated[str, typer.Option(help="Listen address (loopback by default).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Listen port; 0 picks a free one.")] = 0,
    username: Annotated[Optional[str], typer.Option()] = None,  # noqa: UP045
    password: Annotated[Optional[str], typer.Option()] = None,  # noqa: UP045
    model: Annotated[Optional[str], typer.Option()] = None,  # noqa: UP045
    login: Annotated[str, typer.Option(help="Tapo camera login flow: legacy or secure.")] = "secure",
    fault: Annotated[list[str], typer.Option(help="Start with this fault on (repeatable).")] = [],  # noqa: B006
) -> None:
    """Run one device emulator until interrupted."""
    from camhub.sim import EMULATORS, SimOptions, emulator_class

    if kind not in EMULATORS:
        typer.echo(f"unknown kind {kind!r}; one of: {', '.join(EMULATORS)}", err=True)
        raise typer.Exit(2)
    if login not in ("legacy", "secure"):
        typer.echo("--login must be legacy or secure", err=True)
        raise typer.Exit(2)
    opts = SimOptions(host=host, port=port, username=username, password=password,
                      model=model, login=login, faults=set(fault))

    async def run() -> None:
        try:
            emu = emulator_class(kind)(opts)
        except ValueError as exc:
            typer.echo(str(exc), err=True)
            raise typer.Exit(2) from None
        url = await emu.start()
        typer.echo(f"ready: {url}", )
        sys.stdout.flush()
        try:
            await _wait_for_signal()
        finally:
            await emu.stop()

    asyncio.run(run())


@app.command("check-config")
def check_config(file: Annotated[Path, typer.Argument(help="YAML or JSON config file.")]) -> None:
    """Validate a config file: exit 0 when valid, else 2 with one line per problem."""
    from camhub.config import load_config
    from camhub.errors import ConfigError

    try:
        cfg = load_config(file)
    except ConfigError as exc:
        for line in exc.problems:
            typer.echo(line)
        raise typer.Exit(2) from None
    typer.echo(f"{file}: valid ({len(cfg.devices)} devices, {len(cfg.effective_users())} users)")


def main() -> None:
    app()
