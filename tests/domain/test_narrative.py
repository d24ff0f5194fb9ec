"""NAR-* rules and the live-highlighting helpers of fieldapp.domain.rules.narrative."""

from __future__ import annotations

from datetime import datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from fieldapp.domain.codetables import load_codetables
from fieldapp.domain.findings import Severity
from fieldapp.domain.records import ContactKind, LawEnforcementAssessment, OtherParty
from fieldapp.domain.rules.narrative import only_template, reporter_matches, style_matches
from tests.domain.support import assert_breaks, blocks, of_rule
from tests.factories import NARRATIVE, NOW, TZ, demo_caseload, valid_contact

BLOCK, WARN = Severity.BLOCK, Severity.WARN
K = ContactKind
PRIVILEGE = "ATTORNEY-CLIENT PRIVILEGE - NOT TO BE RELEASED"
R1001_COLLATERAL = dict(context_id="R-1001", on_behalf_of_child_ids=("p-maya", "p-leo"))


# --------------------------------------------------------------------------- NAR-REQUIRED


def test_nar_required_empty_or_blank_narrative_blocks() -> None:
    """NAR-REQUIRED: no final save without a narrative."""
    assert_breaks(K.CHILD_CASE, "NAR-REQUIRED", BLOCK, "narrative", narrative="")
    assert_breaks(K.SCP_CASE, "NAR-REQUIRED", BLOCK, "narrative", narrative=" \n\t ")


def test_nar_required_the_inserted_template_alone_is_no_narrative() -> None:
    """NAR-REQUIRED: the quality-contact template's headings and prompts, with nothing written under them,
    are treated as an empty narrative and said so at the narrative."""
    template = load_codetables().narrative_templates[0]
    f = assert_breaks(K.CHILD_CASE, "NAR-REQUIRED", BLOCK, "narrative", narrative=template)
    assert "only the template's headings" in f.message
    # headings deleted or blank lines added change nothing: still only the template
    lines = [line for line in template.splitlines() if not line.startswith("AFTER")]
    assert_breaks(K.CHILD_CASE, "NAR-REQUIRED", BLOCK, "narrative", narrative="\n\n".join(lines))
    # one word written after a prompt is a narrative
    written = template.replace("issues to discuss:", "issues to discuss: school attendance.", 1)
    assert of_rule(valid_contact(K.CHILD_CASE, narrative=written), "NAR-REQUIRED") == []


@settings(max_examples=60, deadline=None)
@given(
    picked=st.lists(st.integers(min_value=0, max_value=40), max_size=20),
    words=st.text(alphabet=st.characters(categories=["L"]), min_size=1, max_size=12),
)
def test_nar_required_template_lines_alone_block_and_any_written_line_does_not(
    picked: list[int], words: str
) -> None:
    """NAR-REQUIRED (pure function): any selection of template lines is empty; adding a line of the
    worker's own words makes it a narrative."""
    template_lines = [line for line in load_codetables().narrative_templates[0].splitlines() if line]
    chosen = "\n".join(template_lines[i % len(template_lines)] for i in picked)
    assert only_template(chosen, [load_codetables().narrative_templates[0]])
    if words.strip() not in {line.strip() for line in template_lines}:
        assert not only_template(chosen + "\n" + words, [load_codetables().narrative_templates[0]])


# --------------------------------------------------------------------------- NAR-LENGTH


def test_nar_length_narrative_filling_the_record_and_its_continuation_is_accepted() -> None:
    """NAR-LENGTH: CWS/CMS holds 32,700 characters plus a 32,700-character continuation; a narrative
    that fills both is a narrative like any other (no NAR-LENGTH, no NAR-REQUIRED)."""
    full = valid_contact(K.CHILD_CASE, narrative="x" * 65_400)
    assert of_rule(full, "NAR-LENGTH") == [] and of_rule(full, "NAR-REQUIRED") == []


