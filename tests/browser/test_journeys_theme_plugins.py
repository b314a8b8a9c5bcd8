"""A theme lead runs their theme's plugins in a real browser (issue 13, point 1): an admin lets theme leads manage
the dementia plugins; the dementia lead finds the switched-off theme, opens its plugins, previews the dementia plugin
(members still do not see it), switches it on, changes a setting after a mistake explained beside the field, and
sees the changes listed; the lead of another theme is refused. Every page visited passes axe."""
import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import check_a11y
from tests.browser.journey import expect_banner, expect_heading, log_in, nav
from tests.conftest import create_member

pytest.importorskip("copractice_dementia")
pytestmark = pytest.mark.browser

DEMENTIA = "Living with Dementia"


@pytest.fixture
def app_settings():
    return {"EXTRA_PLUGINS": ["memory_cafes=tests.plugins.memory_cafes"]}


@pytest.fixture
def people(app):
    with app.app_context():
        return {"admin": create_member(role="admin", name="Ada Admin", email="ada@example.org").email,
                "lead": create_member(role="theme_lead", themes=("dementia",), name="Dev Mistry",
                                      email="dev@example.org").email,
                "other": create_member(role="theme_lead", themes=("social-care",), name="Sam Other",
                                       email="sam@example.org").email,
                "member": create_member(role="trainee", name="Tia Trainee", email="tia@example.org").email}


def main_nav(page):
    return page.get_by_role("navigation", name="Main")


def plugin_row(page, name):
    return page.get_by_role("row").filter(has=page.get_by_role("cell", name=name, exact=True))


def test_the_dementia_lead_previews_switches_and_configures_their_plugins(new_page, live_server, people):
    # An admin lets theme leads manage the plugins of the dementia theme.
    admin = new_page()
    log_in(admin, live_server, people["admin"])
    nav(admin, "Admin")
    admin.get_by_role("main").get_by_role("link", name="Plugins").click()
    expect_heading(admin, "Plugins")
    for name in ("dementia", "memory_cafes"):
        plugin_row(admin, name).get_by_role("button", name=f"Let theme leads manage it ({name})").click()
        expect_banner(admin, f"Theme leads may now switch {name} and change its settings.")
    expect(plugin_row(admin, "dementia").get_by_role("cell").nth(6)).to_contain_text(
        "May switch it and change its settings")
    check_a11y(admin)

    # The lead finds their theme, still switched off, and its plugins.
    page = new_page()
    log_in(page, live_server, people["lead"])
    nav(page, "Themes")
    expect_heading(page, "Themes")
    check_a11y(page)
    page.get_by_role("link", name=DEMENTIA).click()
    expect_heading(page, DEMENTIA)
    expect(page.get_by_role("main")).to_contain_text("This theme is switched off: members cannot see this page.")
    check_a11y(page)
    page.get_by_role("link", name="Plugins for this theme").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Plugins {DEMENTIA}")
    row = plugin_row(page, "dementia")
    expect(row.get_by_role("cell").nth(2)).to_have_text("Switched off")
    expect(row.get_by_role("cell").nth(1)).to_contain_text("makes this theme")
    expect(plugin_row(page, "memory_cafes").get_by_role("cell").nth(1)).to_contain_text("adds to this theme")
    check_a11y(page)

    # Preview: the theme page with the plugin's menu link and widgets, for the lead alone.
    row.get_by_role("link", name="Preview dementia").click()
    expect_heading(page, DEMENTIA)
    expect(page.get_by_role("main").get_by_role("status")).to_contain_text("Preview — members do not see this yet.")
    expect(main_nav(page).get_by_role("link", name="Reading settings")).to_be_visible()
    expect(page.get_by_role("heading", name="Easier reading")).to_be_visible()
    check_a11y(page)
    member = new_page()
    log_in(member, live_server, people["member"])
    expect(main_nav(member).get_by_role("link", name="Reading settings")).to_have_count(0)
    member.goto(live_server + "/themes/dementia")
    expect_heading(member, "Page not found")

    # Switch it on, for everyone.
    page.get_by_role("link", name=f"Back to the plugins of {DEMENTIA}").first.click()
    plugin_row(page, "dementia").get_by_role("link", name="Switch on dementia").click()
    expect_heading(page, "Switch on dementia for everyone on the site?")
    check_a11y(page)
    page.get_by_role("button", name="Yes, switch it on").click()
    expect_banner(page, "dementia is now switched on for everyone.")
    expect(plugin_row(page, "dementia").get_by_role("cell").nth(2)).to_have_text("Switched on")
    expect(page.get_by_role("main").get_by_role("listitem").filter(has_text="Dev Mistry – enabled (dementia)")
           ).to_be_visible()
    check_a11y(page)
    member.goto(live_server + "/themes/dementia")
    expect_heading(member, DEMENTIA)
    expect(main_nav(member).get_by_role("link", name="Reading settings")).to_be_visible()

    # A plugin that adds to the theme is switched for the theme's courses alone.
    plugin_row(page, "memory_cafes").get_by_role("link", name="Switch on memory_cafes").click()
    expect_heading(page, f"Switch on memory_cafes for {DEMENTIA} courses?")
    expect(page.get_by_role("main")).to_contain_text("Other themes' courses are not changed.")
    check_a11y(page)
    page.get_by_role("button", name="Yes, switch it on").click()
    expect_banner(page, f"memory_cafes is now switched on for {DEMENTIA} courses.")
    expect(plugin_row(page, "memory_cafes").get_by_role("cell").nth(2)).to_contain_text(
        f"Switched on for {DEMENTIA} courses")
    expect(plugin_row(page, "memory_cafes").get_by_role("cell").nth(2)).to_contain_text(
        "Switched off for the rest of the site")
    check_a11y(page)

    # A setting: a wrong number is explained beside the field and in the summary; then saved.
    plugin_row(page, "memory_cafes").get_by_role("link", name="Settings of memory_cafes").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Settings")
    cafes = page.get_by_label("Memory cafés each month")
    expect(cafes).to_have_value("2")
    cafes.fill("20")
    page.get_by_role("button", name="Save settings").click()
    expect(page).to_have_title(re.compile(r"^Error: Settings"))
    expect(page.get_by_role("alert")).to_contain_text("Enter a number from 1 to 8.")
    expect(page.locator("#cafes_a_month-error")).to_contain_text("Enter a number from 1 to 8.")
    expect(cafes).to_have_attribute("aria-describedby", re.compile("cafes_a_month-error"))
    check_a11y(page)
    cafes.fill("3")
    page.get_by_role("button", name="Save settings").click()
    expect_banner(page, "The settings of memory_cafes have been saved.")
    expect(page.get_by_label("Memory cafés each month")).to_have_value("3")
    check_a11y(page)
    page.get_by_role("link", name=f"Back to the plugins of {DEMENTIA}").click()
    expect(page.get_by_role("main").get_by_role("listitem").filter(
        has_text="Dev Mistry – settings changed (memory_cafes): cafes a month 3")).to_be_visible()
    check_a11y(page)

    # The lead of another theme is refused this theme's plugins.
    other = new_page()
    log_in(other, live_server, people["other"])
    for path in ("/themes/dementia/plugins", "/themes/dementia/plugins/dementia/switch",
                 "/themes/dementia/plugins/memory_cafes/settings"):
        other.goto(live_server + path)
        expect_heading(other, "You do not have permission to see this page")
    check_a11y(other)
