"""The wizard's flow without Qt: order of pages, what each page owns and offers, when a page may be left."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from fieldapp.app.wizard_flow import (
    ContactFlow,
    NarrativeMode,
    Step,
    default_on_behalf,
    kind_choices,
    on_behalf_left_out,
    on_behalf_problem,
    page_of_field,
)
from fieldapp.domain.findings import CountVerdict, Finding, Severity
from fieldapp.domain.records import Contact, ContactKind
from tests.factories import context_for, demo_caseload, tables, valid_contact


def flow_for(contact: Contact, findings: list[Finding] | None = None, verdicts=None) -> ContactFlow:
    ctx = context_for(contact)
    if findings is None:
        return ContactFlow(ctx, contact.kind)
    return ContactFlow(
        ctx, contact.kind, check=lambda c, x: list(findings), count=lambda c, x: verdicts or []
    )


def test_flow_module_imports_no_qt() -> None:
    """The flow runs in a fresh interpreter without Qt ever being imported."""
    code = "import sys, fieldapp.app.wizard_flow; print(any(m.startswith('PySide6') for m in sys.modules))"
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_pages_follow_in_order_and_end_at_review() -> None:
    flow = flow_for(valid_contact(ContactKind.CHILD_CASE))
    page: Step | None = flow.first_page()
    seen = []
    while page is not None:
        seen.append(page)
        page = flow.next_page(page)
    assert seen == [Step.BASICS, Step.METHOD, Step.PARTICIPANTS, Step.SERVICES, Step.NARRATIVE, Step.REVIEW]
    assert flow.previous_page(Step.METHOD) is Step.BASICS


def test_SEL_ONBEHALF_all_children_preselected_and_left_out_named() -> None:
    """SEL-ONBEHALF: every child of the referral is preselected; leaving one out is reported by name."""
    referral = demo_caseload().matter("R-1001")
    assert referral is not None
    assert default_on_behalf(referral) == ("p-maya", "p-leo")
    assert [c.label for c in on_behalf_left_out(referral, ["p-maya"])] == ["Leo Brightwater"]
    assert on_behalf_problem(referral, []) is not None and "SEL-ONBEHALF" in on_behalf_problem(referral, [])
    assert on_behalf_problem(referral, ["p-leo"]) is None


def test_kinds_valid_for_context_SCP_only_in_a_case() -> None:
    caseload = demo_caseload()
    referral = caseload.matter("R-1001")
    case = caseload.matter("C-2001")
    assert referral is not None and case is not None
    in_referral = {k.kind for k in kind_choices(tables(), referral)}
    in_case = {k.kind for k in kind_choices(tables(), case)}
    assert in_referral == {ContactKind.CHILD_REFERRAL, ContactKind.PARENT_REFERRAL, ContactKind.COLLATERAL}
    assert in_case == {
        ContactKind.CHILD_CASE,
        ContactKind.PARENT_CASE,
        ContactKind.SCP_CASE,
        ContactKind.COLLATERAL,
    }


def test_SEL_PARTYTYPE_fixed_from_kind_and_reporter_never_offered() -> None:
    """SEL-PARTYTYPE: the party type follows from the kind; Staff Person/Reporter is never a choice."""
    for kind in ContactKind:
        contact = valid_contact(kind, party_type="STAFF_REPORTER")
        flow = flow_for(contact)
        assert flow.party_type().code == tables().kinds[kind].party_type
        assert flow.normalize(contact).party_type == tables().kinds[kind].party_type
        assert "Reporter" not in flow.party_type().label


def test_SEL_PARTICIPANT_only_people_of_the_kinds_role() -> None:
    """SEL-PARTICIPANT: participants offered are people holding the kind's role in this referral/case."""
    assert [c.code for c in flow_for(valid_contact(ContactKind.CHILD_REFERRAL)).participant_choices()] == [
        "p-maya",
        "p-leo",
    ]
    assert [c.code for c in flow_for(valid_contact(ContactKind.PARENT_CASE)).participant_choices()] == [
        "p-avery"
    ]
    assert [c.code for c in flow_for(valid_contact(ContactKind.SCP_CASE)).participant_choices()] == [
        "p-morgan"
    ]
    collateral = [
        c.code
        for c in flow_for(valid_contact(ContactKind.COLLATERAL, context_id="R-1001")).participant_choices()
    ]
    assert "p-rp" in collateral and "p-counsel" in collateral and "p-maya" not in collateral


def test_SEL_LOCATION_offered_only_for_in_person() -> None:
    """SEL-LOCATION: locations are offered when, and only when, the method is In-Person; a stale
    location is cleared when the method changes."""
    contact = valid_contact(ContactKind.CHILD_CASE)
    flow = flow_for(contact)
    assert flow.location_choices(contact)
    phone = contact.model_copy(update={"method": "TELEPHONE"})
    assert flow.location_choices(phone) == ()
    assert flow.normalize(phone).location is None


