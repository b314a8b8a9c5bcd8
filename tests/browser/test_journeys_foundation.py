"""Foundation journeys in a real browser: every page visited passes axe (no serious or critical problems)."""
import json
import re

import pytest
from playwright.sync_api import expect

from copractice.members.models import Member
from tests.browser.conftest import check_a11y
from tests.conftest import PASSWORD, create_member

pytestmark = pytest.mark.browser

NEW_PASSWORD = "three random words"


def expect_heading(page, text):
    """The page's main heading (h1) says ``text``: the browser has arrived on the page."""
    expect(page.get_by_role("heading", level=1)).to_have_text(text)


def log_in(page, email, password=PASSWORD):
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Log in").click()


# -- Journey A: a new member looks after their own account ----------------------------------------

def test_register_verify_log_in_edit_download_and_log_out(page, live_server, mailbox):
    email = "rosa.lane@example.org"

    page.goto(live_server + "/")
    expect_heading(page, "Co-production training and practice")
    check_a11y(page)

    page.get_by_role("main").get_by_role("link", name="Create an account").click()
    expect_heading(page, "Create an account")
    check_a11y(page)

    page.get_by_label("Full name").fill("Rosa Lane")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Carer", exact=True).check()
    page.get_by_label("County or area").select_option(label="Surrey")
    page.get_by_label("Step-free access").check()
    page.get_by_label("Create a password").fill(NEW_PASSWORD)
    page.get_by_label("Type your password again").fill(NEW_PASSWORD)
    page.get_by_label("Contact me about taking part in research").check()
    page.get_by_role("button", name="Create account").click()
    expect_heading(page, "Check your email")
    expect(page.get_by_role("main")).to_contain_text(email)
    check_a11y(page)

    # The real confirmation email, delivered over SMTP; its link points at the live server.
    link = mailbox.link(email, "/verify/")
    assert link.startswith(live_server + "/verify/")
    page.goto(link)
    expect_heading(page, "Log in")
    expect(page.get_by_role("status")).to_contain_text("Your email address is confirmed")
    check_a11y(page)

    log_in(page, email, NEW_PASSWORD)
    expect_heading(page, "Your account")
    main = page.get_by_role("main")
    expect(main).to_contain_text("Rosa Lane")
    expect(main).to_contain_text("Step-free access")
    check_a11y(page)

    page.get_by_role("link", name="Change your details").click()
    expect_heading(page, "Change your details")
    check_a11y(page)
    organisation = page.get_by_label("Organisation (optional)")
    expect(organisation).to_have_value("")
    organisation.fill("Surrey Carers Network")
    page.get_by_role("button", name="Save your details").click()
    expect_heading(page, "Your account")
    expect(page.get_by_role("status")).to_contain_text("Your details have been saved.")
    expect(page.get_by_role("main")).to_contain_text("Surrey Carers Network")
    check_a11y(page)

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download your data (JSON file)").click()
    download = download_info.value
    assert download.suggested_filename == "my-copractice-data.json"
    with open(download.path(), encoding="utf-8") as handle:
        data = json.load(handle)
    assert data["account"]["email"] == email
    assert data["profile"]["organisation"] == "Surrey Carers Network"
    assert data["profile"]["stakeholder_type"] == "carer"
    assert data["profile"]["area"] == "surrey"
    assert "step_free" in data["profile"]["access_needs"]
    research = [c for c in data["consents"] if c["kind"] == "research_contact"]
    assert research and research[-1]["granted"] is True

    page.get_by_role("button", name="Log out").click()
    expect_heading(page, "Co-production training and practice")
    expect(page.get_by_role("status")).to_contain_text("You have logged out")
    expect(page.get_by_role("button", name="Log out")).to_have_count(0)
    check_a11y(page)

    page.goto(live_server + "/account")
    expect(page).to_have_url(re.compile(r"/login\?next=%2Faccount$"))
    expect_heading(page, "Log in")
    check_a11y(page)