def test_nar_length_narrative_beyond_the_record_blocks_with_the_limit_stated() -> None:
    """NAR-LENGTH: a longer narrative is refused under its own rule, stating the limit; it is not an empty
    narrative, and it is not sent to a subsequent contact (the seeds keep that for the next day)."""
    f = assert_breaks(K.CHILD_CASE, "NAR-LENGTH", BLOCK, "narrative", narrative="x" * 65_401)
    assert "65,400" in f.message and "32,700" in f.message
    assert "subsequent" not in f.message
    assert of_rule(valid_contact(K.CHILD_CASE, narrative="x" * 65_401), "NAR-REQUIRED") == []


# --------------------------------------------------------------------------- NAR-SAMEDAY


def test_nar_sameday_draft_from_an_earlier_business_day_can_no_longer_be_completed() -> None:
    """NAR-SAMEDAY: a draft first saved yesterday is blocked and points to a linked subsequent contact."""
    yesterday = NOW - timedelta(days=1)
    f = assert_breaks(
        K.CHILD_CASE,
        "NAR-SAMEDAY",
        BLOCK,
        "narrative",
        started_at=yesterday.replace(hour=10),
        ended_at=yesterday.replace(hour=11),
        first_saved_at=yesterday.replace(hour=11, minute=30),
    )
    assert "subsequent contact" in f.message and "linked" in f.message


def test_nar_sameday_final_contact_finalized_on_a_later_day_blocks() -> None:
    """NAR-SAMEDAY: a final contact must have been finalized the business day it was first saved."""
    assert_breaks(
        K.PARENT_CASE,
        "NAR-SAMEDAY",
        BLOCK,
        "narrative",
        now=NOW + timedelta(days=2),
        base={"finalized_at": NOW.replace(hour=15)},
        finalized_at=NOW + timedelta(days=1),
    )


def test_nar_sameday_business_day_is_the_agency_day_at_2330_local() -> None:
    """NAR-SAMEDAY: 23:30 in California is that Californian day, although UTC has moved on."""
    late = datetime(2026, 11, 23, 23, 30, tzinfo=TZ)  # 07:30 UTC on the 24th
    draft = valid_contact(K.CHILD_CASE, first_saved_at=late)
    assert of_rule(draft, "NAR-SAMEDAY", now=late + timedelta(minutes=20)) == []  # 23:50 local, same day
    assert of_rule(draft, "NAR-SAMEDAY", now=late + timedelta(minutes=40))  # 00:10 local, next day
    # Same UTC day (24th) but two agency days: finalized at 00:30 local is too late.
    final = valid_contact(K.CHILD_CASE, first_saved_at=late, finalized_at=late + timedelta(hours=1))
    assert [f.field for f in of_rule(final, "NAR-SAMEDAY")] == ["narrative"]
    # Different UTC days (23rd / 24th) but the same agency day: allowed.
    afternoon = datetime(2026, 11, 23, 15, 30, tzinfo=TZ)  # 23:30 UTC
    evening = datetime(2026, 11, 23, 17, 30, tzinfo=TZ)  # 01:30 UTC next day
    ok = valid_contact(K.CHILD_CASE, first_saved_at=afternoon, finalized_at=evening)
    assert of_rule(ok, "NAR-SAMEDAY", now=evening + timedelta(days=3)) == []


def test_nar_sameday_server_recheck_days_later_uses_finalized_at() -> None:
    """NAR-SAMEDAY: the server re-checks a final contact days later and reaches the same verdict."""
    final = valid_contact(K.SCP_CASE, finalized_at=NOW.replace(hour=15))
    assert blocks(final, now=NOW + timedelta(days=9)) == []


def test_nar_sameday_subsequent_contact_cannot_link_to_itself() -> None:
    """NAR-SAMEDAY: a subsequent contact links to the earlier one."""
    contact = valid_contact(K.CHILD_CASE)
    bad = contact.model_copy(update={"previous_contact_id": contact.id})
    assert [(f.severity, f.field) for f in of_rule(bad, "NAR-SAMEDAY")] == [(BLOCK, "previous_contact_id")]


# --------------------------------------------------------------------------- NAR-PRIVILEGE


