"""Calendar months of the agency: the period every monthly measure is judged in."""

from __future__ import annotations

from datetime import date

import pytest

from fieldapp.domain.agency_time import Month, add_months


def test_month_arithmetic_and_labels() -> None:
    nov = Month.parse("2026-11")
    assert (nov.first, nov.last, nov.label, str(nov)) == (
        date(2026, 11, 1),
        date(2026, 11, 30),
        "November 2026",
        "2026-11",
    )
    assert nov.plus(2) == Month(2027, 1) and nov.plus(-11) == Month(2025, 12)
    assert Month(2028, 2).last == date(2028, 2, 29)
    assert nov.contains(date(2026, 11, 30)) and not nov.contains(date(2026, 12, 1))
    with pytest.raises(ValueError, match="YYYY-MM"):
        Month.parse("November")
    with pytest.raises(ValueError):
        Month(2026, 13)


def test_add_months_clamps_to_the_month_end_and_the_calendar_ends() -> None:
    """CLS-CASEPLAN's six-month approval age: 31 Aug + 6 months is 28 Feb."""
    assert add_months(date(2026, 8, 31), 6) == date(2027, 2, 28)
    assert add_months(date(2026, 3, 20), -3) == date(2025, 12, 20)
    assert add_months(date(9999, 12, 1), 6) == date.max
