"""Enrolling a laptop with the office server: trade the server address and a one-time code for a device token.

The token is as sensitive as the database key: anyone holding it can push and pull as the worker. So it
lives only in the operating system's keyring (Windows Credential Manager, macOS Keychain, Secret Service),
never in a file, a log line or an exception message. A keyring that would write it to disk in plain text
(keyrings.alt's PlaintextKeyring, the fallback on a bare Linux box) is refused; there the GUI may pass a
vault of its own (e.g. one inside the encrypted store) through the `TokenVault` protocol.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import ssl
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol
from urllib.parse import urlsplit

import httpx
from pydantic import ValidationError

from fieldapp.sync.client import ENROLL_PATH
from fieldapp.sync.protocol import EnrollRequest, EnrollResponse

log = logging.getLogger(__name__)

KEYRING_SERVICE = "fieldapp-sync"


class EnrollmentError(Exception):
    """Enrollment failed; `field` names the form field to show the message next to ("server_url", "code")."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        super().__init__(message)


class TokenVault(Protocol):
    """Where the enrollment (token included) is kept; the keyring by default."""

    def get_password(self, service: str, username: str) -> str | None: ...

    def set_password(self, service: str, username: str, password: str) -> None: ...

    def delete_password(self, service: str, username: str) -> None: ...


_INSECURE_BACKENDS = {
    ("keyrings.alt.file", "PlaintextKeyring"),
    ("keyring.backends.fail", "Keyring"),
    ("keyring.backends.null", "Keyring"),
}


def default_vault() -> TokenVault:
    """The operating system keyring, refusing backends that keep secrets in plain text or not at all."""
    import keyring

    backend = keyring.get_keyring()
    if not is_secure(backend):
        raise EnrollmentError("keyring", NO_SECURE_KEYRING)
    return backend


NO_SECURE_KEYRING = (
    "This laptop has no secure keyring (the system's protected password store), so it cannot keep the "
    "office server's access safely and cannot be enrolled yet. Ask your administrator to set up or unlock "
    "the keyring, then enroll."
)


def keyring_problem() -> str | None:
    """Why this laptop cannot be enrolled before anything is typed (no secure keyring), or None."""
    import keyring

    return None if is_secure(keyring.get_keyring()) else NO_SECURE_KEYRING


def is_secure(backend: object) -> bool:
    """Same judgement as the store's key handling: a chainer is secure if something it chains is; priority
    below 1 (fail, null, plaintext files) or a known plaintext backend is not."""
    chained = getattr(backend, "backends", None)
    if chained:
        return any(is_secure(b) for b in chained)
    if (type(backend).__module__, type(backend).__name__) in _INSECURE_BACKENDS:
        return False
    try:
        return float(getattr(backend, "priority", 1)) >= 1
    except (TypeError, ValueError):
        return False


@dataclass(frozen=True)
class Enrollment:
    """A laptop's standing with one server. The token never appears in repr() or logs."""

    server_url: str
    token: str = field(repr=False)
    worker_id: str
    device_id: str
    server_id: str
    enrolled_at: datetime

    def to_secret(self) -> str:
        return json.dumps(
            {
                "server_url": self.server_url,
                "token": self.token,
                "worker_id": self.worker_id,
                "device_id": self.device_id,
                "server_id": self.server_id,
                "enrolled_at": self.enrolled_at.isoformat(),
            }
        )

    @classmethod
    def from_secret(cls, text: str) -> Enrollment:
        data = json.loads(text)
        return cls(
            server_url=data["server_url"],
            token=data["token"],
            worker_id=data["worker_id"],
            device_id=data["device_id"],
            server_id=data["server_id"],
            enrolled_at=datetime.fromisoformat(data["enrolled_at"]),
        )


