"""A background job that failed, in a real browser: an admin finds it beside the email that was not sent,
sees why, and queues it again (issue 12 point 2). Every page visited passes axe."""
import pytest
from playwright.sync_api import expect

from copractice.extensions import db
from copractice.jobs import JobFailure, jobs_for
from tests.browser.conftest import check_a11y
from tests.browser.journey import expect_banner, expect_heading, log_in, nav
from tests.conftest import create_member

pytestmark = pytest.mark.browser


def test_admin_sees_a_job_that_failed_and_tries_again(app, page, live_server):
    with app.app_context():
        admin_email = create_member(role="admin", name="Ada Admin").email
        db.session.add(JobFailure(task="send_reminders", args="[]",
                                  error="OperationalError: the database server closed the connection"))
        db.session.commit()
    huey = jobs_for(app).huey
    huey.flush()

    log_in(page, live_server, admin_email)
    nav(page, "Admin")
    page.get_by_role("link", name="Email that was not sent").click()
    expect_heading(page, "Email that was not sent")
    expect(page.get_by_role("heading", name="Jobs that failed")).to_be_visible()
    check_a11y(page)
    row = page.get_by_role("row").filter(has_text="Send session reminders")
    expect(row).to_contain_text("the database server closed the connection")

    row.get_by_role("button", name="Try again").click()
    expect_banner(page, "We have queued that job again")
    check_a11y(page)
    expect(page.get_by_role("heading", name="Jobs that failed")).to_have_count(0)
    assert [job.name for job in huey.pending()] == ["send_reminders"]
