"""Enrollment and sync over TLS: the agency's own CA is trusted when given, and an unknown certificate is
refused before the code or the token leaves the laptop."""

from __future__ import annotations

from pathlib import Path

import pytest

from fieldapp.sync import enrollment
from fieldapp.sync.client import SyncClient
from fieldapp.sync.enrollment import EnrollmentError, trust
from fieldapp.sync.reachability import probe
from tests.factories import NOW, valid_contact
from tests.support.memory_keyring import MemoryKeyring
from tests.support.memory_outbox import MemoryOutbox
from tests.support.server import ServerProcess
from tests.support.tls import self_signed


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