def trust(ca_file: str | None) -> bool | ssl.SSLContext:
    """What to check the server's certificate against: the system's CAs, or an agency CA file (PEM) for a
    server whose certificate the agency issued itself. Verification is never turned off."""
    return True if not ca_file else ssl.create_default_context(cafile=ca_file)


def check_server_url(url: str, *, allow_plain_http: bool = False) -> str:
    """A usable base URL; plain http only to this machine (a token must not cross a network unencrypted)."""
    url = url.strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise EnrollmentError("server_url", "Enter the server address, e.g. https://fieldapp.agency.example")
    if parts.scheme == "http" and not allow_plain_http and not _is_loopback(parts.hostname):
        raise EnrollmentError(
            "server_url",
            "The server address must start with https:// so the enrollment token is sent encrypted.",
        )
    return url


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def enroll(
    server_url: str,
    code: str,
    *,
    device_name: str,
    vault: TokenVault | None = None,
    profile: str = "default",
    verify: bool | ssl.SSLContext = True,
    timeout: float = 15.0,
    transport: httpx.BaseTransport | None = None,
    allow_plain_http: bool = False,
) -> Enrollment:
    """Exchange a one-time code for a device token and keep it in the vault. Raises EnrollmentError."""
    url = check_server_url(server_url, allow_plain_http=allow_plain_http)
    code = code.strip()
    if not code:
        raise EnrollmentError("code", "Enter the one-time enrollment code your administrator gave you.")
    try:
        request = EnrollRequest(code=code, device_name=device_name[:200])
    except ValidationError:
        raise EnrollmentError("code", "That is not an enrollment code: check it and type it again.") from None
    vault = vault if vault is not None else default_vault()
    try:
        with httpx.Client(base_url=url, timeout=timeout, verify=verify, transport=transport) as http:
            response = http.post(
                ENROLL_PATH, content=request.model_dump_json(), headers={"Content-Type": "application/json"}
            )
    except httpx.HTTPError as exc:
        raise EnrollmentError(
            "server_url", f"Could not reach the server at {url} ({type(exc).__name__})."
        ) from None
    if response.status_code in (400, 401, 403, 404, 409, 410, 422):
        raise EnrollmentError(
            "code", "The enrollment code was not accepted: it may be mistyped, used already or expired."
        )
    if response.status_code == 429:
        raise EnrollmentError("code", "Too many attempts; wait a minute before trying the code again.")
    if response.status_code not in (200, 201):
        raise EnrollmentError(
            "server_url", f"The server could not enroll this laptop (HTTP {response.status_code})."
        )
    try:
        answer = EnrollResponse.model_validate_json(response.content)
    except ValidationError:
        raise EnrollmentError("server_url", "The server's answer did not contain a device token.") from None
    enrollment = Enrollment(
        server_url=url,
        token=answer.token,
        worker_id=answer.worker.id,
        device_id=answer.device_id,
        server_id=answer.server_id,
        enrolled_at=datetime.now(UTC),
    )
    vault.set_password(KEYRING_SERVICE, profile, enrollment.to_secret())
    log.info("laptop enrolled with %s as %s", url, enrollment.worker_id)
    return enrollment


def load(vault: TokenVault | None = None, profile: str = "default") -> Enrollment | None:
    """The laptop's enrollment, or None when it has not been enrolled (or the record is unreadable)."""
    vault = vault if vault is not None else default_vault()
    secret = vault.get_password(KEYRING_SERVICE, profile)
    if secret is None:
        return None
    try:
        return Enrollment.from_secret(secret)
    except (ValueError, KeyError, TypeError):
        log.warning("the stored enrollment for profile %r is unreadable; enroll again", profile)
        return None


def forget(vault: TokenVault | None = None, profile: str = "default") -> None:
    """Remove the enrollment (e.g. after the server revoked the token)."""
    vault = vault if vault is not None else default_vault()
    if vault.get_password(KEYRING_SERVICE, profile) is not None:
        vault.delete_password(KEYRING_SERVICE, profile)
