"""Self-signed certificates: generation, loading, and the metadata ``/cert/info`` shows."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import ipaddress
import socket
import ssl
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from camhub.private import private_dir, write_private


def host_addresses() -> list[str]:
    """Names and addresses this host is known by, for a certificate's subject."""
    names = {"localhost", "127.0.0.1", "::1"}
    try:
        hostname = socket.gethostname()
        names.add(hostname)
        for info in socket.getaddrinfo(hostname, None):
            names.add(str(info[4][0]))
    except OSError:
        pass
    return sorted(names)


def _san(names: list[str]) -> x509.SubjectAlternativeName:
    entries: list[x509.GeneralName] = []
    for n in names:
        try:
            entries.append(x509.IPAddress(ipaddress.ip_address(n.split("%")[0])))
        except ValueError:
            entries.append(x509.DNSName(n))
    return x509.SubjectAlternativeName(entries)


def generate_self_signed(
    cert_path: Path,
    key_path: Path,
    names: list[str] | None = None,
    common_name: str = "camhub",
    days: int = 825,
) -> None:
    """Write a new EC P-256 key and a self-signed certificate naming ``names``."""
    names = names or host_addresses()
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Local Network"),
        ]
    )
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=days))
        .add_extension(_san(names), critical=False)
        # A leaf, not a CA: installing it as trusted must not let its key sign others.
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                key_encipherment=False,
                content_commitment=False,
                data_encipherment=False,
                key_agreement=True,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(key, hashes.SHA256())
    )
    private_dir(cert_path.parent)
    private_dir(key_path.parent)
    key_bytes = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    write_private(key_path, key_bytes)
    write_private(cert_path, cert.public_bytes(serialization.Encoding.PEM))


def ensure_certificate(cert_path: Path, key_path: Path, common_name: str = "camhub") -> None:
    if not (cert_path.exists() and key_path.exists()):
        generate_self_signed(cert_path, key_path, common_name=common_name)


def server_context(cert_path: Path, key_path: Path) -> ssl.SSLContext:
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(cert_path, key_path)
    return ctx


def client_context(
    ca: Path | None = None,
    cert: Path | None = None,
    key: Path | None = None,
    insecure: bool = False,
) -> ssl.SSLContext:
    """A client's context: verified against ``ca`` (else the system's CAs), with a client
    certificate when given; ``insecure`` accepts any certificate (self-signed)."""
    ctx = ssl.create_default_context(cafile=str(ca) if ca else None)
    if cert is not None and key is not None:
        ctx.load_cert_chain(str(cert), str(key))
    if insecure:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    return ctx


async def check_handshake(host: str, port: int, ctx: ssl.SSLContext, seconds: float) -> None:
    """One TLS handshake with ``ctx`` (raises ``ssl.SSLError``, ``OSError`` or
    ``TimeoutError``). MQTT clients call it before paho-mqtt dials: paho leaves its
    socket open when its own handshake fails, so a broker refused here is never dialled."""
    async with asyncio.timeout(seconds):
        _, writer = await asyncio.open_connection(host, port, ssl=ctx)
    writer.close()
    with contextlib.suppress(OSError, TimeoutError):
        async with asyncio.timeout(seconds):
            await writer.wait_closed()


@dataclass(frozen=True)
class CertInfo:
    subject: str
    issuer: str
    not_before: int  # ms
    not_after: int  # ms
    serial_number: str
    names: list[str]

    @property
    def status(self) -> str:
        now = dt.datetime.now(dt.UTC).timestamp() * 1000
        if now < self.not_before:
            return "not_yet_valid"
        return "valid" if now <= self.not_after else "expired"


def cert_info(cert_path: Path) -> CertInfo:
    cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        names = [str(v) for v in san.get_values_for_type(x509.DNSName)] + [
            str(v) for v in san.get_values_for_type(x509.IPAddress)
        ]
    except x509.ExtensionNotFound:
        names = []
    return CertInfo(
        subject=cert.subject.rfc4514_string(),
        issuer=cert.issuer.rfc4514_string(),
        not_before=int(cert.not_valid_before_utc.timestamp() * 1000),
        not_after=int(cert.not_valid_after_utc.timestamp() * 1000),
        serial_number=format(cert.serial_number, "x"),
        names=names,
    )