def test_nar_privilege_county_counsel_contact_must_begin_with_the_privilege_line() -> None:
    """NAR-PRIVILEGE: a contact with County Counsel begins with the privilege line."""
    base = dict(participant_ids=("p-counsel2",), purposes=("COLLATERAL_INFORMATION",))
    good = f"{PRIVILEGE}\nI spoke to CC Pemberton who advised on the hearing report."
    f = assert_breaks(
        K.COLLATERAL,
        "NAR-PRIVILEGE",
        BLOCK,
        "narrative",
        base={**base, "narrative": good},
        narrative="I spoke to CC Pemberton who advised on the hearing report.",
    )
    assert PRIVILEGE in f.message


def test_nar_privilege_line_must_be_in_capitals() -> None:
    """NAR-PRIVILEGE: the line is in capitals."""
    contact = valid_contact(
        K.COLLATERAL, participant_ids=("p-counsel2",), narrative=PRIVILEGE.title() + "\nAdvice given."
    )
    [f] = of_rule(contact, "NAR-PRIVILEGE")
    assert f.severity is BLOCK and "capitals" in f.message


def test_nar_privilege_legal_consultation_purpose_counts_as_county_counsel() -> None:
    """NAR-PRIVILEGE: the purpose 'Consult with County Counsel' makes the contact privileged too."""
    assert_breaks(K.COLLATERAL, "NAR-PRIVILEGE", BLOCK, "narrative", purposes=("LEGAL_CONSULTATION",))


# --------------------------------------------------------------------------- NAR-RP


def test_nar_rp_reporting_party_name_in_narrative_warns() -> None:
    """NAR-RP: the narrative never identifies the reporting party."""
    f = assert_breaks(
        K.CHILD_REFERRAL,
        "NAR-RP",
        WARN,
        "narrative",
        narrative=NARRATIVE + " Jordan Okafor-Example had called the hotline.",
    )
    assert "Jordan Okafor-Example" in f.message


def test_nar_rp_contact_details_warn_but_family_names_do_not() -> None:
    """NAR-RP: phone numbers, email and address of the reporter are recognised; the family's name is not."""
    for detail in ("555 0199", "(555) 01-99", "J.Okafor@school.example", "400 Example School Rd"):
        contact = valid_contact(K.PARENT_REFERRAL, narrative=f"{NARRATIVE} Call back at {detail}.")
        assert [f.severity for f in of_rule(contact, "NAR-RP")] == [WARN], detail
    family = valid_contact(K.PARENT_REFERRAL, narrative="Dana Brightwater said Maya and Leo were at school.")
    assert of_rule(family, "NAR-RP") == []


def test_reporter_matches_gives_spans_for_highlighting() -> None:
    """NAR-RP: reporter_matches returns the exact spans the wizard highlights."""
    matter = demo_caseload().matter("R-1001")
    assert matter is not None
    text = "Spoke with Jordan at 555-0199 today."
    spans = [(m.start, m.end, text[m.start : m.end]) for m in reporter_matches(text, matter)]
    assert spans == [(11, 17, "Jordan"), (21, 29, "555-0199")]
    assert reporter_matches("Jordan", demo_caseload().matter("C-2001")) == []  # type: ignore[arg-type]


# --------------------------------------------------------------------------- NAR-CONSULT


def test_nar_consult_supervisor_consultation_records_only_the_fixed_sentence() -> None:
    """NAR-CONSULT: a case consultation with the supervisor never records details."""
    tables = load_codetables()
    base = dict(
        **R1001_COLLATERAL,
        participant_ids=("p-pss",),
        purposes=("CASE_CONSULTATION",),
        location="OFFICE",
        narrative=tables.agency.consultation_sentence,
    )
    f = assert_breaks(
        K.COLLATERAL,
        "NAR-CONSULT",
        BLOCK,
        "narrative",
        base=base,
        narrative=tables.agency.consultation_sentence + " We disagreed about removal of Maya.",
    )
    assert tables.agency.consultation_sentence in f.message
    urgent = valid_contact(K.COLLATERAL, **{**base, "narrative": tables.agency.urgent_consultation_sentence})
    assert of_rule(urgent, "NAR-CONSULT") == []


def test_nar_consult_purpose_alone_makes_it_a_consultation() -> None:
    """NAR-CONSULT: the purpose CASE_CONSULTATION is enough to require the fixed sentence."""
    assert_breaks(K.COLLATERAL, "NAR-CONSULT", BLOCK, "narrative", purposes=("CASE_CONSULTATION",))


