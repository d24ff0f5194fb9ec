"""The server's re-check asks only "is there a block?": it skips the rules that can only ever warn. These
tests hold that shortcut to the engine: the skipped rules cannot produce a block (read from their source),
every other rule of the engine runs, and on contacts that break rules (NAR-REQUIRED, SEL-MEDIUM,
SEL-STAFF, SEL-DATE blocks; SEL-OTHERS, SEL-PRIMARY, CLS-CASEPLAN warnings) the server finds exactly the
engine's block findings."""

from __future__ import annotations

import inspect
from datetime import timedelta

import pytest

from fieldapp.domain.findings import Severity
from fieldapp.domain.records import Contact, ContactKind
from fieldapp.domain.rules import check_contact, engine
from fieldapp.server.push import REFUSING_RULES, WARN_ONLY, server_findings
from tests.factories import NOW, context_for, valid_contact


def test_the_skipped_rules_can_only_warn() -> None:
    for rule in WARN_ONLY:
        source = inspect.getsource(rule)
        assert "warn(" in source, rule.__name__
        for maker in ("block(", "Severity.BLOCK", "Finding(", "yield from", "return "):
            assert maker not in source, (rule.__name__, maker)


def test_every_other_rule_of_the_engine_runs_on_the_server_in_the_engine_order() -> None:
    assert set(REFUSING_RULES) | WARN_ONLY == set(engine.RULES)
    assert not set(REFUSING_RULES) & WARN_ONLY
    assert list(REFUSING_RULES) == [r for r in engine.RULES if r in set(REFUSING_RULES)]


def _broken_contacts() -> list[Contact]:
    contacts: list[Contact] = []
    for kind in ContactKind:
        contacts += [
            valid_contact(kind),
            valid_contact(kind, narrative=""),  # NAR-REQUIRED
            valid_contact(kind, method="SOCIAL_MEDIA"),  # SEL-MEDIUM
            valid_contact(kind, staff_person_id="w-nobody"),  # SEL-STAFF
            valid_contact(  # SEL-DATE
                kind, started_at=NOW + timedelta(days=400), ended_at=NOW + timedelta(days=400)
            ),
            valid_contact(  # SEL-OTHERS warning
                kind, others_present=(), narrative="Mother and the neighbour were present. " * 3
            ),
        ]
    return contacts


@pytest.mark.parametrize("contact", _broken_contacts(), ids=lambda c: f"{c.kind}")
def test_the_server_refuses_exactly_what_the_engine_blocks_and_answers_with_all_its_findings(
    contact: Contact,
) -> None:
    """A contact the engine blocks gets the engine's complete findings (warnings too); one it does not
    block gets none (the laptop showed its warnings when the contact was made)."""
    ctx = context_for(contact)
    everything = check_contact(contact, ctx)
    server = server_findings(contact, ctx)
    if any(f.severity is Severity.BLOCK for f in everything):
        assert list(server) == everything
    else:
        assert server == ()


def test_a_refusal_carries_the_warnings_too() -> None:
    """SEL-OTHERS (a warning the fast path skips) rides along with SEL-MEDIUM (a block) on the refusal."""
    contact = valid_contact(
        ContactKind.CHILD_CASE,
        others_present=(),
        method="SOCIAL_MEDIA",
        narrative="Mother and the neighbour were present. " * 3,
    )
    findings = {(f.rule_id, f.severity) for f in server_findings(contact, context_for(contact))}
    assert ("SEL-MEDIUM", Severity.BLOCK) in findings
    assert ("SEL-OTHERS", Severity.WARN) in findings
