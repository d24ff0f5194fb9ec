"""What every rule module shares: making findings, the time reference, and looking up the kind's row.

Kept apart from engine.py so that the rule modules (selections, narrative, closure) do not import each
other or the engine, and the engine only lists them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from fieldapp.domain.agency_time import business_day
from fieldapp.domain.codetables import KindEntry
from fieldapp.domain.findings import Finding, Severity
from fieldapp.domain.records import Contact, Person

if TYPE_CHECKING:
    from fieldapp.domain.rules import RuleContext

Rule = Callable[[Contact, "RuleContext"], Iterator[Finding]]


def block(rule_id: str, field: str, message: str) -> Finding:
    return Finding(rule_id, Severity.BLOCK, field, message)


def warn(rule_id: str, field: str, message: str) -> Finding:
    return Finding(rule_id, Severity.WARN, field, message)


def reference_time(contact: Contact, ctx: RuleContext) -> datetime:
    """The moment a contact is judged at.

    A draft is judged now; a final contact is judged at the moment it was finalized, because the server
    re-checks final contacts days later with its own clock and must reach the same verdict.
    """
    return contact.finalized_at if contact.finalized_at is not None else ctx.now


def local_text(moment: datetime, tz: ZoneInfo) -> str:
    """A moment as the worker reads it, in agency time."""
    try:
        return f"{moment.astimezone(tz):%Y-%m-%d %H:%M}"
    except OverflowError:
        return moment.isoformat()


def contact_day(contact: Contact, ctx: RuleContext) -> date | None:
    """The agency calendar day the contact took place on (None while no date is chosen)."""
    if contact.started_at is None:
        return None
    return business_day(contact.started_at, ctx.tables.agency.time_zone)


def kind_entry(contact: Contact, ctx: RuleContext) -> KindEntry:
    return ctx.tables.kinds[contact.kind]


def people_by_id(ctx: RuleContext) -> dict[str, Person]:
    return {p.id: p for p in ctx.matter.people}


def where(ctx: RuleContext) -> str:
    """How a message names the referral or case: 'this referral' / 'this case'."""
    return f"this {ctx.matter.context}"


def human_day(day: date) -> str:
    return f"{day:%a} {day.isoformat()}"


def names(people: list[Person] | tuple[Person, ...]) -> str:
    return ", ".join(p.full_name for p in people)
