"""Which compliance measures a contact counts toward. (Foundation: the rules-engine work fills this in.)"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fieldapp.domain.findings import CountVerdict
from fieldapp.domain.records import Contact

if TYPE_CHECKING:
    from fieldapp.domain.rules import RuleContext


def verdicts(contact: Contact, ctx: RuleContext) -> list[CountVerdict]:
    return []
