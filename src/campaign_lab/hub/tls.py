"""HTTPS for a hub that listens beyond this machine.

On the loopback (``127.0.0.1``, ``::1``, ``localhost``) the hub speaks plain
HTTP: nothing leaves the machine. On any other address passwords would cross
the room's network in clear, so the hub speaks HTTPS: with the trainer's
certificate (``CAMPAIGN_LAB_HUB_SSL_CERT`` and ``CAMPAIGN_LAB_HUB_SSL_KEY``)
or, failing that, a self-signed one made at start, with a warning that
browsers will ask trainees to accept it.
"""

from __future__ import annotations

import datetime
import ipaddress
import logging
import os
import socket
from dataclasses import dataclass
from pathlib import Path

from campaign_lab.errors import BadInput

log = logging.getLogger(__name__)

SELF_SIGNED_DAYS = 90
SELF_SIGNED_WARNING = (
    "The hub listens on {ip} with a SELF-SIGNED certificate ({cert}): browsers will warn trainees "
    "that the connection is not trusted until they accept it. Give the hub your own certificate with "
    "CAMPAIGN_LAB_HUB_SSL_CERT and CAMPAIGN_LAB_HUB_SSL_KEY."
)


def is_loopback(host: str) -> bool:
    """True for addresses that never leave this machine.

    Examples
    --------
    >>> is_loopback("127.0.0.1"), is_loopback("localhost"), is_loopback("0.0.0.0")
    (True, True, False)
    """
    if host.strip("[]") == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class Listening:
    """How the hub listens: its URL, and the certificate and key when it speaks HTTPS."""

    url: str
    cert: Path | None = None
    key: Path | None = None
    self_signed: bool = False


def listening(ip: str, port: int, state: Path, cert: str = "", key: str = "") -> Listening:
    """Decide HTTP or HTTPS for ``ip``; make a self-signed certificate in ``state/tls`` if needed."""
    host = f"[{ip}]" if ":" in ip and not ip.startswith("[") else ip
    if cert or key:
        if not (cert and key):
            raise BadInput("Set both CAMPAIGN_LAB_HUB_SSL_CERT and CAMPAIGN_LAB_HUB_SSL_KEY, or neither.")
        for path in (cert, key):
            if not Path(path).is_file():
                raise BadInput(f"The certificate file {path} does not exist.")
        return Listening(f"https://{host}:{port}", Path(cert), Path(key))
    if is_loopback(ip):
        return Listening(f"http://{host}:{port}")
    cert_path, key_path = self_signed_certificate(state / "tls", ip)
    log.warning(SELF_SIGNED_WARNING.format(ip=ip, cert=cert_path))
    return Listening(f"https://{host}:{port}", cert_path, key_path, self_signed=True)


def self_signed_certificate(folder: Path, ip: str) -> tuple[Path, Path]:
    """A certificate for this machine's names and ``ip`` (reused while valid); the key is 0600."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    cert_path, key_path = folder / "hub.crt", folder / "hub.key"
    now = datetime.datetime.now(datetime.timezone.utc)
    if cert_path.is_file() and key_path.is_file():
        existing = x509.load_pem_x509_certificate(cert_path.read_bytes())
        if existing.not_valid_after_utc > now + datetime.timedelta(days=1):
            return cert_path, key_path
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    key = ec.generate_private_key(ec.SECP256R1())
    names = _names_for(ip)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0].value if isinstance(
        names[0], x509.DNSName) else "campaign-lab hub")])
    certificate = (
        x509.CertificateBuilder().subject_name(subject).issuer_name(subject)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=SELF_SIGNED_DAYS))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    descriptor = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))
    key_path.chmod(0o600)
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return cert_path, key_path


def _names_for(ip: str) -> list:
    from cryptography import x509

    names: list = [x509.DNSName(socket.gethostname()), x509.DNSName("localhost")]
    addresses = {ip} if ip not in ("0.0.0.0", "::", "") else set(_own_addresses())
    addresses |= {"127.0.0.1"}
    for address in sorted(addresses):
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(address)))
        except ValueError:
            names.append(x509.DNSName(address))
    return names


def _own_addresses() -> list[str]:
    """This machine's addresses by its name (what trainees type when the hub listens on all of them)."""
    try:
        return socket.gethostbyname_ex(socket.gethostname())[2]
    except OSError:
        return []
