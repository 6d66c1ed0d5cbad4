"""Calendar arithmetic shared by the deadline and validity rules."""

from __future__ import annotations

import calendar
import datetime as dt


def month_end(year: int, month: int) -> dt.date:
    """The last day of a month."""
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later, clamped to the month's last day (31/01 + 1 → 28/02 or 29/02)."""
    year, month0 = divmod(day.year * 12 + day.month - 1 + months, 12)
    last = month_end(year, month0 + 1)
    return last if day.day > last.day else last.replace(day=day.day)


def quarter_end(day: dt.date) -> dt.date:
    """The last day of the calendar quarter holding `day` (31/03, 30/06, 30/09 or 31/12)."""
    return month_end(day.year, (day.month - 1) // 3 * 3 + 3)


def french(day: dt.date) -> str:
    """dd/mm/yyyy, the way the portal and its users write dates."""
    return day.strftime("%d/%m/%Y")