# --------------------------------------------------------------------------- NAR-STYLE


def test_nar_style_flags_each_term_with_its_suggestion() -> None:
    """NAR-STYLE: labels and judgmental words are flagged, one warning per term, with the suggestion."""
    text = NARRATIVE + " The baby looked healthy. The mother was high. The baby Looked  Healthy again."
    f = assert_breaks(K.CHILD_CASE, "NAR-STYLE", WARN, "narrative", narrative=text)
    got = of_rule(valid_contact(K.CHILD_CASE, narrative=text), "NAR-STYLE")
    assert len(got) == 2
    assert "looked healthy" in f.message and "gained 2 pounds" in f.message


def test_style_matches_prefers_the_longest_term_and_gives_spans() -> None:
    """NAR-STYLE: 'seemed drunk' is one match (not 'seemed' and 'drunk'), with its span."""
    text = "He seemed drunk. She seemed tired."
    matches = style_matches(text, load_codetables())
    assert [(text[m.start : m.end], m.term) for m in matches] == [
        ("seemed drunk", "seemed drunk"),
        ("seemed", "seemed"),
    ]
    assert all(m.suggestion for m in matches)
    assert style_matches("The family has a dirt yard.", load_codetables()) == []


# --------------------------------------------------------------------------- NAR-LE


def test_nar_le_law_enforcement_contact_records_assessment_and_facts() -> None:
    """NAR-LE: contacts with law enforcement record the assessment given and the facts supporting it."""
    le = dict(**R1001_COLLATERAL, participant_ids=("p-officer",))
    full = LawEnforcementAssessment(assessment="No crime found.", supporting_facts="No injuries were seen.")
    f = assert_breaks(
        K.COLLATERAL,
        "NAR-LE",
        WARN,
        "law_enforcement",
        base={**le, "law_enforcement": full},
        law_enforcement=None,
    )
    assert "assessment" in f.message and "facts" in f.message
    half = valid_contact(
        K.COLLATERAL, **le, law_enforcement=LawEnforcementAssessment(assessment="No crime found.")
    )
    [only] = of_rule(half, "NAR-LE")
    assert "facts supporting it" in only.message and "assessment law" not in only.message


# --------------------------------------------------------------------------- NAR-SOP


def test_nar_sop_child_contact_without_sop_components_warns() -> None:
    """NAR-SOP: SOP components used are recorded for child and parent contacts."""
    f = assert_breaks(K.CHILD_CASE, "NAR-SOP", WARN, "sop_components", sop_components=())
    assert "FR" in f.message
    assert of_rule(valid_contact(K.CHILD_CASE, sop_components=(), status="ATTEMPTED"), "NAR-SOP") == []
    assert of_rule(valid_contact(K.SCP_CASE, sop_components=()), "NAR-SOP") == []


def test_nar_sop_component_from_another_programs_checklist_warns() -> None:
    """NAR-SOP: the SDM Hotline Tool is not on the FR checklist."""
    assert_breaks(K.PARENT_CASE, "NAR-SOP", WARN, "sop_components", sop_components=("SDM_HOTLINE",))


def test_nar_sop_unknown_component_blocks() -> None:
    """NAR-SOP: an SOP code the agency does not know is never stored."""
    assert_breaks(K.CHILD_REFERRAL, "NAR-SOP", BLOCK, "sop_components", sop_components=("MIND_READING",))


def test_nar_privilege_county_counsel_among_others_present() -> None:
    """NAR-PRIVILEGE: counsel present at a contact (recorded under others present) makes it privileged too."""
    counsel = (OtherParty(name="CC Pemberton", role="County Counsel"),)
    assert_breaks(K.CHILD_CASE, "NAR-PRIVILEGE", BLOCK, "narrative", others_present=counsel)


def test_nar_le_officer_among_others_present() -> None:
    """NAR-LE: a police officer present at a home visit: record the assessment given and its facts."""
    officer = (OtherParty(name="R. Quade", role="Police officer"),)
    f = assert_breaks(K.CHILD_REFERRAL, "NAR-LE", WARN, "law_enforcement", others_present=officer)
    assert "R. Quade" in f.message
