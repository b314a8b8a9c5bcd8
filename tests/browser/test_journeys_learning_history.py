"""A trainee with a long history (issue 12 point 4): My learning shows their next sessions and their newest
courses, says how many there are in all, and the rest are a click away on paged lists; a finished course is
not offered for cancelling. Every page visited passes axe (no serious or critical problems).
"""
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from copractice.attendance.models import Certificate, Completion
from copractice.courses.models import Enrolment
from copractice.extensions import db
from copractice.timeutil import utcnow
from tests.browser.conftest import check_a11y
from tests.browser.journey import expect_heading, log_in, nav
from tests.conftest import create_member
from tests.factories_courses import create_course

pytestmark = pytest.mark.browser

EMAIL = "long.history@example.org"


def seed(app):
    with app.test_request_context():
        member = create_member(email=EMAIL, name="Rosa Lind")
        for i in range(12):  # 36 sessions to come
            course = create_course(title=f"Peer support course {i + 1}", sessions=3, starts_in=timedelta(days=3 + i))
            db.session.add(Enrolment(course_id=course.id, member_id=member.id, status="enrolled"))
        for i in range(14):
            course = create_course(title=f"Past course {i + 1}", sessions=2, starts_in=timedelta(days=-500 + 20 * i))
            db.session.add_all([
                Enrolment(course_id=course.id, member_id=member.id, status="enrolled"),
                Completion(course_id=course.id, member_id=member.id,
                           completed_at=utcnow() - timedelta(days=480 - 20 * i), attended=2, counted=2),
                Certificate(code=f"HIST{i:04d}", course_id=course.id, member_id=member.id)])
        db.session.commit()


def test_trainee_with_years_of_courses_finds_every_session_and_course(page, live_server, app):
    seed(app)
    log_in(page, live_server, EMAIL)
    nav(page, "My learning")
    expect_heading(page, "My learning")
    check_a11y(page)
    main = page.get_by_role("main")
    expect(main.locator(".session-list__item")).to_have_count(10)
    expect(main).to_contain_text("You have 36 sessions coming up in all.")
    expect(main).to_contain_text("These are the newest 10 of the 14 courses you have completed.")
    # Finished courses are with the completions, not among the places you could cancel.
    expect(main.get_by_role("link", name="Cancel my place on Past course 14")).to_have_count(0)
    expect(main.get_by_role("link", name="Download your certificate for Past course 14 (PDF)")).to_be_visible()

    main.get_by_role("link", name="See all your sessions coming up").click()
    expect_heading(page, "Your sessions coming up")
    check_a11y(page)
    expect(page.locator(".session-list__item")).to_have_count(25)
    page.get_by_role("navigation", name="Pages").get_by_role("link", name="Next page").click()
    expect_heading(page, "Your sessions coming up")
    expect(page.locator(".session-list__item")).to_have_count(11)
    expect(page.get_by_role("navigation", name="Pages")).to_contain_text("Page 2 of 2")
    check_a11y(page)

    page.get_by_role("link", name="Back to My learning").click()
    expect_heading(page, "My learning")
    page.get_by_role("main").get_by_role("link", name="See all your courses").first.click()
    expect_heading(page, "All your courses")
    check_a11y(page)
    expect(page.get_by_role("main").locator(".learning-row")).to_have_count(25)
    expect(page.get_by_role("main")).to_contain_text("Past course 1: Finished, completed on")
    expect(page.get_by_role("link", name="Download your certificate for Past course 1 (PDF)")).to_be_visible()
    page.get_by_role("navigation", name="Pages").get_by_role("link", name="Next page").click()
    expect(page.get_by_role("main").locator(".learning-row")).to_have_count(1)
    check_a11y(page)
