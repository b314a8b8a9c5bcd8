"""The register as one form (issue 12 point 4), in a real browser with no help from JavaScript: a long
register where every mark button still names its person, keyboard marking, and a remark typed for someone
not marked yet, kept with a message until a mark saves it. Every page passes axe."""
import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from copractice.attendance.models import Attendance
from copractice.courses import operations as course_ops
from copractice.courses.models import CourseFacilitator
from copractice.extensions import db
from tests.browser.conftest import check_a11y
from tests.browser.journey import expect_banner, expect_heading, log_in
from tests.conftest import create_member
from tests.factories_courses import create_course

pytestmark = pytest.mark.browser


def mark_button(page, label, name):
    return page.get_by_role("button", name=re.compile(rf"^{label}\s*:\s*{re.escape(name)}$"))


def test_a_long_register_is_one_form_that_names_each_persons_buttons(new_page, live_server, app):
    names = [f"Person {i:02d}" for i in range(30)] + ["Zoë O'Brien"]
    with app.test_request_context():
        facilitator = create_member(role="facilitator", name="Fay Morgan", email="fay@example.org")
        course = create_course(title="A long register", capacity=40, sessions=1, starts_in=timedelta(minutes=-20))
        people = [create_member(name=name) for name in names]
        for person in people:
            course_ops.enrol(person, course, organiser=facilitator)
        db.session.add(CourseFacilitator(course_id=course.id, member_id=facilitator.id))
        db.session.commit()
        session_id = course.sessions[0].id
        ids = {p.name: p.id for p in people}

    page = new_page()
    log_in(page, live_server, "fay@example.org")
    page.goto(f"{live_server}/manage/sessions/{session_id}/register")
    expect_heading(page, re.compile(r"^Register"))
    assert page.locator("form:has(.mark-button)").count() == 1  # one form, one CSRF token for everyone
    for name in names:  # 124 buttons, each named for its mark and its person
        for mark in ("Present", "Late", "Excused", "Absent"):
            expect(mark_button(page, mark, name)).to_have_count(1)
    check_a11y(page)

    # A remark for someone not marked yet, then Enter: not lost; the page says what to do, by the box.
    box = page.get_by_label("Remark for Zoë O'Brien (optional)")
    box.fill("Coming at 11")
    box.press("Enter")
    expect(page.get_by_role("main").get_by_role("alert")).to_contain_text("Not saved yet: a remark is saved with a mark.")
    box = page.get_by_label("Remark for Zoë O'Brien (optional)")
    expect(box).to_have_value("Coming at 11")
    expect(box).to_have_accessible_description(re.compile("Choose a mark to save this remark"))
    check_a11y(page)

    # Pressing "Late" for her saves the mark and the remark still in the box.
    mark_button(page, "Late", "Zoë O'Brien").click()
    expect(page).to_have_url(re.compile(rf"#person-{ids[names[-1]]}$"))
    expect(mark_button(page, "Late", "Zoë O'Brien")).to_have_attribute("aria-pressed", "true")
    expect(page.get_by_label("Remark for Zoë O'Brien (optional)")).to_have_value("Coming at 11")
    check_a11y(page)

    # Keyboard only: focus Person 05's "Absent" and press Space.
    mark_button(page, "Absent", "Person 05").focus()
    page.keyboard.press("Space")
    expect(mark_button(page, "Absent", "Person 05")).to_have_attribute("aria-pressed", "true")
    expect(page).to_have_url(re.compile(rf"#person-{ids['Person 05']}$"))

    page.get_by_role("button", name="Mark everyone present").click()
    expect_banner(page, "29 people marked present.")
    check_a11y(page)

    with app.app_context():
        marks = {a.member_id: (a.status, a.remark) for a in db.session.scalars(
            select(Attendance).where(Attendance.session_id == session_id))}
    assert marks[ids["Zoë O'Brien"]] == ("late", "Coming at 11")
    assert marks[ids["Person 05"]] == ("absent", None)
    assert sum(1 for status, _ in marks.values() if status == "present") == 29
