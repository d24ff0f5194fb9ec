"""A contact as the profile holds it: the record plus where it is in its life (draft, final, synced...).

Its home is the domain so that the store, which builds it from rows, and the application service, which
hands it to the GUI, both see it without the store importing the application layer.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from fieldapp.domain.findings import Finding
from fieldapp.domain.records import Amendment, Approval, Contact, ContactState


@dataclass(frozen=True)
class StoredContact:
    """A contact as the store holds it, with its lifecycle state and what the worker must know about it."""

    contact: Contact
    state: ContactState
    frozen_reason: str | None = None
    flagged_for_supervisor: bool = False
    amendments: tuple[Amendment, ...] = ()
    approval: Approval | None = None
    sync_refusal: tuple[Finding, ...] = field(default=())

    @property
    def editable(self) -> bool:
        return self.state is ContactState.DRAFT and self.frozen_reason is None
