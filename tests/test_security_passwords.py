"""Passwords worth having (issue 11, point 7): common and easily guessed passwords are refused with
plain-English advice, on every form that sets a password; no composition rules."""
import pytest
from sqlalchemy import select

from copractice.extensions import db
from copractice.members.models import Member
from copractice.passwords import password_problem
from tests.conftest import PASSWORD, post_form

ADVICE = "Try three random words, like &#39;teapot lantern river&#39;."
COMMON = ["password", "12345678", "password123", "qwertyuiop", "iloveyou1", "abcd1234"]
GOOD = ["teapot lantern river", "correct horse battery", "my cat sleeps on the piano", "purple-otter-97-gravel"]


@pytest.mark.parametrize("password", COMMON)
def test_common_passwords_are_refused_with_advice(password):
    problem = password_problem(password)
    assert problem and "Try three random words" in problem


@pytest.mark.parametrize("password", GOOD)
def test_long_uncommon_passwords_are_accepted_without_capitals_or_symbols(password):
    assert password_problem(password) is None


def test_a_password_made_of_the_persons_own_details_is_refused():
    assert password_problem("rosalane2024", user_inputs=["rosa@example.org", "Rosa Lane"])


def test_register_refuses_a_password_made_of_the_name(app, client):
    response = post_form(client, "/register", {**REGISTRATION, "password": "rosalane2024", "confirm": "rosalane2024"})
    assert ADVICE in response.get_data(as_text=True)


def test_short_and_overlong_passwords_are_refused():
    assert "at least 8 characters" in password_problem("a1b2c3")
    assert "256 characters or fewer" in password_problem("x" * 257)


REGISTRATION = {"name": "Rosa Lane", "email": "rosa@example.org", "stakeholder_type": "carer", "area": "surrey"}


@pytest.mark.parametrize("password", ["password", "12345678"])
def test_register_refuses_a_common_password_beside_the_field(app, client, password):
    response = post_form(client, "/register", {**REGISTRATION, "password": password, "confirm": password})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="password-error"' in html and ADVICE in html
    assert "There is a problem" in html and 'href="#password"' in html
    with app.app_context():
        assert db.session.scalar(select(Member).where(Member.email == "rosa@example.org")) is None


def test_register_accepts_three_random_words(app, client):
    response = post_form(client, "/register", {**REGISTRATION, "password": "teapot lantern river",
                                                "confirm": "teapot lantern river"})
    assert "Check your email" in response.get_data(as_text=True)


def test_change_password_refuses_a_common_password(client, make_member, auth):
    make_member(email="change@example.org")
    auth.login("change@example.org")
    response = post_form(client, "/account/password", {"current": PASSWORD, "password": "12345678",
                                                       "confirm": "12345678"})
    assert response.status_code == 200 and ADVICE in response.get_data(as_text=True)
    ok = post_form(client, "/account/password", {"current": PASSWORD, "password": "teapot lantern river",
                                                 "confirm": "teapot lantern river"})
    assert ok.status_code == 302


def test_reset_password_refuses_a_common_password(client, make_member, mailbox):
    make_member(email="reset@example.org")
    post_form(client, "/password/forgot", {"email": "reset@example.org"})
    link = mailbox.link("reset@example.org", "/password/reset/")
    path = link[link.index("/password/reset/"):]
    response = post_form(client, path, {"password": "password", "confirm": "password"})
    assert response.status_code == 200 and ADVICE in response.get_data(as_text=True)
    assert post_form(client, path, {"password": "teapot lantern river",
                                    "confirm": "teapot lantern river"}).status_code == 302


def test_create_admin_refuses_a_common_password(runner):
    result = runner.invoke(args=["create-admin", "--email", "boss@example.org", "--password", "password1"])
    assert result.exit_code != 0 and "Try three random words" in result.output
