"""UK time: forms and pages speak Europe/London; the database stores naive UTC."""
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")


class NoSuchLocalTime(ValueError):
    """A wall-clock time that does not exist in the UK (skipped when the clocks go forward)."""


def london_to_utc(local):
    """Convert a naive Europe/London wall-clock time to naive UTC.

    A time in the hour the clocks go forward does not exist and raises NoSuchLocalTime; a time
    in the repeated hour when they go back is taken as its first (BST) occurrence.
    """
    aware = local.replace(tzinfo=LONDON, fold=0)
    utc = aware.astimezone(timezone.utc)
    if utc.astimezone(LONDON).replace(tzinfo=None) != local:
        raise NoSuchLocalTime(f"{local:%H:%M} on {local:%-d %B %Y} does not exist in the UK: the clocks go forward.")
    return utc.replace(tzinfo=None)


def utc_to_london(utc):
    """Naive UTC to naive Europe/London wall-clock time."""
    return utc.replace(tzinfo=timezone.utc).astimezone(LONDON).replace(tzinfo=None)


def weekly(local_start, local_end, weeks):
    """UTC (start, end) pairs for ``weeks`` weekly repeats at the same UK wall-clock time."""
    return [(london_to_utc(local_start + timedelta(weeks=n)), london_to_utc(local_end + timedelta(weeks=n)))
            for n in range(weeks)]


def utcnow():
    return datetime.now(timezone.utc).replace(tzinfo=None)
