"""One base error for refusals (copractice.errors.Refused), one view helper that turns it into a message
(copractice.web.attempt), and one macro for one-button POST forms (_forms.html post_button)."""
import re
from pathlib import Path

import pytest
from flask import get_flashed_messages
from flask_wtf import FlaskForm
from wtforms import StringField

from copractice.admin.operations import AdminRuleBroken
from copractice.attendance.operations import AttendanceRefused, NoPlace
from copractice.courses.operations import CourseRuleBroken, EnrolmentRefused, FacilitatorRefused
from copractice.errors import Refused
from copractice.library.operations import LibraryRuleBroken
from copractice.library.uploads import UploadRefused
from copractice.members.data_rights import ErasureRefused
from copractice.plugin_install import InstallRefused
from copractice.timeutil import NoSuchLocalTime
from copractice.web import attempt

ROOT = Path(__file__).resolve().parent.parent
HELPER = "copractice/web.py"


@pytest.mark.parametrize("error", [AttendanceRefused, NoPlace, EnrolmentRefused, CourseRuleBroken, FacilitatorRefused,
                                   LibraryRuleBroken, AdminRuleBroken, UploadRefused, NoSuchLocalTime, ErasureRefused,
                                   InstallRefused])
def test_every_operation_refusal_is_a_refused(error):
    assert issubclass(error, Refused)


def _refuse():
    raise EnrolmentRefused("The course is full.")


def test_attempt_flashes_a_refusal_and_the_success(app):
    with app.test_request_context():
        assert attempt(_refuse, "Done.") == (False, None)
        assert attempt(lambda: 3, lambda n: f"{n} added.") == (True, 3)
        assert get_flashed_messages(with_categories=True) == [("error", "The course is full."), ("success", "3 added.")]


def test_attempt_puts_a_refusal_beside_its_field(app):
    class Form(FlaskForm):
        when = StringField("When")

    with app.test_request_context():
        form = Form(meta={"csrf": False})
        assert attempt(_refuse, form=form, field="when") == (False, None)
        assert form.when.errors == ["The course is full."] and get_flashed_messages() == []


def test_attempt_picks_the_field_for_each_refusal(app):
    class Form(FlaskForm):
        facilitators = StringField("Facilitators")
        status = StringField("Status")

    def field(refused):
        return "facilitators" if isinstance(refused, FacilitatorRefused) else "status"

    def refuse(error):
        def step():
            raise error("No.")
        return step

    with app.test_request_context():
        form = Form(meta={"csrf": False})
        assert attempt(refuse(FacilitatorRefused), form=form, field=field) == (False, None)
        assert attempt(refuse(CourseRuleBroken), form=form, field=field) == (False, None)
        assert (form.facilitators.errors, form.status.errors) == (["No."], ["No."])


def test_other_errors_are_not_swallowed(app):
    with app.test_request_context(), pytest.raises(ZeroDivisionError):
        attempt(lambda: 1 / 0)


def _python_files():
    for folder in ("copractice", "plugins"):
        for path in (ROOT / folder).rglob("*.py"):
            if ".venv" not in path.parts and str(path.relative_to(ROOT)) != HELPER:
                yield path


# Hand-written copies of attempt(): any error flashed as its text, or a caught refusal put beside a field.
FLASHED = re.compile(r"flash\(str\(\w+\)")
BESIDE_FIELD = re.compile(r"\.errors\.append\(str\(\w+\)\)|\.errors\)? \+ \[str\(\w+\)\]")


def _refusal_names():
    found, todo = set(), [Refused]
    while todo:
        for sub in todo.pop().__subclasses__():
            if sub.__name__ not in found:
                found.add(sub.__name__)
                todo.append(sub)
    return found


def _copies(lines, refusals):
    caught = set()  # the errors named by the nearest "except ... as name:" above
    for n, line in enumerate(lines, 1):
        if re.match(r"\s*except\b", line):
            caught = set(re.findall(r"\b[A-Z]\w+", line.split(" as ")[0]))
        if FLASHED.search(line) or (BESIDE_FIELD.search(line) and caught & refusals):
            yield n


def test_views_leave_refusals_to_the_helper(app):  # the app: every module with a Refused is imported
    refusals = _refusal_names()
    copies = [f"{p.relative_to(ROOT)}:{n}" for p in _python_files() for n in _copies(p.read_text().splitlines(), refusals)]
    assert copies == []


def test_a_copy_is_recognised():
    lines = ["try:", "    go()", "except operations.CourseRuleBroken as exc:",
             "    form.status.errors = list(form.status.errors) + [str(exc)]",
             "except StorageFailed as failed:", "    form.file.errors = list(form.file.errors) + [str(failed)]",
             "except NoPlace as exc:", "    form.x.errors.append(str(exc))", "    flash(str(exc), 'error')"]
    assert list(_copies(lines, {"CourseRuleBroken", "NoPlace"})) == [4, 8, 9]


ONE_BUTTON = re.compile(r'<form method="post"[^>]*>(?P<body>.*?)</form>', re.S)
TOKEN = re.compile(r'\{\{\s*\w+\.csrf_token\s*\}\}|<input type="hidden" name="csrf_token" value="\{\{ csrf_token\(\) \}\}">')


def test_one_button_forms_use_the_macro():
    strays = []
    for path in list((ROOT / "copractice" / "templates").rglob("*.html")) + list((ROOT / "plugins").rglob("*.html")):
        name = str(path.relative_to(ROOT))
        if name.endswith("_forms.html"):
            continue
        for match in ONE_BUTTON.finditer(path.read_text()):
            rest = TOKEN.sub("", match.group("body"))
            if "{% for" in rest:
                continue  # buttons made in a loop: a form of many buttons (the register)
            if rest.count("<button") == 1 and not re.search(r"<(select|textarea)|f\.(input|choices|button)|"
                                                            r'<input(?![^>]*type="hidden")', rest):
                strays.append(name)
    assert strays == []


def test_the_macro_posts_one_button_with_the_token(app):
    with app.test_request_context():
        html = app.jinja_env.from_string(
            '{% import "_forms.html" as f %}{{ f.post_button("Go", "/x", "warning", hidden={"a": 1}, hidden_text=" now") }}'
        ).render()
    assert 'action="/x"' in html and 'name="csrf_token"' in html and '<input type="hidden" name="a" value="1">' in html
    assert '<button type="submit" class="button button--warning">Go<span class="visually-hidden"> now</span></button>' in html
