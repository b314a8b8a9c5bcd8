"""The outbox: mail is written with the change, delivered after, and never lost when SMTP is down."""
import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from copractice.extensions import db
from copractice.members.models import Member
from copractice.notifications.models import OutboxMessage
from copractice.notifications.operations import deliver_due
from tests.conftest import Mailbox, free_port, post_form

REGISTRATION = {"name": "Nia", "email": "nia@example.org", "stakeholder_type": "patient", "area": "kent",
                "password": "long password", "confirm": "long password"}


@pytest.fixture
def down_port():
    return free_port()  # nothing listens here until a test starts a server on it


@pytest.fixture
def app_settings(down_port):
    return {"MAIL_PORT": down_port, "MAIL_RETRY_SECONDS": 0}


def test_smtp_down_keeps_the_member_and_queues_the_mail_then_delivers_on_retry(app, client, runner, down_port):
    response = post_form(client, "/register", REGISTRATION)
    assert response.status_code == 200 and "Check your email" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Member).where(Member.email == "nia@example.org")) is not None
        [message] = db.session.scalars(select(OutboxMessage)).all()
        assert message.status == "queued" and message.attempts == 0  # the request never tried to send it

    result = runner.invoke(args=["send-mail"])
    assert result.exit_code == 1 and "failed 1" in result.output  # down: still queued
    with app.app_context():
        message = db.session.scalars(select(OutboxMessage)).one()
        assert message.status == "queued" and message.attempts == 1 and "Connection" in message.last_error

    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", ready_timeout=30, port=down_port)
    controller.start()
    try:
        result = runner.invoke(args=["send-mail"])
        assert result.exit_code == 0 and "sent 1" in result.output
    finally:
        controller.stop()
    [received] = mailbox.to("nia@example.org")
    assert received["Subject"] == "Confirm your email address for copractice"
    with app.app_context():
        message = db.session.scalars(select(OutboxMessage)).one()
        assert message.status == "sent" and message.sent_at is not None and message.last_error is None
        assert deliver_due() == (0, 0)  # nothing sent twice


def test_a_claimed_message_is_not_sent_by_a_second_worker(app):
    with app.app_context():
        db.session.add(OutboxMessage(to_address="a@example.org", kind="test", subject="s", body="b",
                                     status="sending"))
        db.session.commit()
        assert deliver_due() == (0, 0)
