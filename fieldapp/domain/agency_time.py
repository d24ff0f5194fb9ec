"""Business days and months in the agency's time zone, never UTC.

A contact saved at 23:30 in California is on that Californian day, although it is already tomorrow in UTC;
NAR-SAMEDAY and CMP-TIMELY are judged on the agency's calendar.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo


def business_day(moment: datetime, tz: ZoneInfo) -> date:
    """The agency calendar day a moment falls on.

    The records admit any aware datetime, and year 1 at +14:00 has no day in California: such a moment is
    pinned to the first or last representable day, so rules report a nonsense date instead of crashing.
    """
    try:
        return moment.astimezone(tz).date()
    except OverflowError:
        return date.min if moment.year < 5000 else date.max


def end_of_business_day(day: date, tz: ZoneInfo) -> datetime:
    """The first instant of the next agency day: a draft first saved on `day` is editable strictly before it."""
    next_day = day + timedelta(days=1)
    return datetime(next_day.year, next_day.month, next_day.day, tzinfo=tz)


def month_of(day: date) -> tuple[int, int]:
    return (day.year, day.month)


@lru_cache(maxsize=1024)
def last_day_of_month(year: int, month: int) -> date:
    """Remembered: the monthly measures ask for a month's last day for every person and measure."""
    return date(year, month, calendar.monthrange(year, month)[1])


def add_working_days(day: date, n: int) -> date:
    """`n` working days (Monday-Friday) after `day`; agency holidays are not modelled yet."""
    current = day
    while n > 0:
        current += timedelta(days=1)
        if current.weekday() < 5:
            n -= 1
    return current


def add_months(day: date, n: int) -> date:
    """The same day `n` calendar months later (or earlier), clamped to the month's last day."""
    index = day.year * 12 + (day.month - 1) + n
    year, month = divmod(index, 12)
    if year > date.max.year:
        return date.max  # a date typed as 9999-12-31 must not crash a report
    if year < date.min.year:
        return date.min
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


_MONTH_NAMES = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
"""English month names: the product's sentences are English whatever the machine's locale."""


@dataclass(frozen=True, order=True, slots=True)
class Month:
    """A calendar month of the agency's calendar: the period every monthly measure is judged in."""

    year: int
    month: int

    def __post_init__(self) -> None:
        if not 1 <= self.month <= 12:
            raise ValueError(f"month must be 1-12, not {self.month}")

    @classmethod
    def of(cls, day: date) -> Month:
        return cls(day.year, day.month)

    @classmethod
    def parse(cls, text: str) -> Month:
        """'2026-11' -> Month(2026, 11); the form a server query string or a report picker uses."""
        year, _, month = text.partition("-")
        try:
            return cls(int(year), int(month))
        except ValueError as exc:
            raise ValueError(f"a month is written YYYY-MM, e.g. 2026-11, not {text!r}") from exc

    @property
    def first(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def last(self) -> date:
        return last_day_of_month(self.year, self.month)

    @property
    def name(self) -> str:
        """'November' (for sentences like "Counts as November's monthly visit")."""
        return _MONTH_NAMES[self.month - 1]

    @property
    def label(self) -> str:
        return f"{self.name} {self.year}"

    def plus(self, n: int) -> Month:
        return Month.of(add_months(self.first, n))

    def contains(self, day: date) -> bool:
        return self.first <= day <= self.last

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"
