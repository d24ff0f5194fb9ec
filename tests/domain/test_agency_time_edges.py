"""business_day at the calendar's edges: the schema admits them, so no rule may crash on them."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from fieldapp.domain.agency_time import business_day

LA = ZoneInfo("America/Los_Angeles")


def test_business_day_pins_moments_with_no_agency_day() -> None:
    assert business_day(datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=14))), LA) == date.min
    assert business_day(datetime(9999, 12, 31, 23, tzinfo=timezone(timedelta(hours=-12))), LA) == date.max


def test_business_day_is_the_agency_day_at_2330_local() -> None:
    late = datetime(2026, 11, 23, 23, 30, tzinfo=LA)
    assert late.astimezone(UTC).date() == date(2026, 11, 24)
    assert business_day(late, LA) == date(2026, 11, 23)
