"""UK time: the site's one clock, forms and pages in Europe/London, the database in naive UTC.

``utcnow()`` is the only clock; ``uk_time``/``uk_date`` are the only date formatters (Babel, en_GB,
Europe/London), named styles rather than strftime patterns so that every page says a date the same way.
"""
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_datetime

from copractice.errors import Refused

LONDON = ZoneInfo("Europe/London")


class NoSuchLocalTime(Refused, ValueError):
    """A wall-clock time that does not exist in the UK (skipped when the clocks go forward)."""


def london_to_utc(local):
    """Convert a naive Europe/London wall-clock time to naive UTC.

    A time in the hour the clocks go forward does not exist and raises NoSuchLocalTime; a time
    in the repeated hour when they go back is taken as its first (BST) occurrence.
    """
    aware = local.replace(tzinfo=LONDON, fold=0)
    utc = aware.astimezone(UTC)
    if utc.astimezone(LONDON).replace(tzinfo=None) != local:
        raise NoSuchLocalTime(f"{uk_time(local, 'clock', local=True)} on {uk_date(local, local=True)} does not exist "
                              "in the UK: the clocks go forward.")
    return utc.replace(tzinfo=None)


def utc_to_london(utc):
    """Naive UTC to naive Europe/London wall-clock time."""
    return utc.replace(tzinfo=UTC).astimezone(LONDON).replace(tzinfo=None)


def weekly(local_start, local_end, weeks):
    """UTC (start, end) pairs for ``weeks`` weekly repeats at the same UK wall-clock time."""
    return [(london_to_utc(local_start + timedelta(weeks=n)), london_to_utc(local_end + timedelta(weeks=n)))
            for n in range(weeks)]


def utcnow():
    return datetime.now(UTC).replace(tzinfo=None)


# Parsed once: Babel parses a locale given by name on every call (50 times on a topic page of 50 posts).
LOCALE = Locale.parse("en_GB")

# Babel (CLDR) patterns by name. en_GB writes "am"/"pm" in lower case and "Sept" for September.
STYLES = {
    "datetime": "d MMMM y, h:mma",           # 3 March 2026, 2:30pm
    "date": "d MMMM y",                      # 3 March 2026
    "time": "h:mma",                         # 2:30pm
    "clock": "HH:mm",                        # 14:30
    "weekday": "EEEE d MMMM y",              # Tuesday 3 March 2026
    "weekday_datetime": "EEEE d MMMM y, h:mma",  # Tuesday 3 March 2026, 2:30pm
    "weekday_short": "EEEE d MMMM",          # Tuesday 3 March
    "day_month": "d MMM",                    # 3 Mar
    "time_on_day": "h:mma 'on' d MMMM",      # 2:30pm on 3 March
    "date_at_time": "d MMMM y 'at' h:mma",   # 3 March 2026 at 2:30pm
}


# The styles pages use most, written out directly (Babel's pattern machinery costs about 25 us a date: a page
# listing 25 topics, 20 posts or 10 sessions spent a millisecond on it). The same words as Babel's: en_GB's month
# and day names and am/pm, which tests/test_timeutil_fast.py compares with Babel for every hour and month across
# both clock changes.
_MONTHS = [None] + [LOCALE.months["format"]["wide"][m] for m in range(1, 13)]
_SHORT_MONTHS = [None] + [LOCALE.months["format"]["abbreviated"][m] for m in range(1, 13)]  # "Sept"
_DAYS = [LOCALE.days["format"]["wide"][d] for d in range(7)]  # Monday first, as datetime.weekday()
_AM_PM = (LOCALE.day_periods["format"]["abbreviated"]["am"], LOCALE.day_periods["format"]["abbreviated"]["pm"])


def _clock(local):
    """"2:30pm"."""
    return f"{local.hour % 12 or 12}:{local.minute:02d}{_AM_PM[local.hour >= 12]}"


_WRITTEN_OUT = {
    "datetime": lambda local: f"{local.day} {_MONTHS[local.month]} {local.year}, {_clock(local)}",
    "date": lambda local: f"{local.day} {_MONTHS[local.month]} {local.year}",
    "time": _clock,
    "day_month": lambda local: f"{local.day} {_SHORT_MONTHS[local.month]}",
    "weekday": lambda local: f"{_DAYS[local.weekday()]} {local.day} {_MONTHS[local.month]} {local.year}",
    "weekday_datetime": lambda local: (f"{_DAYS[local.weekday()]} {local.day} {_MONTHS[local.month]} {local.year}, "
                                       f"{_clock(local)}"),
}


def uk_time(value, style="datetime", *, local=False):
    """A datetime as people in the UK read it, in Europe/London time ("3 March 2026, 2:30pm").

    ``value`` is naive UTC (as stored) or aware; ``local=True`` says a naive value is already UK wall-clock
    time. ``style`` names a pattern in STYLES. None gives "".
    """
    if value is None:
        return ""
    if not isinstance(value, datetime):
        return format_date(value, STYLES[style], locale=LOCALE)
    written_out = _WRITTEN_OUT.get(style)
    if written_out is not None and value.year >= 1000:
        if local:
            return written_out(value)
        aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
        return written_out(aware.astimezone(LONDON))
    if local:
        return format_datetime(value.replace(tzinfo=None), STYLES[style], tzinfo=UTC, locale=LOCALE)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return format_datetime(value, STYLES[style], tzinfo=LONDON, locale=LOCALE)


def uk_date(value, style="date", *, local=False):
    """A date (or the UK day of a datetime) as people in the UK read it: "3 March 2026"."""
    if value is None:
        return ""
    if isinstance(value, date) and not isinstance(value, datetime):
        return format_date(value, STYLES[style], locale=LOCALE)
    return uk_time(value, style, local=local)