def test_SEL_MEDIUM_fax_and_mail_details_and_no_social_media() -> None:
    """SEL-MEDIUM: fax and returned-mail details are asked only for those methods; social media is not offered."""
    contact = valid_contact(ContactKind.COLLATERAL, method="FAX", location=None)
    flow = flow_for(contact)
    assert flow.shows_fax(contact) and not flow.shows_returned_mail(contact)
    mail = contact.model_copy(update={"method": "MAIL_RETURNED"})
    assert flow.shows_returned_mail(mail) and not flow.shows_fax(mail)
    labels = " ".join(c.label.lower() for c in flow.method_choices())
    assert "social" not in labels and "facebook" not in labels


def test_SEL_SERVICES_sw_plan_contact_only_in_a_case_and_preselected_for_mandatory() -> None:
    """SEL-SERVICES: SW Plan Contact is offered in a case (preselected for a mandatory kind), never in a referral."""
    case_flow = flow_for(valid_contact(ContactKind.SCP_CASE))
    case_codes = [c.code for _, group in case_flow.service_choices() for c in group]
    assert "SW_PLAN_CONTACT" in case_codes and sum(c.startswith("FEE_") for c in case_codes) == 8
    ref_flow = flow_for(valid_contact(ContactKind.CHILD_REFERRAL))
    assert "SW_PLAN_CONTACT" not in [c.code for _, g in ref_flow.service_choices() for c in g]
    fresh = valid_contact(ContactKind.SCP_CASE, services=(), purposes=(), participant_ids=())
    started = case_flow.initial(fresh)
    assert started.services == ("SW_PLAN_CONTACT",)
    assert started.purposes == ("CONSULT_SCP",)
    assert started.participant_ids == ("p-morgan",)


def test_NAR_SOP_checklist_is_the_programs() -> None:
    """NAR-SOP: an FR case offers the nine plus the FR extras; a Hotline referral its own list."""
    fr = [c.code for c in flow_for(valid_contact(ContactKind.CHILD_CASE)).sop_choices()]
    assert len(fr) == 12 and "VISITATION_PLANS" in fr
    hotline = flow_for(
        valid_contact(ContactKind.CHILD_REFERRAL, context_id="R-1003", participant_ids=("p-tess",))
    )
    assert "SDM_HOTLINE" in [c.code for c in hotline.sop_choices()]


def test_NAR_PRIVILEGE_county_counsel_narrative_starts_with_the_line() -> None:
    """NAR-PRIVILEGE: a county-counsel collateral's narrative gets the privilege line first, text kept."""
    contact = valid_contact(
        ContactKind.COLLATERAL, participant_ids=("p-counsel2",), narrative="I spoke to CC."
    )
    flow = flow_for(contact)
    assert flow.narrative_mode(contact) is NarrativeMode.PRIVILEGED
    fixed = flow.normalize(contact)
    assert fixed.narrative == "ATTORNEY-CLIENT PRIVILEGE - NOT TO BE RELEASED\nI spoke to CC."
    assert flow.normalize(fixed).narrative == fixed.narrative


def test_NAR_CONSULT_supervisor_consultation_gets_fixed_sentence_mode() -> None:
    """NAR-CONSULT: a consultation with the supervisor allows only the fixed sentences."""
    contact = valid_contact(
        ContactKind.COLLATERAL,
        context_id="R-1001",
        participant_ids=("p-pss",),
        purposes=("CASE_CONSULTATION",),
    )
    flow = flow_for(contact)
    assert flow.narrative_mode(contact) is NarrativeMode.CONSULTATION
    assert flow.consultation_sentences()[0].startswith("Consulted with PSS")


def test_page_may_not_be_left_while_a_block_finding_names_its_field() -> None:
    contact = valid_contact(ContactKind.CHILD_CASE)
    method_block = Finding("SEL-METHOD", Severity.BLOCK, "method", "Select a method.")
    fax_warn = Finding("SEL-OTHERS", Severity.WARN, "others_present", "Name the others present.")
    flow = flow_for(contact, [method_block, fax_warn])
    assert flow.can_leave(Step.BASICS, contact)
    assert not flow.can_leave(Step.METHOD, contact)
    assert flow.can_leave(Step.PARTICIPANTS, contact)  # a warning never blocks
    assert not flow.can_finalize(contact)
    assert flow.first_blocked_page(contact) is Step.METHOD
    assert [f.rule_id for f in flow.page_findings(Step.PARTICIPANTS, contact)] == ["SEL-OTHERS"]


def test_dotted_and_unknown_fields_find_their_page() -> None:
    assert page_of_field("fax.sent_at") is Step.METHOD
    assert page_of_field("others_present[0].name") is Step.PARTICIPANTS
    assert page_of_field("something_new") is Step.REVIEW


def test_real_engine_SEL_STAFF_and_NAR_REQUIRED_gate_their_pages() -> None:
    """SEL-STAFF blocks leaving the basics page; NAR-REQUIRED blocks leaving the narrative page."""
    contact = valid_contact(ContactKind.CHILD_CASE, staff_person_id=None, narrative="  ")
    flow = flow_for(contact)
    assert not flow.can_leave(Step.BASICS, contact)
    assert not flow.can_leave(Step.NARRATIVE, contact)
    assert flow.can_leave(Step.METHOD, contact)
    assert flow.first_blocked_page(contact) is Step.BASICS
    ok = valid_contact(ContactKind.CHILD_CASE)
    assert flow.can_finalize(ok)


