"""The impact log and equality monitoring in a real browser (issue 16 points 6, 7 and 9).

A theme lead adds an impact log entry linked to one of the five principles (a missing answer first: the mistake is
explained beside its field), then reads the yearly impact report, where the entry and the indicators are. A member
fills in equality monitoring (refused until they tick the consent box), then takes their agreement back, and their
answers are gone. Every page visited passes axe.
"""
import re

import pytest
from playwright.sync_api import expect

from copractice.timeutil import utcnow
from tests.browser.conftest import check_a11y
from tests.browser.journey import expect_banner, expect_heading, log_in, open_menu
from tests.conftest import create_member

pytestmark = pytest.mark.browser

LEAD = "ivy.lead@example.org"
MEMBER = "mo.member@example.org"


@pytest.fixture
def people(app):
    with app.app_context():
        create_member(name="Ivy Lead", email=LEAD, role="theme_lead", themes=("cross-cutting",))
        create_member(name="Mo Member", email=MEMBER)


def test_a_lead_logs_an_impact_linked_to_a_principle_and_reads_the_yearly_report(new_page, live_server, people):
    year = utcnow().year
    page = new_page()
    log_in(page, live_server, LEAD)
    open_menu(page)
    page.get_by_role("link", name="Impact", exact=True).click()
    expect_heading(page, "Impact log")
    check_a11y(page)
    page.get_by_role("link", name="Add to the impact log").click()
    expect_heading(page, "Add to the impact log")
    check_a11y(page)
    page.get_by_label("Theme").select_option(label="Cross-cutting")
    page.get_by_label("What changed?").fill("Meeting papers now come in Easy Read")
    page.get_by_label("When did it change?").fill(f"{year}-03-01")
    page.get_by_role("button", name="Save").click()
    expect(page).to_have_title(re.compile(r"^Error: "))
    expect(page.locator("#for_whom-error")).to_contain_text("Write who it changed things for.")
    check_a11y(page)
    page.get_by_label("Who did it change things for?").fill("People with learning disabilities on the forum")
    page.get_by_label("Which principle of co-production does it show? (optional)").select_option(
        label="Including all perspectives and skills")
    page.get_by_role("button", name="Save").click()
    expect_banner(page, "The impact log entry has been saved.")
    expect(page.locator("main")).to_contain_text("Meeting papers now come in Easy Read")

    page.get_by_role("link", name="Read the yearly impact report").click()
    expect_heading(page, re.compile(rf"Impact report {year}"))
    main = page.locator("main")
    expect(main).to_contain_text("Including all perspectives and skills")
    expect(main).to_contain_text("People trained (completed a course)")
    expect(main).to_contain_text("not yet measured")
    check_a11y(page)
    with page.expect_download() as download:
        page.get_by_role("link", name="CSV").click()
    assert download.value.suggested_filename.endswith(".csv")


def test_a_member_fills_in_equality_monitoring_and_then_withdraws(new_page, live_server, people):
    page = new_page()
    log_in(page, live_server, MEMBER)
    open_menu(page)
    page.get_by_role("link", name="My account").click()
    page.get_by_role("link", name="Answer or change the equality monitoring questions").click()
    expect_heading(page, "Equality monitoring")
    check_a11y(page)
    page.get_by_role("group", name=re.compile("How old are you")).get_by_label("35 to 44").check()
    page.get_by_role("group", name=re.compile("What is your sex")).get_by_label("Prefer not to say").check()
    page.get_by_role("button", name="Save my answers").click()
    expect(page).to_have_title(re.compile(r"^Error: "))
    expect(page.locator("#consent-error")).to_contain_text("Tick the box")
    check_a11y(page)
    page.get_by_label("I agree to the site keeping my answers to these questions").check()
    page.get_by_role("button", name="Save my answers").click()
    expect_banner(page, "Your answers have been saved.")
    expect(page.get_by_role("group", name=re.compile("How old are you")).get_by_label("35 to 44")).to_be_checked()
    check_a11y(page)
    page.get_by_role("button", name="Delete my answers").click()
    expect_banner(page, "Your equality monitoring answers have been deleted.")
    expect(page.get_by_role("group", name=re.compile("How old are you")).get_by_label("35 to 44")).not_to_be_checked()
    expect(page.get_by_role("button", name="Delete my answers")).to_have_count(0)
    check_a11y(page)
