"""The rules engine: every rule of RULES.md sections 2-4 that can be judged on one contact.

The rules themselves live in small modules by subject (selections, narrative, closure); this module only
lists them in the order the wizard shows its fields, so findings come out in that order. Compliance
("counts toward") is separate, in counting.py.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fieldapp.domain.findings import Finding, Severity
from fieldapp.domain.records import Contact
from fieldapp.domain.rules import closure, narrative, selections
from fieldapp.domain.rules.common import Rule

if TYPE_CHECKING:
    from fieldapp.domain.rules import RuleContext

RULES: tuple[Rule, ...] = (
    selections.sel_onbehalf,  # chosen first, in the dialog that opens a new contact
    selections.sel_onbehalf_all,
    selections.sel_staff,
    selections.sel_primary,
    selections.sel_date,
    selections.sel_purpose,
    selections.sel_method,
    selections.sel_medium,
    selections.sel_location,
    selections.sel_status,
    selections.sel_participant,
    selections.sel_partytype,
    selections.sel_services,
    selections.sel_others,
    narrative.nar_required,
    narrative.nar_length,
    narrative.nar_sameday,
    narrative.nar_privilege,
    narrative.nar_consult,
    narrative.nar_rp,
    narrative.nar_style,
    narrative.nar_le,
    narrative.nar_sop,
    closure.cls_closed,
    closure.cls_caseplan,
)

NEVER_BLOCK: frozenset[Rule] = frozenset(
    {
        selections.sel_onbehalf_all,
        selections.sel_primary,
        selections.sel_others,
        narrative.nar_rp,
        narrative.nar_style,
        narrative.nar_le,
        closure.cls_caseplan,
    }
)
"""Rules every finding of which is a warning (tests/compliance/test_index.py reads their source to
hold this true). They never stop a final save nor a contact counting, and they are the ones that scan the
narrative's text, walk the case plans or name the people left out, so `blocking` skips them."""

_MAY_BLOCK: tuple[Rule, ...] = tuple(rule for rule in RULES if rule not in NEVER_BLOCK)

# The rule IDs this engine can report (RULES.md sections 2-4, one contact at a time).
RULE_IDS: frozenset[str] = frozenset(
    {
        "SEL-STAFF",
        "SEL-PRIMARY",
        "SEL-DATE",
        "SEL-PURPOSE",
        "SEL-METHOD",
        "SEL-LOCATION",
        "SEL-STATUS",
        "SEL-PARTICIPANT",
        "SEL-ONBEHALF",
        "SEL-PARTYTYPE",
        "SEL-SERVICES",
        "SEL-OTHERS",
        "SEL-MEDIUM",
        "NAR-REQUIRED",
        "NAR-LENGTH",
        "NAR-SAMEDAY",
        "NAR-PRIVILEGE",
        "NAR-RP",
        "NAR-CONSULT",
        "NAR-STYLE",
        "NAR-LE",
        "NAR-SOP",
        "CLS-CLOSED",
        "CLS-CASEPLAN",
    }
)


# The wizard asks for the findings and then for counts_toward, which needs the findings again: the last
# answer is remembered for the very same (frozen, hence unchanging) contact and context objects. Identity,
# not equality, so the check costs nothing; the objects are held so their ids cannot be reused.
_last: tuple[Contact, RuleContext, tuple[Finding, ...]] | None = None


def check(contact: Contact, ctx: RuleContext) -> list[Finding]:
    global _last
    last = _last
    if last is not None and last[0] is contact and last[1] is ctx:
        return list(last[2])
    found = tuple(finding for rule in RULES for finding in rule(contact, ctx))
    _last = (contact, ctx, found)
    return list(found)


def blocking(contact: Contact, ctx: RuleContext) -> list[Finding]:
    """The block findings of `check`, in the same order, without running the rules that only warn.

    What decides whether a final contact counts (the compliance measures judge thousands of them a month)
    needs only these; the wizard and the review page call `check` and see the warnings too.
    """
    return [f for rule in _MAY_BLOCK for f in rule(contact, ctx) if f.severity is Severity.BLOCK]
