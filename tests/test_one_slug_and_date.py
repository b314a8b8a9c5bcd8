"""One slugify (copractice.urls) and one UK-date formatter (copractice.timeutil, Babel en_GB, Europe/London)."""
import ast
import re
from datetime import date, datetime
from pathlib import Path

from copractice.timeutil import uk_date, uk_time
from copractice.urls import slugify

ROOT = Path(__file__).resolve().parent.parent


def test_slugify_spells_out_letters_and_falls_back():
    assert slugify("Co-producing with Łódź: straße café!") == "co-producing-with-lodz-strasse-cafe"
    assert slugify("  Dementia & carers  ") == "dementia-carers"
    assert slugify("???", fallback="course") == "course"
    assert len(slugify("word " * 60)) <= 100


def test_course_and_resource_slugs_come_from_the_one_slugify(app):
    from copractice.courses.operations import unique_slug
    from copractice.library.operations import _unique_slug

    with app.app_context():
        assert unique_slug("Straße & Łódź") == _unique_slug("Straße & Łódź") == "strasse-lodz"
        assert unique_slug("!!!") == "course" and _unique_slug("!!!") == "resource"


def test_uk_dates_in_summer_and_winter_time():
    summer, winter = datetime(2026, 7, 3, 13, 5), datetime(2026, 12, 1, 9, 0)  # naive UTC
    assert uk_time(summer) == "3 July 2026, 2:05pm"
    assert uk_time(winter) == "1 December 2026, 9:00am"
    assert uk_time(summer, "time") == "2:05pm"
    assert uk_time(summer, "weekday") == "Friday 3 July 2026"
    assert uk_time(summer, "time_on_day") == "2:05pm on 3 July"
    assert uk_time(summer, "date_at_time") == "3 July 2026 at 2:05pm"
    assert uk_date(datetime(2026, 7, 3, 23, 30)) == "4 July 2026"  # 00:30 in London
    assert uk_date(date(2026, 1, 2)) == "2 January 2026"
    assert uk_time(None) == uk_date(None) == ""


def _text_files():
    for folder in ("copractice", "plugins"):
        for path in (ROOT / folder).rglob("*"):
            if path.suffix in {".py", ".html", ".txt"} and ".venv" not in path.parts:
                yield path


def test_no_other_date_format_or_slug_maker():
    uk_patterns = re.compile(r"%-d|%B|%A|%-I")  # strftime directives for people, not machines
    strays = [str(p.relative_to(ROOT)) for p in _text_files() if uk_patterns.search(p.read_text())]
    assert strays == []
    defined = [f"{p.relative_to(ROOT)}:{n.lineno}" for p in _text_files() if p.suffix == ".py"
               for n in ast.walk(ast.parse(p.read_text())) if isinstance(n, ast.FunctionDef)
               and n.name in {"slugify", "uk_time", "uk_date", "_uk_date", "format_date"}
               and p not in {ROOT / "copractice" / "urls.py", ROOT / "copractice" / "timeutil.py"}]
    assert defined == []
