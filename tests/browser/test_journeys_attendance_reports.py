"""Attendance journeys for issue 11 (points 14 to 16) in a real browser: a facilitator imports the attendance
report Teams gives them and reads the results and the register's history in words; a trainee sends apologies
and My learning says so; an admin presses the low-attendance reminder twice and one email goes; a course
report with an apology for next week adds up.

Every page visited passes axe (no serious or critical problems).
"""
import re
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from copractice.attendance import operations as attendance_ops
from copractice.attendance.models import Attendance
from copractice.courses import operations as course_ops
from copractice.courses.models import CourseFacilitator
from copractice.extensions import db
from copractice.members.models import Member
from copractice.notifications.models import OutboxMessage
from tests.browser.conftest import check_a11y
from tests.browser.journey import expect_banner, expect_heading, log_in, nav
from tests.conftest import create_member
from tests.factories_courses import create_course

pytestmark = pytest.mark.browser

DATA = Path(__file__).parent.parent / "data"
TITLE = "Co-production in practice"
PEOPLE = {"ann.okafor@example.org": "Ann Okafor", "bill.turner@example.org": "Bill Turner",
          "chidi.evans@example.org": "Chidi Evans", "sian.pritchard@example.org": "Siân Pritchard",
          "eve.marsh@example.org": "Eve Marsh"}


def give_places(course, people, organiser):
    for person in people:
        course_ops.enrol(person, course, organiser=organiser)
    db.session.commit()


def test_facilitator_imports_a_teams_attendance_report(page, live_server, app):
    with app.test_request_context():
        facilitator = create_member(role="facilitator", name="Priya Shah", email="priya.shah@copractice.example")
        course = create_course(title=TITLE, capacity=10, sessions=1, starts_in=timedelta(hours=-3))
        db.session.add(CourseFacilitator(course_id=course.id, member_id=facilitator.id))
        give_places(course, [create_member(email=e, name=n) for e, n in PEOPLE.items()], organiser=facilitator)
        session_id = course.sessions[0].id

    log_in(page, live_server, "priya.shah@copractice.example")
    nav(page, "Courses I run")
    page.get_by_role("link", name=TITLE).click()
    expect_heading(page, TITLE)
    page.get_by_role("link", name=re.compile("^Register")).first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Register")
    page.get_by_role("link", name="Import an online participant report").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Import an online participant report")
    report = page.get_by_label("Participant report (CSV file)")
    expect(report).to_have_accessible_description(re.compile("Microsoft Teams, the attendance report"))
    check_a11y(page)

    # A file that is not a report: the form says which formats it expected, beside the field.
    report.set_input_files(str(DATA / "not_an_attendance_report.csv"))
    page.get_by_label("Present if they stayed at least this many minutes").fill("60")
    page.get_by_role("button", name="Import the report").click()
    summary = page.get_by_role("alert").filter(has_text="There is a problem")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("We can read Zoom's participant report, Microsoft Teams' attendance report")
    expect(page.get_by_label("Participant report (CSV file)")).to_have_accessible_description(
        re.compile("We could not find a list of participants"))
    check_a11y(page)
    with app.app_context():
        assert db.session.query(Attendance).count() == 0

    # The report as Teams downloads it: UTF-16, tab separated, in sections.
    page.get_by_label("Participant report (CSV file)").set_input_files(str(DATA / "teams_attendance_utf16.csv"))
    page.get_by_label("Present if they stayed at least this many minutes").fill("60")
    page.get_by_role("button", name="Import the report").click()
    expect_banner(page, "Imported: 4 present, 1 joined too briefly (marked absent).")
    expect_banner(page, "We read the file as a Microsoft Teams attendance report.")
    unmatched = page.get_by_role("table", name="Rows of the report that matched nobody with a place")
    expect(unmatched).to_contain_text("Dorota Nowak (Guest)")
    check_a11y(page)
    with app.app_context():
        marks = {m.name: a.status for a, m in db.session.execute(
            select(Attendance, Member).join(Member, Member.id == Attendance.member_id)
            .where(Attendance.session_id == session_id))}
    assert marks == {"Ann Okafor": "present", "Bill Turner": "absent", "Chidi Evans": "present",
                     "Siân Pritchard": "present", "Eve Marsh": "present"}

    page.get_by_role("link", name="Back to the register").click()
    page.get_by_role("link", name="See every change").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Every change to the register")
    history = page.get_by_role("table")
    expect(history.get_by_role("cell", name="Imported from the online report").first).to_be_visible()
    expect(history).not_to_contain_text("import ")
    check_a11y(page)


def test_trainee_sends_apologies_and_my_learning_says_so(page, live_server, app):
    with app.test_request_context():
        organiser = create_member(role="admin")
        trainee = create_member(name="Sam Ellis", email="sam@example.org")
        course = create_course(title=TITLE, sessions=2, starts_in=timedelta(days=2))
        give_places(course, [trainee], organiser=organiser)

    log_in(page, live_server, "sam@example.org")
    nav(page, "My learning")
    expect_heading(page, "My learning")
    apology_links = page.get_by_role("link", name=re.compile("^Cannot come\\? Send apologies"))
    expect(apology_links).to_have_count(2)
    check_a11y(page)
    apology_links.first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Send apologies")
    page.get_by_label("Reason (optional)").fill("Hospital appointment")
    check_a11y(page)
    page.get_by_role("button", name="Send apologies").click()

    expect_heading(page, "My learning")
    expect_banner(page, "Thank you for letting us know.")
    first, second = page.locator(".session-list__item").all()
    expect(first).to_contain_text("Apologies sent")
    expect(first.get_by_role("link", name=re.compile("Send apologies"))).to_have_count(0)
    expect(second.get_by_role("link", name=re.compile("Send apologies"))).to_have_count(1)
    check_a11y(page)


def test_admin_presses_the_reminder_twice_and_one_email_goes(page, live_server, app):
    with app.test_request_context():
        admin = create_member(role="admin", email="ada@example.org")
        course = create_course(title=TITLE, capacity=10, sessions=2, starts_in=timedelta(weeks=-3))
        low, keen = create_member(name="Harry Wilson"), create_member(name="Grace Miller")
        give_places(course, [low, keen], organiser=admin)
        for session in course.sessions:
            attendance_ops.mark(admin, session, low.id, "absent")
            attendance_ops.mark(admin, session, keen.id, "present")
        # An apology for next week's session of another course does not count as a session missed.
        later = create_course(title="Next week's course", sessions=1, starts_in=timedelta(days=6))
        give_places(later, [keen], organiser=admin)
        attendance_ops.send_apology(keen, later.sessions[0])
        db.session.commit()
        low_email = low.email

    log_in(page, live_server, "ada@example.org")
    nav(page, "Reports")
    expect_heading(page, "Attendance reports")
    low_table = page.get_by_role("table", name="People with low attendance")
    expect(low_table.get_by_role("cell", name="Harry Wilson")).to_be_visible()
    expect(low_table).not_to_contain_text("Grace Miller")
    check_a11y(page)
    page.get_by_role("button", name="Send them all a friendly reminder").click()
    expect_banner(page, "A reminder has been sent to 1 person.")
    page.get_by_role("button", name="Send them all a friendly reminder").click()
    expect_banner(page, "1 person had already been sent a reminder today, so they were not sent another.")
    check_a11y(page)
    with app.app_context():
        sent = db.session.scalars(select(OutboxMessage.to_address).where(
            OutboxMessage.kind == "attendance_reminder")).all()
    assert sent == [low_email]
