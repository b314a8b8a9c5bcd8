"""Register rules in a real browser: a session that has not started cannot be marked (and the page says why in
plain words); a co-facilitator with lived experience, whose role is trainee, takes their course's register; and
when a session is removed, a member who now completes the course is told and gets the certificate.

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
from copractice.timeutil import uk_time
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
    db.session.commit()
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


def test_removing_a_session_completes_the_course_and_the_member_is_told(new_page, live_server, app):
    with app.test_request_context():
        create_member(role="admin", name="Ada Admin", email="ada@example.org")
        facilitator = create_member(role="facilitator", name="Fay Morgan")
        course, (cai,) = course_with_people(facilitator, 5, timedelta(weeks=-6), ["Cai Jones"])
        cai.email = "cai@example.org"
        for session, status in zip(course.sessions, ["present", "present", "absent", "present", "absent"], strict=True):
            attendance_ops.mark(facilitator, session, cai.id, status)
        db.session.commit()  # 3 of 5 sessions: not yet the 75% the course needs
        missed_label = uk_time(course.sessions[2].starts_at)

    page = new_page()
    log_in(page, live_server, "ada@example.org")
    nav(page, "Courses I run")
    page.get_by_role("link", name=TITLE).click()
    expect_heading(page, TITLE)
    check_a11y(page)
    page.get_by_role("link", name=f"Change the session on {missed_label}", exact=True).click()
    expect_heading(page, re.compile("^Change session"))
    check_a11y(page)
    page.get_by_role("button", name="Remove this session").click()
    expect_banner(page, "The session has been removed.")
    check_a11y(page)

    member = new_page()
    log_in(member, live_server, "cai@example.org")
    nav(member, "Notices")
    expect_heading(member, "Notices")
    expect(member.get_by_role("link", name=f"You have completed {TITLE}")).to_be_visible()
    check_a11y(member)
    member.get_by_role("link", name=f"You have completed {TITLE}").click()
    expect_heading(member, "My learning")
    expect(member.get_by_role("link", name=re.compile(f"^Download your certificate\\s*for {TITLE}"))).to_be_visible()
    check_a11y(member)
