"""The monthly compliance measures of RULES.md section 5, computed from a caseload and its final contacts.

    report = evaluate_month(caseload, contacts, Month(2026, 11), tables=tables, now=now)

A contact counts toward a measure exactly when its "counts toward" verdict (fieldapp.domain.rules.counting)
says so, judged as of the moment it was final-saved: the worker saw that verdict on the review page, and a
later change of clock must not turn a good visit bad. Measures that are not about one contact's selections
(CMP-MVR, CMP-PLACEMENT-5, CMP-ASSIGN-10, CMP-CLOSE-30) use "seen": a participant in a Completed,
In-Person contact with no block finding. Days and months are the agency's (agency_time), never UTC.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from fieldapp.domain.agency_time import Month, add_working_days, business_day
from fieldapp.domain.caseplans import (
    PlanCoverage,
    describe_exceptions,
    icpc_only_scp,
    month_coverage,
    plan_in_force,
    schedule_exceptions,
    sw_plan_contact_missing,
)
from fieldapp.domain.codetables import CodeTables
from fieldapp.domain.compliance.judgments import JudgmentMemo, judge
from fieldapp.domain.compliance.model import ContactActivity, MeasureResult, MeasureStatus, MonthReport
from fieldapp.domain.findings import CountVerdict
from fieldapp.domain.records import (
    Case,
    Caseload,
    Contact,
    ContactKind,
    Matter,
    Person,
    PersonRole,
    Referral,
    people_with_role,
)
from fieldapp.domain.rules import counting as cnt


def _fmt(day: date) -> str:
    return f"{day.day} {day:%b %Y}"


_NUMBERS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")


def _count(n: int, unit: str) -> str:
    """'one day', 'seven months', '12 days': small numbers in words, as a sentence says them."""
    word = _NUMBERS[n] if 0 <= n < len(_NUMBERS) else str(n)
    return f"{word} {unit}" if n == 1 else f"{word} {unit}s"


def _late(day: date, deadline: date) -> str:
    return f"{_count((day - deadline).days, 'day')} late"


def _months_between(earlier: date, later: date) -> int:
    """Calendar months from `earlier`'s month to `later`'s (April to November: seven)."""
    return (later.year - earlier.year) * 12 + later.month - earlier.month


def _days(contacts: Sequence[tuple[date, Contact]]) -> str:
    return ", ".join(_fmt(d) for d in sorted({d for d, _ in contacts}))


class ContactIndex:
    """The final contacts of a caseload, each judged at most once: what it counts toward, and who was seen.

    A contact is judged (block findings of the rules engine, then its counts-toward verdicts, as of its
    final save) only when a measure first asks about a window that holds it: a month's report looks back
    twelve months for a child's visits at home but only at the month itself for most measures, so most old
    contacts are never judged. One index serves every month a caller builds (`build_report`), and a
    contact judged for one month is not judged again for the next. A caller that evaluates the same
    caseload again later may keep the judgments in a `JudgmentMemo`.
    """

    def __init__(
        self,
        caseload: Caseload,
        contacts: Iterable[Contact],
        tables: CodeTables,
        now: datetime,
        memo: JudgmentMemo | None = None,
    ):
        self.caseload = caseload
        self.tables = tables
        self.tz = tables.agency.time_zone
        self.now = now
        self.today = business_day(now, self.tz)
        self.matters: dict[str, Matter] = {}
        known: list[Matter] = [*caseload.referrals, *caseload.cases]
        for each in known:
            self.matters.setdefault(each.id, each)  # the first of an ID, as Caseload.matter finds it
        self.all: list[tuple[date, Contact]] = []
        """Every contact with a start in a known referral or case, drafts included (CMP-TIMELY), with
        its agency day."""
        self.final: list[tuple[date, Contact]] = []
        """Final contacts (final-saved by `now`) with their agency day, in the order given."""
        self._about: dict[tuple[str, str], list[tuple[date, Contact]]] = defaultdict(list)
        """(matter, person) -> the final contacts the person took part in, by day."""
        self._unjudged: set[str] = set()
        self._counted: dict[tuple[str, str, str], list[tuple[date, Contact]]] = defaultdict(list)
        self._seen: dict[tuple[str, str], list[tuple[date, Contact]]] = defaultdict(list)
        self._refused: dict[tuple[str, str, str], list[tuple[date, Contact, CountVerdict]]] = defaultdict(
            list
        )
        self._clean: set[str] = set()
        self._judged = None if memo is None else memo.judgments_for(caseload, tables)
        now_ts = now.timestamp()  # see review.final_by: epoch times compare without UTC offsets
        for contact in contacts:
            matter = self.matters.get(contact.context_id)
            if matter is None or contact.started_at is None:
                continue
            entry = (business_day(contact.started_at, self.tz), contact)
            self.all.append(entry)
            if contact.finalized_at is None or contact.finalized_at.timestamp() > now_ts:
                continue
            self.final.append(entry)
            for person_id in dict.fromkeys(contact.participant_ids):
                self._about[(matter.id, person_id)].append(entry)
            self._unjudged.add(contact.id)
        for entries in self._about.values():
            entries.sort(key=lambda e: e[0])

    def _judge_window(self, matter_id: str, person_id: str, start: date, end: date) -> None:
        """Judge the person's final contacts of [start, end] that no earlier question needed.

        A contact counts toward a measure for a person, or shows them seen, only if the person is one of
        its participants (an on-behalf-of child who was not seen gets a verdict saying so), so no other
        contact can change the answer.
        """
        entries = self._about.get((matter_id, person_id))
        if not entries or not self._unjudged:
            return
        lo = bisect_left(entries, start, key=lambda e: e[0])
        hi = bisect_right(entries, end, key=lambda e: e[0])
        for day, contact in entries[lo:hi]:
            if contact.id in self._unjudged:
                self._unjudged.discard(contact.id)
                self._judge(day, contact)

    def _judge(self, day: date, contact: Contact) -> None:
        judged = self._judged
        known = None if judged is None else judged.get(contact.id)
        if known is not None and known[0] is contact:
            judgment = known[1]
        else:
            judgment = judge(contact, self.caseload, self.matters[contact.context_id], self.tables)
            if judged is not None:
                judged[contact.id] = (contact, judgment)
        self.file(day, contact, judgment.verdicts, clean=judgment.clean)

    def file(self, day: date, contact: Contact, verdicts: Iterable[CountVerdict], *, clean: bool) -> None:
        """Record a judged contact: what it counts toward, what it was refused for a person it was with
        (so a measure can say what happened), and, when nothing blocks it, who it shows seen."""
        matter_id = contact.context_id
        for verdict in verdicts:
            if verdict.person_id is None:
                continue
            key = (matter_id, verdict.measure_id, verdict.person_id)
            if verdict.counts:
                self._counted[key].append((day, contact))
            elif verdict.person_id in contact.participant_ids:
                self._refused[key].append((day, contact, verdict))
        if not clean:
            return
        self._clean.add(contact.id)
        method = self.tables.methods.get(contact.method or "")
        if contact.status == cnt.COMPLETED and method is not None and method.in_person:
            for person_id in contact.participant_ids:
                self._seen[(matter_id, person_id)].append((day, contact))

    def refused_in(
        self, matter_id: str, measure_id: str, person_id: str, start: date, end: date
    ) -> list[tuple[date, Contact, CountVerdict]]:
        """Contacts of [start, end] with `person_id` that do not count toward `measure_id`, and why."""
        self._judge_window(matter_id, person_id, start, end)
        found = self._refused.get((matter_id, measure_id, person_id), [])
        return sorted(((d, c, v) for d, c, v in found if start <= d <= end), key=lambda e: (e[0], e[1].id))

    def counted_in(
        self, matter_id: str, measure_id: str, person_id: str, start: date, end: date
    ) -> list[tuple[date, Contact]]:
        """Contacts of [start, end] that count toward `measure_id` for `person_id`, by day."""
        self._judge_window(matter_id, person_id, start, end)
        found = self._counted.get((matter_id, measure_id, person_id), [])
        return sorted(((d, c) for d, c in found if start <= d <= end), key=lambda e: e[0])

    def seen_in(self, matter_id: str, person_id: str, start: date, end: date) -> list[tuple[date, Contact]]:
        """Clean, Completed, In-Person contacts of [start, end] `person_id` took part in, by day."""
        self._judge_window(matter_id, person_id, start, end)
        found = self._seen.get((matter_id, person_id), [])
        return sorted(((d, c) for d, c in found if start <= d <= end), key=lambda e: e[0])

    def is_clean(self, day: date, contact: Contact) -> bool:
        """Whether a final contact has no block finding (judging it if nothing asked before)."""
        if contact.id in self._unjudged:
            self._unjudged.discard(contact.id)
            self._judge(day, contact)
        return contact.id in self._clean


def _open_in(matter: Matter, start: date, end: date) -> bool:
    ends = matter.ends_on
    return matter.start_date <= end and (ends is None or ends >= start)


def _ids(found: Sequence[tuple[date, Contact]]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(c.id for _, c in sorted(found, key=lambda x: (x[0], x[1].id))))


class _Builder:
    """Makes the MeasureResults of one month; one method per measure."""

    def __init__(self, index: ContactIndex, month: Month):
        self.ix = index
        self.month = month
        self.today = index.today

    def _timed(self, due_by: date | None) -> MeasureStatus:
        return MeasureStatus.DUE if due_by is None or due_by >= self.today else MeasureStatus.MISSED

    def _result(self, measure_id: str, matter: Matter, person: Person | None, **kw: Any) -> MeasureResult:
        return MeasureResult(
            measure_id=measure_id,
            matter_id=matter.id,
            worker_id=matter.primary_worker_id,
            person_id=person.id if person else None,
            person_name=person.full_name if person else f"{matter.name} family",
            **kw,
        )

    # ------------------------------------------------------------------ referrals

    def referral(self, referral: Referral) -> Iterator[MeasureResult]:
        period_start = referral.start_date
        period_end = min(referral.closed_on or self.month.last, self.month.last)
        closed = referral.closed_on is not None and referral.closed_on < self.today
        for measure_id, people, need in (
            (
                cnt.REF_CHILD,
                [p for p in people_with_role(referral, PersonRole.CHILD) if p.named_in_allegation],
                "still needs a Completed, In-Person contact with the purpose 'Investigate Referral' "
                "as a participant",
            ),
            (
                cnt.REF_PERP,
                [p for p in people_with_role(referral, PersonRole.ALLEGED_PERPETRATOR) if p.caci_listing],
                "(alleged perpetrator, to be listed on CACI) must be a participant in a Completed contact",
            ),
        ):
            for person in people:
                found = self.ix.counted_in(
                    referral.id, measure_id, person.id, referral.start_date, self.today
                )
                if found:
                    yield self._result(
                        measure_id,
                        referral,
                        person,
                        period_start=period_start,
                        period_end=period_end,
                        status=MeasureStatus.MET,
                        detail=f"{person.full_name} was seen on {_days(found)}.",
                        contact_ids=_ids(found),
                        window="referral",
                    )
                else:
                    status = MeasureStatus.MISSED if closed else MeasureStatus.DUE
                    tail = (
                        f" (the referral closed on {_fmt(referral.closed_on)})"
                        if closed and referral.closed_on
                        else ""
                    )
                    yield self._result(
                        measure_id,
                        referral,
                        person,
                        period_start=period_start,
                        period_end=period_end,
                        status=status,
                        detail=f"{person.full_name} {need}{tail}.",
                        due_by=referral.closed_on,
                        window="referral",
                    )

    # ------------------------------------------------------------------ cases, monthly

    def case(self, case: Case, coverage: PlanCoverage | None) -> Iterator[MeasureResult]:
        """The case's measures; `coverage` is CLS-CASEPLAN for the month, None when the case is not open."""
        month = self.month
        if coverage is not None:
            due_by = min(month.last, case.ends_on or month.last)
            for child in people_with_role(case, PersonRole.CHILD):
                yield self._monthly(
                    case, child, cnt.CHILD_MONTH, due_by, coverage.problems, coverage.fully_uncovered
                )
                yield from self._residence(case, child, due_by)
            for parent in people_with_role(case, PersonRole.PARENT):
                yield self._monthly(
                    case, parent, cnt.PARENT_MONTH, due_by, coverage.problems, coverage.fully_uncovered
                )
            for scp in people_with_role(case, PersonRole.SCP):
                yield self._monthly(
                    case, scp, cnt.SCP_MONTH, due_by, coverage.problems, coverage.fully_uncovered
                )
                yield self._scp_6month(case, scp, due_by)
            yield from self._mvr(case)
        yield from self._placements(case)
        yield from self._assign_10(case)
        yield from self._close_30(case)

    def _exempt(self, case: Case, person: Person, measure_id: str, start: date, end: date) -> str | None:
        excs = schedule_exceptions(case, person.id, start, end)
        if excs:
            return describe_exceptions(excs)
        if measure_id in (cnt.SCP_MONTH, cnt.SCP_6MONTH) and icpc_only_scp(case, person.id):
            return "cares for a child placed through ICPC; the receiving state makes the visits"
        return None

    def _monthly(
        self,
        case: Case,
        person: Person,
        measure_id: str,
        due_by: date,
        plan_problems: tuple[str, ...],
        uncovered: bool,
    ) -> MeasureResult:
        month = self.month
        what = (
            "monthly contact (in person, written or by telephone)"
            if measure_id == cnt.SCP_MONTH
            else "monthly visit"
        )
        base = dict(period_start=month.first, period_end=month.last)
        why = self._exempt(case, person, measure_id, month.first, month.last)
        if why is not None:
            return self._result(
                measure_id,
                case,
                person,
                **base,
                status=MeasureStatus.EXEMPT,
                detail=f"No {what} is required for {person.full_name} in {month.name}: {why}.",
                reason_rule_id="CLS-SCHEDULE",
            )
        found = self.ix.counted_in(case.id, measure_id, person.id, month.first, month.last)
        if found:
            return self._result(
                measure_id,
                case,
                person,
                **base,
                status=MeasureStatus.MET,
                detail=f"{person.full_name}: {month.name}'s {what} made on {_days(found)}.",
                contact_ids=_ids(found),
                due_by=due_by,
            )
        tried = self.ix.refused_in(case.id, measure_id, person.id, month.first, month.last)
        planless = [(d, v) for d, _, v in tried if v.blocking_rule_id == "CLS-CASEPLAN"]
        if planless:  # the visit happened: the case plan is what is missing
            days = ", ".join(_fmt(d) for d in sorted({d for d, _ in planless}))
            met_with = "contacted" if measure_id == cnt.SCP_MONTH else "visited"
            return self._result(
                measure_id,
                case,
                person,
                **base,
                status=self._timed(due_by),
                detail=(
                    f"{person.full_name} was {met_with} on {days}, but it does not count as {month.name}'s "
                    f"{what} while the case plan is missing: "
                    + (" ".join(plan_problems) if plan_problems else planless[0][1].reason)
                ),
                due_by=due_by,
                reason_rule_id="CLS-CASEPLAN",
                contact_ids=tuple(
                    dict.fromkeys(c.id for _, c, v in tried if v.blocking_rule_id == "CLS-CASEPLAN")
                ),
            )
        detail = f"{person.full_name} still needs {month.name}'s {what}."
        if tried:
            day, _, refusal = tried[0]
            more = f" (and {len(tried) - 1} more)" if len(tried) > 1 else ""
            detail += f" The contact of {_fmt(day)}{more} does not count: {refusal.reason}"
        reason = None
        if plan_problems:
            reason = "CLS-CASEPLAN"
            effect = "no visit this month can count" if uncovered else "visits on those days do not count"
            detail += " " + " ".join(plan_problems) + f" Until then {effect}."
        setup = sw_plan_contact_missing(case, person.id, due_by)
        if setup is not None:
            reason = "CLS-CASEPLAN"
            detail += (
                " " + setup.replace("this person", person.full_name) + " Until it is, visits do not count."
            )
        return self._result(
            measure_id,
            case,
            person,
            **base,
            status=self._timed(due_by),
            detail=detail,
            due_by=due_by,
            reason_rule_id=reason,
        )

    def _residence(self, case: Case, child: Person, due_by: date) -> Iterator[MeasureResult]:
        month = self.month
        residence = self.ix.tables.child_residence_locations
        for start_month, label in ((month, month.name), (month.plus(-11), "the last 12 months")):
            start = start_month.first
            window = "month" if start_month == month else "last_12_months"
            why = (
                self._exempt(case, child, cnt.RESIDENCE, month.first, month.last)
                if start_month == month
                else None
            )
            if why is not None:
                yield self._result(
                    cnt.RESIDENCE,
                    case,
                    child,
                    period_start=start,
                    period_end=month.last,
                    status=MeasureStatus.EXEMPT,
                    detail=f"No visits are required for {child.full_name} in {month.name}: {why}.",
                    reason_rule_id="CLS-SCHEDULE",
                    window=window,
                )
                continue
            visits = self.ix.counted_in(case.id, cnt.CHILD_MONTH, child.id, start, month.last)
            home = [(d, c) for d, c in visits if c.location in residence]
            n, k = len(_ids(visits)), len(_ids(home))
            if n == 0:
                status = MeasureStatus.NOT_APPLICABLE
                detail = f"{child.full_name} has no counted visits in {label} yet."
            elif 2 * k > n:
                status = MeasureStatus.MET
                detail = (
                    f"{k} of {child.full_name}'s {n} counted visits in {label} were in the child's residence."
                )
            else:
                status = self._timed(due_by)
                detail = (
                    f"Only {k} of {child.full_name}'s {n} counted visits in {label} were in the child's "
                    "residence; more than half must be."
                )
            yield self._result(
                cnt.RESIDENCE,
                case,
                child,
                period_start=start,
                period_end=month.last,
                status=status,
                detail=detail,
                due_by=due_by,
                contact_ids=_ids(visits),
                numerator=k,
                denominator=n,
                window=window,
            )

    def _scp_in_person_exempt(self, case: Case, scp: Person, base: dict[str, Any]) -> MeasureResult | None:
        """CMP-SCP-6MONTH exempt over the window of `base` (CLS-SCHEDULE), or None when a visit is due."""
        why = self._exempt(case, scp, cnt.SCP_6MONTH, base["period_start"], base["period_end"])
        if why is None:
            return None
        return self._result(
            cnt.SCP_6MONTH,
            case,
            scp,
            **base,
            status=MeasureStatus.EXEMPT,
            detail=f"No in-person visit is required of {scp.full_name}: {why}.",
            reason_rule_id="CLS-SCHEDULE",
        )

    def _scp_6month(self, case: Case, scp: Person, due_by: date) -> MeasureResult:
        month = self.month
        plan = plan_in_force(case, due_by)
        if plan is not None and plan.scp_in_person_visits_per_month is not None:
            return self._scp_per_month(case, scp, due_by, plan.scp_in_person_visits_per_month)
        every = plan.scp_in_person_every_months if plan else 6
        window_start = max(month.plus(-(every - 1)).first, case.start_date)
        base: dict[str, Any] = dict(period_start=window_start, period_end=month.last, window="period")
        exempt = self._scp_in_person_exempt(case, scp, base)
        if exempt is not None:
            return exempt
        found = self.ix.counted_in(case.id, cnt.SCP_6MONTH, scp.id, window_start, month.last)
        if found:
            last = max(d for d, _ in found)
            next_by = Month.of(last).plus(every).last
            return self._result(
                cnt.SCP_6MONTH,
                case,
                scp,
                **base,
                status=MeasureStatus.MET,
                detail=(
                    f"{scp.full_name} was visited in person on {_fmt(last)} (needed at least every {every} "
                    f"months); the next visit is needed by {_fmt(next_by)}."
                ),
                contact_ids=_ids(found),
                due_by=next_by,
            )
        first_due = Month.of(case.start_date).plus(every - 1).last
        needed_by = max(due_by, first_due)
        earlier = self.ix.counted_in(
            case.id, cnt.SCP_6MONTH, scp.id, case.start_date, window_start - timedelta(days=1)
        )
        as_of = min(self.today, month.last)
        if earlier:  # say how long it has been, not only this window's deadline
            last = max(d for d, _ in earlier)
            since = (
                f"{scp.full_name} was last visited in person on {_fmt(last)}, "
                f"{_count(_months_between(last, as_of), 'month')} ago"
            )
        else:
            since = (
                f"{scp.full_name} has not been visited in person since the case began on "
                f"{_fmt(case.start_date)} ({_count(_months_between(case.start_date, as_of), 'month')})"
            )
        return self._result(
            cnt.SCP_6MONTH,
            case,
            scp,
            **base,
            status=self._timed(needed_by),
            detail=f"{since}; a visit is needed at least every {every} months, by {_fmt(needed_by)}.",
            due_by=needed_by,
            contact_ids=_ids(earlier[-1:]) if earlier else (),
        )

    def _scp_per_month(self, case: Case, scp: Person, due_by: date, needed: int) -> MeasureResult:
        """A case plan that sets in-person SCP visits more often than monthly (000: 'as determined in the
        child's case plan'): `needed` visits in the calendar month."""
        month = self.month
        base: dict[str, Any] = dict(period_start=month.first, period_end=month.last, window="period")
        exempt = self._scp_in_person_exempt(case, scp, base)
        if exempt is not None:
            return exempt
        found = self.ix.counted_in(case.id, cnt.SCP_6MONTH, scp.id, month.first, month.last)
        ids = _ids(found)
        made = f"{len(ids)} of {needed}" + (f" (on {_days(found)})" if found else "")
        if len(ids) >= needed:
            status = MeasureStatus.MET
            detail = (
                f"{scp.full_name} was visited in person {len(ids)} times in {month.name} (the case plan sets "
                f"{needed} a month): {_days(found)}."
            )
        else:
            status = self._timed(due_by)
            detail = (
                f"{scp.full_name} needs {needed} in-person visits in {month.name}, as the case plan sets; "
                f"{made} made, by {_fmt(due_by)}."
            )
        return self._result(
            cnt.SCP_6MONTH,
            case,
            scp,
            **base,
            status=status,
            detail=detail,
            due_by=due_by,
            contact_ids=ids,
            numerator=len(ids),
            denominator=needed,
        )

    # ------------------------------------------------------------------ cases, event driven

    def _case_visits(self, case: Case, start: date, end: date) -> list[tuple[date, Contact]]:
        """In-person, Completed, clean child or parent contacts of the case (CMP-MVR visits)."""
        kinds = (ContactKind.CHILD_CASE, ContactKind.PARENT_CASE)
        out: dict[str, tuple[date, Contact]] = {}
        for person in case.people:
            for d, c in self.ix.seen_in(case.id, person.id, start, end):
                if c.kind in kinds:
                    out[c.id] = (d, c)
        return sorted(out.values(), key=lambda x: (x[0], x[1].id))

    def _mvr(self, case: Case) -> Iterator[MeasureResult]:
        req = case.visitation_requirement
        if req is None:
            return
        month = self.month
        period = timedelta(days=req.period_days)
        start = req.set_on + period * max(0, (month.first - req.set_on).days // req.period_days)
        while start <= month.last:
            end = start + period - timedelta(days=1)
            if end >= month.first and _open_in(case, start, end):
                visits = self._case_visits(case, start, end)
                n = len(visits)
                span = f"{_fmt(start)} to {_fmt(end)}"
                if n >= req.in_person_visits:
                    status, detail = (
                        MeasureStatus.MET,
                        f"{n} in-person visits in {span} (required: {req.in_person_visits}).",
                    )
                else:
                    status = self._timed(end)
                    missing = req.in_person_visits - n
                    detail = (
                        f"{missing} more in-person {'visit' if missing == 1 else 'visits'} needed in {span} "
                        f"({n} of {req.in_person_visits}, {req.risk_level.replace('_', ' ')} risk)."
                    )
                yield self._result(
                    "CMP-MVR",
                    case,
                    None,
                    period_start=start,
                    period_end=end,
                    status=status,
                    detail=detail,
                    due_by=end,
                    contact_ids=_ids(visits),
                    numerator=n,
                    denominator=req.in_person_visits,
                    window="period",
                )
            start = end + timedelta(days=1)

    def _deadline_for_people(
        self,
        measure_id: str,
        case: Case,
        people: Sequence[Person],
        start: date,
        deadline: date,
        event: str,
    ) -> Iterator[MeasureResult]:
        """A person must be seen in [start, deadline]; reported in every month that window touches."""
        month = self.month
        if deadline < month.first or start > month.last:
            return
        for person in people:
            base: dict[str, Any] = dict(
                period_start=start, period_end=deadline, due_by=deadline, window="deadline"
            )
            why = self._exempt(case, person, measure_id, start, deadline)
            if why is not None:
                yield self._result(
                    measure_id,
                    case,
                    person,
                    **base,
                    status=MeasureStatus.EXEMPT,
                    detail=f"{person.full_name} need not be seen {event}: {why}.",
                    reason_rule_id="CLS-SCHEDULE",
                )
                continue
            found = self.ix.seen_in(case.id, person.id, start, deadline)
            if found:
                yield self._result(
                    measure_id,
                    case,
                    person,
                    **base,
                    status=MeasureStatus.MET,
                    detail=f"{person.full_name} was seen {event} on {_days(found)}.",
                    contact_ids=_ids(found),
                )
            elif deadline >= self.today:
                yield self._result(
                    measure_id,
                    case,
                    person,
                    **base,
                    status=MeasureStatus.DUE,
                    detail=f"{person.full_name} must be seen in person {event}, by {_fmt(deadline)}.",
                )
            else:  # say what happened after the deadline, not only what was required
                later = self.ix.seen_in(case.id, person.id, deadline + timedelta(days=1), self.today)
                if later:
                    first = later[0][0]
                    detail = (
                        f"{person.full_name} was seen on {_fmt(first)}, {_late(first, deadline)} (needed "
                        f"{event}, by {_fmt(deadline)})."
                    )
                else:
                    detail = (
                        f"{person.full_name} has not been seen in person since the deadline: needed {event}, "
                        f"by {_fmt(deadline)} ({_count((self.today - deadline).days, 'day')} ago)."
                    )
                yield self._result(
                    measure_id,
                    case,
                    person,
                    **base,
                    status=MeasureStatus.MISSED,
                    detail=detail,
                    contact_ids=_ids(later[:1]),
                )

    def _placements(self, case: Case) -> Iterator[MeasureResult]:
        for placement in case.placements:
            child = next((p for p in case.people if p.id == placement.child_id), None)
            if child is None:
                continue
            deadline = placement.placed_on + timedelta(days=5)
            if placement.icpc and self.month.first <= deadline and placement.placed_on <= self.month.last:
                yield self._result(
                    "CMP-PLACEMENT-5",
                    case,
                    child,
                    period_start=placement.placed_on,
                    period_end=deadline,
                    due_by=deadline,
                    status=MeasureStatus.EXEMPT,
                    detail=f"{child.full_name} was placed through ICPC; the receiving state makes the visit.",
                    reason_rule_id="CLS-SCHEDULE",
                    window="deadline",
                )
                continue
            yield from self._deadline_for_people(
                "CMP-PLACEMENT-5",
                case,
                [child],
                placement.placed_on,
                deadline,
                f"within 5 days of placement on {_fmt(placement.placed_on)}",
            )

    def _family(self, case: Case) -> list[Person]:
        return [p for p in case.people if p.has_role(PersonRole.CHILD) or p.has_role(PersonRole.PARENT)]

    def _assign_10(self, case: Case) -> Iterator[MeasureResult]:
        if case.assigned_on is None:
            return
        deadline = add_working_days(case.assigned_on, 10)
        yield from self._deadline_for_people(
            "CMP-ASSIGN-10",
            case,
            self._family(case),
            case.assigned_on,
            deadline,
            f"within 10 working days of assignment on {_fmt(case.assigned_on)}",
        )

    def _close_30(self, case: Case) -> Iterator[MeasureResult]:
        closing = case.closed_on or case.planned_closure_on
        if closing is None:
            return
        yield from self._deadline_for_people(
            "CMP-CLOSE-30",
            case,
            self._family(case),
            closing - timedelta(days=30),
            closing,
            f"within the 30 days before the case closes on {_fmt(closing)}",
        )

    # ------------------------------------------------------------------ timely entry

    def timely(self) -> Iterator[MeasureResult]:
        month = self.month
        tz = self.ix.tz
        first, last = month.first, month.last
        for day, contact in self.ix.all:
            if not first <= day <= last:
                continue
            matter = self.ix.matters[contact.context_id]
            who = (
                ", ".join(
                    p.full_name for pid in contact.participant_ids for p in matter.people if p.id == pid
                )
                or self.ix.tables.kinds[contact.kind].label
            )
            final = (
                contact.finalized_at if contact.finalized_at and contact.finalized_at <= self.ix.now else None
            )
            saved = business_day(final, tz) if final is not None else None
            if saved is not None and saved <= month.last:
                status = MeasureStatus.MET
                detail = f"Contact of {_fmt(day)} with {who} final-saved on {_fmt(saved)}."
            elif saved is not None:
                status = MeasureStatus.MISSED
                detail = (
                    f"Contact of {_fmt(day)} with {who} was final-saved on {_fmt(saved)}, after "
                    f"{_fmt(month.last)}."
                )
            else:
                status = self._timed(month.last)
                detail = (
                    f"Contact of {_fmt(day)} with {who} is not final-saved; it must be by {_fmt(month.last)}."
                )
            yield MeasureResult(
                measure_id="CMP-TIMELY",
                matter_id=matter.id,
                worker_id=contact.staff_person_id or matter.primary_worker_id,
                person_id=None,
                person_name=who,
                period_start=day,
                period_end=month.last,
                status=status,
                detail=detail,
                due_by=month.last,
                contact_ids=(contact.id,),
                window="contact",
            )


def _activity(index: ContactIndex, month: Month) -> tuple[ContactActivity, ...]:
    out = []
    first, last = month.first, month.last
    for day, contact in index.final:
        if not first <= day <= last:
            continue
        matter = index.matters[contact.context_id]
        method = index.tables.methods.get(contact.method or "")
        out.append(
            ContactActivity(
                contact_id=contact.id,
                matter_id=matter.id,
                context=matter.context,
                kind=contact.kind.value,
                staff_person_id=contact.staff_person_id or matter.primary_worker_id,
                day=day,
                completed=contact.status == cnt.COMPLETED and index.is_clean(day, contact),
                in_person=method is not None and method.in_person,
            )
        )
    return tuple(out)


def evaluate_month(
    caseload: Caseload,
    contacts: Iterable[Contact],
    month: Month,
    *,
    tables: CodeTables,
    now: datetime,
    memo: JudgmentMemo | None = None,
) -> MonthReport:
    """Every measure of section 5 for the caseload's referrals and cases in `month`, as of `now`.

    `contacts` may include drafts (they matter to CMP-TIMELY); only final contacts (finalized_at set and
    not after `now`) ever count. `memo`: see `evaluate_months`.
    """
    index = ContactIndex(caseload, contacts, tables, now, memo)
    return build_report(index, month)


def evaluate_months(
    caseload: Caseload,
    contacts: Iterable[Contact],
    months: Iterable[Month],
    *,
    tables: CodeTables,
    now: datetime,
    memo: JudgmentMemo | None = None,
) -> list[MonthReport]:
    """`evaluate_month` for several months over one index: a contact two months need is judged once,
    and not at all when `memo` holds its judgment under the same caseload and tables."""
    index = ContactIndex(caseload, contacts, tables, now, memo)
    return [build_report(index, month) for month in months]


def build_report(index: ContactIndex, month: Month) -> MonthReport:
    """The month's report from an index already built (a 12-month report reuses one index)."""
    builder = _Builder(index, month)
    results: list[MeasureResult] = []
    for referral in index.caseload.referrals:
        if _open_in(referral, month.first, month.last):
            results.extend(builder.referral(referral))
    coverage = []
    for case in index.caseload.cases:
        covered = month_coverage(case, month) if _open_in(case, month.first, month.last) else None
        results.extend(builder.case(case, covered))
        if covered is not None:
            coverage.append(covered)
    results.extend(builder.timely())
    return MonthReport(
        month=month,
        as_of=index.today,
        measures=tuple(results),
        plan_coverage=tuple(coverage),
        activity=_activity(index, month),
    )
