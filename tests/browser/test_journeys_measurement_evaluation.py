"""The paired course evaluation in a real browser (issue 16 point 3): a trainee with a place on a course answers
the "before" survey from My learning, attends (the register marks them present), answers the "after" survey and sees
their own change; the organiser reads the course's paired report, with numbers when 5 people answered both and
"fewer than 5" for a course where only 4 did.

Every page visited passes axe (no serious or critical problems).
"""
import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from copractice.attendance.operations import mark
from copractice.courses.models import Course
from copractice.extensions import db
from copractice.measurement import evaluation
from copractice.members.models import Member
from copractice.testing import create_course, create_member
from copractice.timeutil import utcnow
from tests.browser.conftest import check_a11y
from tests.browser.journey import expect_heading, log_in
from tests.test_measurement_evaluation import QUESTIONS, answer, place

pytestmark = pytest.mark.browser


def fill(page, value):
    for key in QUESTIONS:
        page.locator(f"#q_{key}-{value}").check()
    page.get_by_role("button", name="Send my answers").click()
    expect_heading(page, "Thank you")
    check_a11y(page)


def others_pair(course_id, n):
    """``n`` other people on the course answer before (4) and after (7)."""
    before, after = utcnow() - timedelta(days=30), utcnow() + timedelta(days=1)
    for _ in range(n):
        member = create_member()
        place(course_id, member)
        course = db.session.get(Course, course_id)
        first = min(s.starts_at for s in course.sessions)
        answer(course_id, member, "pre", dict.fromkeys(QUESTIONS, 4), now=min(before, first - timedelta(hours=1)))
        answer(course_id, member, "post", dict.fromkeys(QUESTIONS, 7), now=after)


def test_a_trainee_answers_before_and_after_and_sees_their_change_and_the_organiser_reads_the_pairs(
        new_page, live_server, app):
    with app.test_request_context():
        lead = create_member(role="theme_lead", themes=("cross-cutting",), email="lee@example.org")
        trainee = create_member(email="tia@example.org", name="Tia Trainee")
        course = create_course(title="Working together", starts_in=timedelta(days=2), sessions=1)
        evaluation.set_up(lead, course)
        db.session.commit()
        place(course.id, trainee, attended=False, completed=False)
        course_id, lead_id, trainee_id = course.id, lead.id, trainee.id

    page = new_page()
    log_in(page, live_server, "tia@example.org")
    page.goto(live_server + "/learning")
    check_a11y(page)
    page.get_by_role("link", name="Tell us how you feel before Working together").click()
    expect_heading(page, "Working together: before the course")
    check_a11y(page)
    page.get_by_role("button", name="Send my answers").click()  # nothing chosen: the page says what is missing
    expect(page.get_by_role("alert").filter(has_text="There is a problem")).to_be_visible()
    check_a11y(page)
    fill(page, 3)

    # The course happens: its session moves into the past and the register marks Tia present.
    with app.test_request_context():
        session = db.session.get(Course, course_id).sessions[0]
        session.starts_at, session.ends_at = utcnow() - timedelta(hours=3), utcnow() - timedelta(hours=1)
        db.session.flush()
        mark(db.session.get(Member, lead_id), session, trainee_id, "present")
        db.session.commit()
        others_pair(course_id, 4)

    page.goto(live_server + "/learning")
    page.get_by_role("link", name="Tell us how you feel after Working together").click()
    expect_heading(page, "Working together: after the course")
    fill(page, 8)
    page.goto(live_server + "/learning")
    expect(page.get_by_role("link", name=re.compile("Tell us how you feel"))).to_have_count(0)
    page.get_by_role("link", name="See how your confidence changed on your courses").click()
    expect_heading(page, "How you feel about your courses")
    check_a11y(page)
    page.get_by_role("link", name="Your change on Working together").click()
    expect_heading(page, "Your change: Working together")
    row = page.get_by_role("row", name=re.compile("^How confident do you feel about what co-production is"))
    expect(row).to_contain_text("3")
    expect(row).to_contain_text("8")
    expect(row).to_contain_text("Up 5")
    check_a11y(page)

    # Another course where only 4 people answered both.
    with app.test_request_context():
        small = create_course(title="Chairing meetings", starts_in=timedelta(days=-10), sessions=1)
        evaluation.set_up(db.session.get(Member, lead_id), small)
        db.session.commit()
        others_pair(small.id, 4)
        small_id = small.id

    organiser = new_page()
    log_in(organiser, live_server, "lee@example.org")
    organiser.goto(live_server + f"/evaluation/manage/courses/{course_id}")
    expect_heading(organiser, "Course evaluation: Working together")
    expect(organiser.locator("#paired-people")).to_have_text("5")
    first = organiser.locator("#paired-table").get_by_role(
        "row", name=re.compile("^How confident do you feel about what co-production is"))
    # Four answered 4 then 7, Tia 3 then 8: means 3.8 and 7.2, a change of 3.4.
    expect(first).to_contain_text("3.8")
    expect(first).to_contain_text("7.2")
    expect(first).to_contain_text("3.4")
    expect(organiser.get_by_role("img", name=re.compile("Mean confidence out of 10"))).to_be_visible()
    check_a11y(organiser)
    organiser.goto(live_server + f"/evaluation/manage/courses/{small_id}")
    expect(organiser.locator("#paired-people")).to_have_text("fewer than 5")
    expect(organiser.locator("#paired-table")).to_contain_text("fewer than 5")
    expect(organiser.locator("#paired-table")).not_to_contain_text("7.0")
    check_a11y(organiser)
