"""Account safety journeys in a real browser (issue 11, points 1, 5 and 7), each page checked with axe."""
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import check_a11y
from tests.browser.journey import expect_banner, expect_heading
from tests.conftest import create_member

pytestmark = pytest.mark.browser

ADVICE = "Try three random words, like 'teapot lantern river'."
GOOD_PASSWORD = "teapot lantern river"


def test_register_with_a_common_password_gets_advice_then_a_good_one_works(page, live_server, mailbox):
    page.goto(live_server + "/register")
    expect_heading(page, "Create an account")
    page.get_by_label("Full name").fill("Sam Green")
    page.get_by_label("Email address").fill("sam@example.org")
    page.get_by_label("Carer", exact=True).check()
    page.get_by_label("County or area").select_option(label="Surrey")
    page.get_by_label("Create a password").fill("password")
    page.get_by_label("Type your password again").fill("password")
    page.get_by_role("button", name="Create account").click()

    expect_heading(page, "Create an account")
    # The advice is beside the field (its error, tied to it by aria-describedby) and in the summary.
    error = page.locator("#password-error")
    expect(error).to_contain_text(ADVICE)
    expect(page.get_by_label("Create a password")).to_have_attribute("aria-describedby", "password-hint password-error")
    expect(page.get_by_role("alert")).to_contain_text("There is a problem")
    check_a11y(page)

    page.get_by_label("Create a password").fill(GOOD_PASSWORD)
    page.get_by_label("Type your password again").fill(GOOD_PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect_heading(page, "Check your email")
    check_a11y(page)
    link = mailbox.link("sam@example.org", "/verify/")
    assert link.startswith(live_server + "/verify/")  # from BASE_URL, which is this server


def test_forgotten_password_journey(page, live_server, mailbox, app):
    with app.app_context():
        create_member(email="forgetful@example.org", name="Fran Forgetful")

    page.goto(live_server + "/login")
    expect_heading(page, "Log in")
    page.get_by_role("link", name="I have forgotten my password").click()
    expect_heading(page, "Reset your password")
    check_a11y(page)
    page.get_by_label("Email address").fill("forgetful@example.org")
    page.get_by_role("button", name="Send the link").click()
    expect_heading(page, "Check your email")
    expect(page.get_by_role("main")).to_contain_text("forgetful@example.org")
    check_a11y(page)

    link = mailbox.link("forgetful@example.org", "/password/reset/")
    assert link.startswith(live_server + "/password/reset/")
    page.goto(link)
    expect_heading(page, "Choose a new password")
    check_a11y(page)
    page.get_by_label("New password", exact=True).fill("12345678")
    page.get_by_label("Type your new password again").fill("12345678")
    page.get_by_role("button", name="Save new password").click()
    expect(page.locator("#password-error")).to_contain_text(ADVICE)
    check_a11y(page)

    page.get_by_label("New password", exact=True).fill(GOOD_PASSWORD)
    page.get_by_label("Type your new password again").fill(GOOD_PASSWORD)
    page.get_by_role("button", name="Save new password").click()
    expect_heading(page, "Log in")
    expect_banner(page, "Your password has been changed")
    check_a11y(page)
    page.get_by_label("Email address").fill("forgetful@example.org")
    page.get_by_label("Password", exact=True).fill(GOOD_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect_heading(page, "Your account")


def test_asking_to_reset_an_address_with_no_account_looks_the_same(page, live_server, mailbox):
    page.goto(live_server + "/password/forgot")
    page.get_by_label("Email address").fill("nobody@example.org")
    page.get_by_role("button", name="Send the link").click()
    expect_heading(page, "Check your email")
    check_a11y(page)
    [message] = mailbox.to("nobody@example.org")
    assert "there is no account with this address" in mailbox.body(message)
