"""The partnership map in a real browser (issue 15 point 8: "a theme lead adds organisations and sees the gap grid").

A theme lead opens the map from the menu, adds an organisation (a named contact without their consent first: the
mistake is explained beside its field), adds a second one, changes the first one's status, and opens the gap view:
the table and the chart say the same numbers. Every page visited passes axe.
"""
import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import check_a11y
from tests.browser.journey import expect_banner, expect_heading, log_in, open_menu
from tests.conftest import create_member

pytestmark = pytest.mark.browser

LEAD = "tess.lead@example.org"


@pytest.fixture
def lead(app):
    with app.app_context():
        create_member(name="Tess Lead", email=LEAD, role="theme_lead", themes=("cross-cutting",))


def add_organisation(page, name, areas, status, sector="Voluntary and community sector"):
    page.get_by_label("Name of the organisation or community").fill(name)
    page.get_by_label("Sector").select_option(label=sector)
    for area in areas:
        page.get_by_role("group", name="Areas it serves").get_by_label(area, exact=True).check()
    page.get_by_role("group", name="Themes it is interested in").get_by_label("Cross-cutting").check()
    page.get_by_role("group", name="Partnership").get_by_label(status, exact=True).check()


def test_a_theme_lead_maps_organisations_and_sees_the_gaps(new_page, live_server, lead):
    page = new_page()
    log_in(page, live_server, LEAD)
    open_menu(page)
    page.get_by_role("link", name="Partnership map").click()
    expect_heading(page, "Partnership map")
    expect(page.get_by_role("status").first).to_contain_text("0 organisations found")
    check_a11y(page)

    page.get_by_role("link", name="Add an organisation").click()
    expect_heading(page, "Add an organisation or community")
    check_a11y(page)
    add_organisation(page, "Medway Carers Hub", ["Medway", "Kent"], "Contacted")
    page.get_by_label("Contact's name (optional)").fill("Sam Patel")  # but no tick for their consent
    page.get_by_role("button", name="Save organisation").click()
    expect(page).to_have_title(re.compile(r"^Error: "))
    expect(page.get_by_role("alert")).to_contain_text("Tick to say the contact agreed")
    expect(page.locator("#contact_consent-error")).to_contain_text("Tick to say the contact agreed")
    check_a11y(page)
    page.get_by_label("A named contact agreed to us keeping their name and email").check()
    page.get_by_label("Contact's email (optional)").fill("sam@example.org")
    page.get_by_role("button", name="Save organisation").click()
    expect_banner(page, "The organisation has been saved.")
    expect_heading(page, "Medway Carers Hub")
    expect(page.locator("main")).to_contain_text("Sam Patel")
    check_a11y(page)

    # It became an active partner: the change goes in its history.
    page.get_by_role("link", name=re.compile(r"^Change")).click()
    expect_heading(page, "Change Medway Carers Hub")
    check_a11y(page)
    page.get_by_role("group", name="Partnership").get_by_label("Active partner", exact=True).check()
    page.get_by_label("What changed? (optional)").fill("Signed the partnership agreement")
    page.get_by_role("button", name="Save organisation").click()
    expect_banner(page, "The organisation has been saved.")
    expect(page.get_by_role("table")).to_contain_text("Signed the partnership agreement")

    page.get_by_role("link", name="Back to the partnership map").click()
    page.get_by_role("link", name="Add an organisation").click()
    add_organisation(page, "Surrey Youth Forum", ["Surrey"], "Active partner", sector="Community group")
    page.get_by_role("button", name="Save organisation").click()
    expect_banner(page, "The organisation has been saved.")

    page.get_by_role("link", name="Back to the partnership map").click()
    expect(page.get_by_role("status").first).to_contain_text("2 organisations found")
    page.get_by_label("Area").select_option(label="Surrey")
    page.get_by_role("button", name="Show organisations").click()
    expect(page.get_by_role("status").first).to_contain_text("1 organisation found")
    check_a11y(page)

    page.get_by_role("link", name="See where no theme has an active partner yet").click()
    expect_heading(page, "Where we have no partners yet")
    check_a11y(page)
    table = page.get_by_role("table", name="Active partners by theme and area")
    row = table.get_by_role("row", name=re.compile(r"^Cross-cutting"))
    cells = [text.split()[0] for text in row.get_by_role("cell").all_inner_texts()]
    areas = ["Kent", "Medway", "Surrey", "East Sussex", "West Sussex", "Brighton and Hove"]
    assert cells == ["1", "1", "1", "0", "0", "0"]
    for area, number in zip(areas, cells, strict=True):
        slug = area.lower().replace(" ", "_")
        expect(page.locator(f'svg rect[data-cell="cross-cutting:{slug}"]')).to_have_attribute("data-count", number)
    expect(page.get_by_role("img", name=re.compile("The same numbers are in the table"))).to_be_visible()
    expect(page.locator("main")).to_contain_text("Cross-cutting in East Sussex")
