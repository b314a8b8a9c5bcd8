"""Register rules in a real browser: a session that has not started cannot be marked (and the page says why in
plain words), and a co-facilitator with lived experience, whose role is trainee, takes their course's register.

Every page visited passes axe (no serious or critical problems).
"""
import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from copractice.attendance import operations as attendance_ops
from copractice.attendance.models import Attendance
from copractice.courses import operations as course_ops
from copractice.courses.models import CourseFacilitator
from copractice.extensions import db
from copractice.templating import uk_time
from tests.browser.conftest import check_a11y
from tests.browser.journey import expect_banner, expect_heading, log_in, nav
from tests.conftest import create_member
from tests.factories_courses import create_course

pytestmark = pytest.mark.browser

TITLE = "Sharing power in research meetings"


def course_with_people(facilitator, sessions, starts_in, names, lived_experience=False):
    course = create_course(title=TITLE, capacity=6, sessions=sessions, starts_in=starts_in)
    db.session.add(CourseFacilitator(course_id=course.id, member_id=facilitator.id, lived_experience=lived_experience))
    db.session.commit()
    admin = create_member(role="admin")
    people = [create_member(name=name) for name in names]
    for person in people:
        course_ops.enrol(person, course, organiser=admin)
    return course, people


def mark_button(page, label, name):
    return page.get_by_role("button", name=re.compile(rf"^{label}\s*:\s*{re.escape(name)}$"))


def expect_alert(page, text):
    """An error message (role alert) in the page's main part says ``text``."""
    expect(page.get_by_role("main").get_by_role("alert").filter(has_text=text)).to_be_visible()


def open_register(page, session_label):
    nav(page, "Courses I run")
    expect_heading(page, "Courses I run")
    check_a11y(page)
    page.get_by_role("link", name=TITLE).click()
    expect_heading(page, TITLE)
    check_a11y(page)
    page.get_by_role("link", name=f"Register for {session_label}", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(TITLE)


def test_a_session_that_has_not_started_cannot_be_marked_and_says_so(new_page, live_server, app):
    with app.test_request_context():
        facilitator = create_member(role="facilitator", name="Fay Morgan", email="fay@example.org")
        course, _ = course_with_people(facilitator, 1, timedelta(days=2), ["Amara Okafor", "Ben Hughes"])
        session = course.sessions[0]
        label, opens = uk_time(session.starts_at), uk_time(attendance_ops.marking_opens_at(session))
        session_id = session.id

    page = new_page()
    log_in(page, live_server, "fay@example.org")
    open_register(page, label)
    expect_banner(page, f"This session has not started yet. You can take the register from {opens}.")
    check_a11y(page)

    mark_button(page, "Present", "Amara Okafor").click()
    expect_alert(page, "This session has not started yet, so nobody can be marked for it.")
    expect(mark_button(page, "Present", "Amara Okafor")).to_have_attribute("aria-pressed", "false")
    check_a11y(page)

    page.get_by_role("button", name="Mark everyone present").click()
    expect_alert(page, "nobody can be marked for it")
    check_a11y(page)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Attendance)
                                 .where(Attendance.session_id == session_id)) == 0


def test_a_trainee_co_facilitator_takes_the_register(new_page, live_server, app):
    with app.test_request_context():
        cofacilitator = create_member(role="trainee", name="Rosa Lived", email="rosa@example.org")
        course, people = course_with_people(cofacilitator, 1, timedelta(minutes=-10), ["Amara Okafor", "Ben Hughes"],
                                            lived_experience=True)
        session = course.sessions[0]
        label, session_id = uk_time(session.starts_at), session.id
        ids = {p.name: p.id for p in people}

    page = new_page()
    log_in(page, live_server, "rosa@example.org")
    open_register(page, label)
    check_a11y(page)

    page.get_by_role("button", name="Mark everyone present").click()
    expect_banner(page, "2 people marked present.")
    mark_button(page, "Late", "Ben Hughes").click()
    expect(mark_button(page, "Late", "Ben Hughes")).to_have_attribute("aria-pressed", "true")
    check_a11y(page)

    with app.app_context():
        marks = dict(db.session.execute(select(Attendance.member_id, Attendance.status)
                                        .where(Attendance.session_id == session_id)).all())
        assert marks == {ids["Amara Okafor"]: "present", ids["Ben Hughes"]: "late"}
