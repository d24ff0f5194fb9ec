"""Property test of the contact lifecycle over the real encrypted store (NAR-SAMEDAY, NAR-IMMUTABLE,
NAR-REQUIRED, NAR-AMEND): any sequence of starts, interim saves, finalizes, clock moves, day-end closes and
amendments keeps final contacts exactly as finalized, drafts at their last save, and the audit chain whole."""

from __future__ import annotations

import shutil
import tempfile
from datetime import timedelta
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, invariant, rule

from fieldapp.app.contacts import SqlContactService
from fieldapp.app.service import ContactLocked, FinalizeRefused
from fieldapp.domain.agency_time import business_day
from fieldapp.domain.findings import blocks
from fieldapp.domain.records import Contact, ContactState
from fieldapp.domain.rules import check_contact
from fieldapp.store.profile import open_profile
from tests.factories import TZ, demo_caseload, valid_contact
from tests.support.clock import Clock

TEXTS = st.sampled_from(["", "   ", "Met the child at home; she showed me her room.", "Called the school."])


class Lifecycle(RuleBasedStateMachine):
    contacts = Bundle("contacts")

    def __init__(self) -> None:
        super().__init__()
        self.tmp = Path(tempfile.mkdtemp(prefix="fieldapp-prop-"))
        self.clock = Clock()
        self.profile = open_profile(self.tmp / "p", create_with_caseload=demo_caseload(), clock=self.clock)
        self.service = SqlContactService(self.profile, clock=self.clock)
        self.model: dict[str, Contact] = {}  # what the store must hold
        self.state: dict[str, str] = {}  # draft / final / frozen
        self.day: dict[str, object] = {}
        self.amendments = 0

    def teardown(self) -> None:
        self.profile.close()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def _editable(self, cid: str) -> bool:
        return self.state[cid] == "draft" and self.day[cid] == business_day(self.clock.now, TZ)

    @rule(target=contacts, text=TEXTS)
    def start(self, text: str) -> str:
        now = self.clock.now
        contact = valid_contact(
            started_at=now - timedelta(hours=1), ended_at=now - timedelta(minutes=30), narrative=text
        )
        saved = self.service.interim_save(contact).contact
        self.model[contact.id] = saved
        self.state[contact.id] = "draft"
        self.day[contact.id] = business_day(now, TZ)
        return contact.id

    @rule(cid=contacts, text=TEXTS)
    def interim_save(self, cid: str, text: str) -> None:
        edited = self.model[cid].model_copy(update={"narrative": text})
        if self._editable(cid):
            self.model[cid] = self.service.interim_save(edited).contact
        else:
            try:
                self.service.interim_save(edited)
            except ContactLocked:
                return
            raise AssertionError("NAR-IMMUTABLE/NAR-SAMEDAY: a locked contact accepted an interim save")

    @rule(cid=contacts)
    def finalize(self, cid: str) -> None:
        contact = self.model[cid]
        if not self._editable(cid):
            try:
                self.service.finalize(contact)
            except ContactLocked:
                return
            raise AssertionError("a locked contact was finalized again")
        expected = blocks(
            check_contact(
                contact.model_copy(update={"finalized_at": self.clock.now}),
                self.service.rule_context(contact.context_id),
            )
        )
        try:
            final = self.service.finalize(contact)
        except FinalizeRefused as refused:
            assert expected, f"refused without a block: {refused.findings}"
            assert {f.rule_id for f in refused.findings} == {f.rule_id for f in expected}
            return
        assert not expected, f"NAR-REQUIRED/SEL-*: finalized despite {expected}"
        self.model[cid] = final.contact
        self.state[cid] = "final"

    @rule(hours=st.integers(min_value=0, max_value=30))
    def time_passes(self, hours: int) -> None:
        self.clock.advance(hours=hours)

    @rule()
    def close_ended_days(self) -> None:
        for closed in self.service.close_ended_days():
            cid = closed.contact.id
            assert self.state[cid] == "draft" and self.day[cid] < business_day(self.clock.now, TZ)
            assert closed.contact.narrative == self.model[cid].narrative  # as it stood
            self.model[cid] = closed.contact
            self.state[cid] = "final" if closed.state is ContactState.FINAL else "frozen"

    @rule(cid=contacts)
    def amend(self, cid: str) -> None:
        if self.state[cid] == "draft":
            return
        self.service.acting_as("s-lee").amend(cid, "Kit was present too.", "participant missing")
        self.amendments += 1

    @invariant()
    def store_matches_model(self) -> None:
        for cid, contact in self.model.items():
            stored = self.service.get(cid)
            assert stored.contact == contact
            expected_state = ContactState.FINAL if self.state[cid] == "final" else ContactState.DRAFT
            assert stored.state is expected_state
            assert (stored.frozen_reason is not None) == (self.state[cid] == "frozen")
        finals = sum(1 for s in self.state.values() if s == "final")
        frozen = sum(1 for s in self.state.values() if s == "frozen")  # each reported once (NAR-SAMEDAY)
        assert self.service.outbox_count() == finals + frozen + self.amendments

    @invariant()
    def audit_chain_holds(self) -> None:
        report = self.profile.verify_audit()
        assert report.ok, report.describe()


Lifecycle.TestCase.settings = settings(
    max_examples=20, stateful_step_count=25, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
TestLifecycleProperties = Lifecycle.TestCase
