"""Plugin settings in a real browser (issue 13, point 3): an admin sets Starting Well's consent age and
safeguarding lead, a mistake is explained beside its field, and young people then see the contact.
Every page visited passes axe (no serious or critical problems)."""
import re

import pytest
from playwright.sync_api import expect

from copractice.extensions import db
from copractice.plugin_models import PluginState
from tests.browser.conftest import check_a11y
from tests.browser.journey import expect_banner, expect_heading, log_in, nav
from tests.conftest import create_member

pytest.importorskip("copractice_childrens_mental_health")
pytestmark = pytest.mark.browser


@pytest.fixture
def admin_email(app):
    with app.app_context():
        db.session.merge(PluginState(name="childrens_mental_health", enabled=True))
        db.session.commit()
        return create_member(role="admin", name="Ada Admin", email="ada@example.org").email


def test_admin_sets_starting_well_settings_and_young_people_see_the_safeguarding_lead(new_page, live_server, admin_email):
    page = new_page()
    log_in(page, live_server, admin_email)
    nav(page, "Admin")
    page.get_by_role("main").get_by_role("link", name="Plugins").click()
    expect_heading(page, "Plugins")
    page.get_by_role("link", name="Settings of childrens_mental_health").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Settings")
    age = page.get_by_label("Age below which a parent's or guardian's consent is needed")
    expect(age).to_have_value("16")
    check_a11y(page)

    # Mistakes are explained in a summary and beside each field; nothing is saved.
    age.fill("12")
    page.get_by_label("Safeguarding lead's email address (optional)").fill("sam at example")
    page.get_by_role("button", name="Save settings").click()
    expect(page).to_have_title(re.compile(r"^Error: Settings"))
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("Enter a number from 13 to 18.")
    expect(summary).to_contain_text("Enter an email address in the right form, like name@example.org.")
    expect(page.locator("#consent_age-error")).to_contain_text("Enter a number from 13 to 18.")
    expect(age).to_have_attribute("aria-describedby", re.compile("consent_age-error"))
    check_a11y(page)

    summary.get_by_role("link", name="Enter a number from 13 to 18.").click()
    expect(age).to_be_focused()
    age.fill("18")
    page.get_by_label("Safeguarding lead's name (optional)").fill("Sam Patel")
    page.get_by_label("Safeguarding lead's email address (optional)").fill("safeguarding@example.org")
    page.get_by_role("button", name="Save settings").click()
    expect_banner(page, "The settings of childrens_mental_health have been saved.")
    expect(page.get_by_label("Age below which a parent's or guardian's consent is needed")).to_have_value("18")
    check_a11y(page)

    young = new_page()
    young.goto(live_server + "/childrens-mental-health/for-young-people")
    expect_heading(young, "For young people")
    expect(young.get_by_role("link", name="safeguarding@example.org")).to_have_attribute(
        "href", "mailto:safeguarding@example.org")
    expect(young.get_by_role("main")).to_contain_text("Write to Sam Patel")
    check_a11y(young)
