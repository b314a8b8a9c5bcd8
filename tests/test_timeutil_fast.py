"""uk_time's common styles are written out without Babel's pattern machinery (it was a millisecond of a topic
page, and of My learning): they must say every date exactly as Babel does."""
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_datetime

from copractice import timeutil
from copractice.timeutil import LOCALE, STYLES, uk_time


def _babel(value, local=False, style="datetime"):
    if local:
        return format_datetime(value.replace(tzinfo=None), STYLES[style], tzinfo=UTC, locale=LOCALE)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return format_datetime(value, STYLES[style], tzinfo=timeutil.LONDON, locale=LOCALE)


def _moments():
    # Every hour (and odd minutes) of the days around both clock changes of 2026, and a day in every month.
    starts = [datetime(2026, 3, 28), datetime(2026, 10, 24)] + [datetime(2026, m, 1) for m in range(1, 13)]
    for start in starts:
        for minutes in range(0, 3 * 24 * 60, 37):
            yield start + timedelta(minutes=minutes)


@pytest.mark.parametrize("style", sorted(timeutil._WRITTEN_OUT))
def test_each_written_out_style_says_what_babel_says(style):
    checked = 0
    for moment in _moments():
        assert uk_time(moment, style) == _babel(moment, style=style), moment
        assert uk_time(moment, style, local=True) == _babel(moment, local=True, style=style), moment
        aware = moment.replace(tzinfo=ZoneInfo("America/New_York"))
        assert uk_time(aware, style) == _babel(aware, style=style), aware
        checked += 1
    assert checked > 1000


def test_the_datetime_style_at_noon_and_midnight():
    assert uk_time(datetime(2026, 9, 3, 12, 0)) == "3 September 2026, 1:00pm"  # noon UTC is 1pm BST
    assert uk_time(datetime(2026, 12, 3, 0, 5)) == "3 December 2026, 12:05am"
    assert uk_time(None) == ""


def test_the_datetime_style_does_not_go_through_babel(monkeypatch):
    """The page cost this removed: Babel is not asked for the written-out styles (other styles still are)."""
    asked = []
    monkeypatch.setattr(timeutil, "format_datetime", lambda *a, **k: asked.append(a) or "babel")
    assert uk_time(datetime(2026, 3, 3, 14, 30)) == "3 March 2026, 2:30pm"
    assert asked == []
    assert uk_time(datetime(2026, 3, 3, 14, 30), "time") == "2:30pm"
    assert uk_time(datetime(2026, 3, 3, 14, 30), "clock") == "babel"  # a style not written out still asks Babel
    assert len(asked) == 1
