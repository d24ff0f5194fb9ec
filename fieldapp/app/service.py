"""The application service the GUI (and the command line) talk to: the contact lifecycle in domain words.

The GUI never sees SQL; it calls these methods (on a worker thread) and gets domain records back. The
concrete implementation lives in fieldapp.app.contacts (backed by the encrypted store); this module
holds only the contract, so the GUI can be built and tested against it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from fieldapp.domain.errors import ServiceError as ServiceError
from fieldapp.domain.findings import Finding
from fieldapp.domain.records import Amendment, Caseload, Contact, ContactKind
from fieldapp.domain.rules import RuleContext
from fieldapp.domain.stored import StoredContact as StoredContact


class ContactLocked(ServiceError):
    """The contact can no longer be edited: it is final, or its business day has ended (NAR-SAMEDAY)."""


class FinalizeRefused(ServiceError):
    """Finalizing was refused because block findings stand; they are attached for the wizard to show."""

    def __init__(self, findings: Sequence[Finding]) -> None:
        self.findings = tuple(findings)
        ids = ", ".join(sorted({f.rule_id for f in self.findings}))
        super().__init__(f"The contact cannot be finalized yet ({ids}).")


class NotAllowed(ServiceError):
    """The signed-in person's role does not allow this action (e.g. NAR-AMEND for a worker)."""


class ContactService(Protocol):
    """What a worker can do with contacts, whether online or not."""

    def caseload(self) -> Caseload: ...

    def rule_context(self, matter_id: str, now: datetime | None = None) -> RuleContext: ...

    def start_contact(
        self,
        matter_id: str,
        kind: ContactKind,
        on_behalf_of_child_ids: Sequence[str],
        *,
        previous_contact_id: str | None = None,
    ) -> StoredContact:
        """Create a draft with a fresh UUIDv7; staff person defaults to the signed-in worker (SEL-STAFF)."""
        ...

    def interim_save(self, contact: Contact) -> StoredContact:
        """Save a draft as it stands (no rule blocks an interim save). Raises ContactLocked."""
        ...

    def finalize(self, contact: Contact) -> StoredContact:
        """Make the contact final and queue it for sync. Raises FinalizeRefused or ContactLocked."""
        ...

    def get(self, contact_id: str) -> StoredContact: ...

    def open_drafts(self) -> list[StoredContact]:
        """Drafts still editable today, oldest first (offered when the app opens)."""
        ...

    def recent_contacts(self, matter_id: str, limit: int = 50) -> list[StoredContact]: ...

    def close_ended_days(self) -> list[StoredContact]:
        """Finalize (if complete) or freeze and flag drafts whose business day has ended."""
        ...

    def amend(self, contact_id: str, new_information: str, reason: str) -> Amendment:
        """NAR-AMEND: supervisor or manager only; raises NotAllowed otherwise."""
        ...

    def outbox_count(self) -> int: ...