def test_verdict_lines_in_words() -> None:
    contact = valid_contact(ContactKind.CHILD_CASE)
    verdicts = [
        CountVerdict("CMP-CHILD-MONTH", "p-nova", True, "Counts as November's monthly visit for Nova."),
        CountVerdict("CMP-RESIDENCE", "p-nova", False, "Attempted contacts never count", "SEL-STATUS"),
    ]
    lines = flow_for(contact, [], verdicts).verdict_lines(contact)
    assert lines[0] == "Counts as November's monthly visit for Nova. (CMP-CHILD-MONTH)"
    assert lines[1] == "Does not count: Attempted contacts never count (CMP-RESIDENCE, SEL-STATUS)"


def test_verdict_lines_that_read_the_same_say_which_measure_each_is_about() -> None:
    contact = valid_contact(ContactKind.CHILD_CASE)
    verdicts = [
        CountVerdict("CMP-CHILD-MONTH", "p-nova", False, "Attempted contacts never count.", "SEL-STATUS"),
        CountVerdict("CMP-RESIDENCE", "p-nova", False, "Attempted contacts never count.", "SEL-STATUS"),
    ]
    lines = flow_for(contact, [], verdicts).verdict_lines(contact)
    assert lines == [
        "Does not count: Attempted contacts never count – for “Face-to-face child contacts (monthly)”. "
        "(CMP-CHILD-MONTH, SEL-STATUS)",
        "Does not count: Attempted contacts never count – for “Child visits mostly in the child's "
        "residence”. (CMP-RESIDENCE, SEL-STATUS)",
    ]


def test_verdict_lines_from_the_real_rules() -> None:
    """The review page's verdicts come from counts_toward: a completed in-person visit with Nova counts for
    her, and an Attempted one counts for nobody."""
    contact = valid_contact(ContactKind.CHILD_CASE)
    flow = flow_for(contact)
    assert any(
        line.startswith("Counts as November's monthly visit for Nova") for line in flow.verdict_lines(contact)
    )
    attempted = contact.model_copy(update={"status": "ATTEMPTED"})
    lines = flow.verdict_lines(attempted)
    assert lines and all(line.startswith("Does not count") for line in lines)
    assert any("SEL-STATUS" in line for line in lines)


def test_summary_shows_the_whole_contact() -> None:
    contact = valid_contact(ContactKind.CHILD_CASE)
    rows = dict(flow_for(contact).summary(contact))
    assert rows["Participants"] == "Nova Quillfeather"
    assert rows["Method"] == "In-Person" and rows["Location"] == "Child's residence"
    assert rows["Party type"] == (
        "You with the child (state code “Staff Person/Child”, set by the kind of contact)"
    )
    assert "SW Plan Contact" in rows["Services"]


@pytest.mark.parametrize("kind", list(ContactKind))
def test_purposes_put_the_kinds_mandatory_first(kind: ContactKind) -> None:
    flow = flow_for(valid_contact(kind))
    mandatory = flow.mandatory_purposes()
    codes = [c.code for c in flow.purpose_choices()]
    assert codes[: len(mandatory)] == list(mandatory)


def test_NAR_LE_assessment_asked_for_an_officer_present_not_only_a_participant() -> None:
    """NAR-LE: an officer among the others present also makes the wizard ask for the assessment."""
    from fieldapp.domain.records import OtherParty

    contact = valid_contact(ContactKind.CHILD_CASE)
    flow = flow_for(contact)
    assert not flow.asks_law_enforcement(contact)
    with_officer = contact.model_copy(
        update={"others_present": (OtherParty(name="R. Quade", role="Police officer"),)}
    )
    assert flow.asks_law_enforcement(with_officer)


@pytest.mark.parametrize("kind", [k for k in ContactKind if k is not ContactKind.COLLATERAL])
def test_every_mandatory_kind_starts_with_its_first_mandatory_purpose(kind: ContactKind) -> None:
    """Issue 16: purposes preselected consistently for the mandatory kinds (not only where there is one)."""
    fresh = valid_contact(kind, purposes=(), services=(), participant_ids=())
    flow = flow_for(fresh)
    assert flow.initial(fresh).purposes == flow.mandatory_purposes()[:1]


def test_a_collateral_starts_with_no_purpose() -> None:
    fresh = valid_contact(ContactKind.COLLATERAL, purposes=(), participant_ids=())
    assert flow_for(fresh).initial(fresh).purposes == ()


def test_every_record_state_is_explained_in_words() -> None:
    """Issue 16: a legend/tooltip says what each record state means and what happens next."""
    from fieldapp.app.texts import state_meaning
    from fieldapp.domain.records import ContactState

    for state in ContactState:
        meaning = state_meaning(state.value)
        assert meaning.startswith(state.value.capitalize() + ":") and "final-saved" not in meaning
