"""Enrollment and sync over TLS: the agency's own CA is trusted when given, and an unknown certificate is
refused before the code or the token leaves the laptop."""

from __future__ import annotations

import datetime as dt
import ipaddress
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from fieldapp.sync import enrollment
from fieldapp.sync.client import SyncClient
from fieldapp.sync.enrollment import EnrollmentError, trust
from fieldapp.sync.reachability import probe
from tests.factories import NOW, valid_contact
from tests.support.memory_keyring import MemoryKeyring
from tests.support.memory_outbox import MemoryOutbox
from tests.support.server import ServerProcess


def self_signed(folder: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "fieldapp test office")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_path, key_path


def test_enroll_and_sync_over_tls_with_the_agency_ca(tmp_path: Path) -> None:
    cert, key = self_signed(tmp_path)
    args = ["--tls-cert", str(cert), "--tls-key", str(key)]
    with ServerProcess.start(tmp_path / "server", demo=True, extra_args=args) as server:
        assert server.url.startswith("https://127.0.0.1:")
        vault = MemoryKeyring()

        # the system CAs do not know this certificate: refused before anything is sent
        with pytest.raises(EnrollmentError) as err:
            enrollment.enroll(server.url, server.issue_code("w-ana"), device_name="d", vault=vault)
        assert err.value.field == "server_url" and vault.secrets == {}
        assert not probe(server.url)

        ca = trust(str(cert))
        enrolled = enrollment.enroll(
            server.url, server.issue_code("w-ana"), device_name="d", vault=vault, verify=ca
        )
        assert probe(server.url, verify=ca)
        outbox = MemoryOutbox([valid_contact(finalized_at=NOW.replace(hour=12))])
        with SyncClient(enrolled.server_url, enrolled.token, enrolled.worker_id, outbox, verify=ca) as client:
            report = client.sync()
        assert report.ok and report.accepted == 1
