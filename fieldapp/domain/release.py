"""What may leave the agency: filtering contacts for release, print or export to people outside it.

Communication with County Counsel is privileged (NAR-PRIVILEGE, policy 001) and is never released to anyone
requesting a copy of the case file. The filter fails safe: a contact is withheld when it involves County
Counsel by any sign we have (a county-counsel participant, the purpose of consulting counsel, a county
counsel among the others present, or a narrative that declares the privilege), and when its referral/case
is not known, because then its participants cannot be judged.

Inside the agency (the worker, supervisors, the server's own copy) nothing is filtered; this module is for
the release, print and export paths only.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from fieldapp.domain.codetables import CodeTables
from fieldapp.domain.records import Caseload, Contact
from fieldapp.domain.rules.narrative import begins_with_privilege_line, involves_county_counsel


@dataclass(frozen=True, slots=True)
class Withheld:
    """A contact kept back from a release, and why (shown to the staff member preparing the release)."""

    contact_id: str
    reason: str
    rule_id: str = "NAR-PRIVILEGE"


@dataclass(frozen=True)
class ReleaseSelection:
    """The outcome of filtering: the contacts that may be released, and those withheld with the reason."""

    released: tuple[Contact, ...] = ()
    withheld: tuple[Withheld, ...] = field(default=())


def privilege_reason(contact: Contact, caseload: Caseload, tables: CodeTables) -> str | None:
    """Why a contact must not leave the agency, or None when it may be released."""
    if begins_with_privilege_line(
        contact.narrative, tables
    ) or contact.narrative.lstrip().casefold().startswith(tables.agency.privilege_line.casefold()):
        return "the narrative is marked attorney-client privileged"
    matter = caseload.matter(contact.context_id)
    if matter is None:
        return f"its referral/case {contact.context_id!r} is not known, so privilege cannot be ruled out"
    if involves_county_counsel(contact, matter):
        return "it is a contact with County Counsel (attorney-client privilege)"
    return None


def is_releasable(contact: Contact, caseload: Caseload, tables: CodeTables) -> bool:
    return privilege_reason(contact, caseload, tables) is None


def select_for_release(
    contacts: Iterable[Contact], caseload: Caseload, tables: CodeTables
) -> ReleaseSelection:
    """Split contacts into those that may go outside the agency and those withheld (privileged)."""
    released: list[Contact] = []
    withheld: list[Withheld] = []
    for contact in contacts:
        reason = privilege_reason(contact, caseload, tables)
        if reason is None:
            released.append(contact)
        else:
            withheld.append(Withheld(contact.id, f"Withheld from release: {reason}."))
    return ReleaseSelection(tuple(released), tuple(withheld))
