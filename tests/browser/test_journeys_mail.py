"""Email that could not be sent, in a real browser: an admin finds it, sees why, and tries again.

Every page visited passes axe (no serious or critical problems).
"""
import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from copractice.extensions import db
from copractice.notifications.models import OutboxMessage
from copractice.notifications.operations import deliver_due
from tests.browser.conftest import check_a11y
from tests.browser.journey import expect_banner, expect_heading, log_in, nav
from tests.conftest import create_member, free_port

pytestmark = pytest.mark.browser


def test_admin_sees_an_email_that_failed_and_tries_again(app, page, live_server, mailbox):
    good_port = app.config["MAIL_PORT"]
    with app.app_context():
        admin_email = create_member(role="admin", name="Ada Admin").email
        db.session.add_all([
            OutboxMessage(to_address="rosa@example.org", kind="enrolled", subject="You have a place on Art\rtogether",
                          body="See you there."),
            OutboxMessage(to_address="sam@example.org", kind="enrolled", subject="You have a place on Walking group",
                          body="See you there."),
        ])
        db.session.commit()
        app.config["MAIL_PORT"] = free_port()  # the mail server is down for this round
        assert deliver_due() == (0, 2)
        app.config["MAIL_PORT"] = good_port
        # The broken subject is put right in the database (an admin fixed the course title).
        broken = db.session.scalar(select(OutboxMessage).where(OutboxMessage.to_address == "rosa@example.org"))
        assert broken.status == "failed" and "could not be made" in broken.last_error
        broken.subject = "You have a place on Art together"
        db.session.commit()

    log_in(page, live_server, admin_email)
    nav(page, "Admin")
    expect_heading(page, "Admin")
    page.get_by_role("link", name="Email that was not sent").click()
    expect_heading(page, "Email that was not sent")
    check_a11y(page)
    rosa = page.get_by_role("row").filter(has_text="rosa@example.org")
    expect(rosa).to_contain_text("Failed")
    expect(rosa).to_contain_text("This email could not be made")
    expect(page.get_by_role("row").filter(has_text="sam@example.org")).to_contain_text("Waiting to try again")

    rosa.get_by_role("button", name="Try again").click()
    expect_heading(page, "Email that was not sent")
    expect_banner(page, "We will try again to send the email to rosa@example.org")
    check_a11y(page)
    expect(page.get_by_role("row").filter(has_text="rosa@example.org")).to_contain_text("Waiting to try again")

    # The delivery process's next round sends both (the mailbox fixture runs one).
    with app.app_context():
        db.session.execute(OutboxMessage.__table__.update().values(next_attempt_at=None))
        db.session.commit()
    assert sorted(m["To"] for m in mailbox.messages) == ["rosa@example.org", "sam@example.org"]
    page.reload()
    expect(page.get_by_role("main")).to_contain_text("Every email has been sent or is on its way.")
    check_a11y(page)