def test_empty_registration_shows_an_error_summary_and_errors_beside_fields(page, live_server):
    page.goto(live_server + "/register")
    expect_heading(page, "Create an account")
    page.get_by_role("button", name="Create account").click()

    summary = page.get_by_role("alert").filter(has_text="There is a problem")
    expect(summary).to_be_visible()
    expect(summary.get_by_role("heading", name="There is a problem")).to_be_visible()
    expect(page).to_have_title(re.compile(r"^Error: "))
    # The summary takes focus, so a screen reader announces it first.
    expect(summary).to_be_focused()
    expected = {
        "Enter your full name.": "#name",
        "Enter your email address.": "#email",
        "Choose which best describes you.": "#stakeholder_type-0",
        "Choose your county or area.": "#area",
        "Create a password.": "#password",
    }
    for message, anchor in expected.items():
        expect(summary.get_by_role("link", name=message)).to_have_attribute("href", anchor)

    # Each error sits beside its field and is part of the field's accessible description.
    expect(page.locator("#name-error")).to_contain_text("Enter your full name.")
    expect(page.get_by_label("Full name")).to_have_accessible_description(re.compile("Enter your full name"))
    expect(page.get_by_label("Email address")).to_have_accessible_description(
        re.compile("Enter your email address"))
    expect(page.get_by_role("group", name="Which of these best describes you?")).to_contain_text(
        "Choose which best describes you.")
    check_a11y(page)

    # A summary link takes the user to the field.
    summary.get_by_role("link", name="Enter your full name.").click()
    expect(page.get_by_label("Full name")).to_be_focused()


# -- Journey B: an admin changes a member's role ---------------------------------------------------

def test_admin_changes_a_members_role_and_sees_it_in_the_audit_log(page, live_server, app):
    with app.app_context():
        admin = create_member(role="admin", name="Ada Admin", email="ada@example.org")
        trainee = create_member(role="trainee", name="Tom Trainee", email="tom@example.org")
        admin_email, trainee_id = admin.email, trainee.id

    page.goto(live_server + "/login")
    expect_heading(page, "Log in")
    log_in(page, admin_email)
    expect_heading(page, "Your account")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Admin").click()
    expect_heading(page, "Admin")
    check_a11y(page)

    page.get_by_role("main").get_by_role("link", name="Members").click()
    expect_heading(page, "Members")
    check_a11y(page)

    page.get_by_role("searchbox", name="Search by name or email").fill("Tom Trainee")
    page.get_by_role("button", name="Apply").click()
    expect(page.get_by_role("status")).to_have_text("1 member found.")
    check_a11y(page)
    page.get_by_role("link", name="Tom Trainee").click()
    expect_heading(page, "Tom Trainee")
    check_a11y(page)

    # Both forms on the page ask for a reason; each label must name its own box.
    expect(page.get_by_label("Reason (optional, kept in the audit log)")).to_have_count(2)

    page.get_by_role("group", name="Role").get_by_label("Facilitator", exact=True).check()
    role_form = page.locator("form", has=page.get_by_role("button", name="Save role"))
    role_form.get_by_label("Reason (optional, kept in the audit log)").fill("Runs the Surrey sessions")
    page.get_by_role("button", name="Save role").click()
    expect(page.get_by_role("status")).to_contain_text("Tom Trainee is now: Facilitator.")
    expect(page).to_have_url(re.compile(rf"/admin/members/{trainee_id}$"))
    check_a11y(page)
    with app.app_context():
        from copractice.extensions import db
        assert db.session.get(Member, trainee_id).role == "facilitator"

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Admin").click()
    page.get_by_role("main").get_by_role("link", name="Audit log").click()
    expect_heading(page, "Audit log")
    entry = page.get_by_role("row").filter(has_text="member.role_changed")
    expect(entry).to_have_count(1)
    expect(entry).to_contain_text("Ada Admin")
    expect(entry).to_contain_text("Tom Trainee")
    expect(entry.get_by_role("cell").nth(4)).to_contain_text("role: trainee")
    expect(entry.get_by_role("cell").nth(5)).to_contain_text("role: facilitator")
    expect(entry).to_contain_text("Runs the Surrey sessions")
    check_a11y(page)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Admin").click()
    page.get_by_role("main").get_by_role("link", name="Plugins").click()
    expect_heading(page, "Plugins")
    expect(page.get_by_role("table")).to_contain_text("Built in, always on")
    check_a11y(page)


# -- Small screens ---------------------------------------------------------------------------------

@pytest.mark.parametrize("path, heading", [
    ("/", "Co-production training and practice"),
    ("/register", "Create an account"),
])
def test_pages_fit_a_320px_screen_without_sideways_scrolling(new_page, live_server, path, heading):
    page = new_page(viewport={"width": 320, "height": 640})
    page.goto(live_server + path)
    expect_heading(page, heading)
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= 320, f"{path} scrolls sideways at 320px: content is {scroll_width}px wide"
    check_a11y(page)
