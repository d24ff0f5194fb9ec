"""Business days and months in the agency's time zone, never UTC.

A contact saved at 23:30 in California is on that Californian day, although it is already tomorrow in UTC;
NAR-SAMEDAY and CMP-TIMELY are judged on the agency's calendar.
"""

from __future__ import annotations

import calendar
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo


def business_day(moment: datetime, tz: ZoneInfo) -> date:
    """The agency calendar day a moment falls on."""
    return moment.astimezone(tz).date()


def end_of_business_day(day: date, tz: ZoneInfo) -> datetime:
    """The first instant of the next agency day: a draft first saved on `day` is editable strictly before it."""
    next_day = day + timedelta(days=1)
    return datetime(next_day.year, next_day.month, next_day.day, tzinfo=tz)


def same_business_day(a: datetime, b: datetime, tz: ZoneInfo) -> bool:
    return business_day(a, tz) == business_day(b, tz)


def month_of(day: date) -> tuple[int, int]:
    return (day.year, day.month)


def last_day_of_month(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def months_between(start: date, end: date) -> list[tuple[int, int]]:
    """Calendar months from start's month to end's month, inclusive."""
    months = []
    y, m = start.year, start.month
    while (y, m) <= (end.year, end.month):
        months.append((y, m))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return months


def add_working_days(day: date, n: int) -> date:
    """`n` working days (Monday-Friday) after `day`; agency holidays are not modelled yet."""
    current = day
    while n > 0:
        current += timedelta(days=1)
        if current.weekday() < 5:
            n -= 1
    return current
