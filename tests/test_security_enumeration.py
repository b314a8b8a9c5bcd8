"""No account enumeration by content or by time (issue 11, point 5).

Registration and "forgot password" do the same work whether or not the address has an account:
the same number of password hashes and exactly one queued message. Counted, never timed
(bench/enumeration_timing.py shows the times).
"""
import pytest
from argon2 import PasswordHasher
from sqlalchemy import func, select

from copractice.extensions import db
from copractice.notifications.models import OutboxMessage
from tests.conftest import post_form

PASSWORD = "teapot lantern river"


@pytest.fixture
def hashes(monkeypatch):
    """Counts calls to argon2's PasswordHasher.hash, which still does the real work."""
    calls = []
    real = PasswordHasher.hash

    def spy(self, password, *args, **kwargs):
        calls.append(password)
        return real(self, password, *args, **kwargs)

    monkeypatch.setattr(PasswordHasher, "hash", spy)
    return calls


def outbox_rows(app):
    with app.app_context():
        return db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()


def outbox_count(app):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(OutboxMessage))


def register(client, email):
    return post_form(client, "/register", {
        "name": "Pat Doe", "email": email, "stakeholder_type": "carer", "area": "surrey",
        "password": PASSWORD, "confirm": PASSWORD})


@pytest.mark.parametrize("known", [True, False], ids=["known address", "new address"])
def test_register_hashes_once_and_queues_one_message_either_way(app, client, make_member, hashes, known):
    make_member(email="pat@example.org")
    email = "pat@example.org" if known else "new@example.org"
    before = outbox_count(app)
    hashes.clear()

    response = register(client, email)

    assert response.status_code == 200 and "Check your email" in response.get_data(as_text=True)
    assert hashes == [PASSWORD]  # exactly one argon2 hash, of the password given
    [message] = outbox_rows(app)[before:]
    assert message.to_address == email
    assert message.kind == ("account_exists" if known else "verify_email")


@pytest.mark.parametrize("case", ["known", "unknown", "switched off"])
def test_forgot_password_queues_one_message_and_hashes_nothing_either_way(app, client, make_member, hashes,
                                                                           mailbox, case):
    make_member(email="known@example.org")
    make_member(email="off@example.org", active=False)
    email = {"known": "known@example.org", "unknown": "ghost@example.org", "switched off": "off@example.org"}[case]
    hashes.clear()

    response = post_form(client, "/password/forgot", {"email": email})

    html = response.get_data(as_text=True)
    assert response.status_code == 200 and f"If <strong>{email}</strong> has an account" in html
    assert hashes == []
    [message] = outbox_rows(app)
    assert message.to_address == email
    [mail] = mailbox.to(email)
    body = mailbox.body(mail)
    if case == "known":
        assert "/password/reset/" in body
    else:
        assert "/password/reset/" not in body and "If it was not you, you can ignore this email" in body
        assert ("switched off" in body) == (case == "switched off")


def test_the_two_register_pages_look_the_same(app, client, make_member):
    make_member(email="pat@example.org")
    known = register(client, "pat@example.org").get_data(as_text=True)
    new = register(app.test_client(), "other@example.org").get_data(as_text=True)
    assert known.replace("pat@example.org", "X") == new.replace("other@example.org", "X")


@pytest.mark.parametrize("case", ["unconfirmed", "confirmed", "unknown", "switched off"])
def test_asking_for_a_new_confirmation_link_queues_one_message_whoever_asks(app, client, make_member, mailbox,
                                                                             case):
    make_member(email="new@example.org", verified=False)
    make_member(email="done@example.org")
    make_member(email="off@example.org", active=False)
    email = {"unconfirmed": "new@example.org", "confirmed": "done@example.org", "unknown": "ghost@example.org",
             "switched off": "off@example.org"}[case]

    response = post_form(client, "/verify", {"email": email})

    assert response.status_code == 200
    assert "Check your email" in response.get_data(as_text=True)
    [message] = outbox_rows(app)
    assert message.to_address == email
    [mail] = mailbox.to(email)
    body = mailbox.body(mail)
    assert ("/verify/" in body) == (case == "unconfirmed")
    if case != "unconfirmed":
        assert "If it was not you, you can ignore this email" in body
        assert ("already confirmed" in body) == (case == "confirmed")
        assert ("switched off" in body) == (case == "switched off")


def test_the_confirmation_link_pages_look_the_same(app, client, make_member):
    make_member(email="new@example.org", verified=False)
    asked = post_form(client, "/verify", {"email": "new@example.org"}).get_data(as_text=True)
    other = post_form(app.test_client(), "/verify", {"email": "ghost@example.org"}).get_data(as_text=True)
    assert asked.replace("new@example.org", "X") == other.replace("ghost@example.org", "X")
