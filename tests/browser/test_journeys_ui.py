"""Phones and reading: the menu folds behind a "Menu" button so content starts on the first screen, and
the core's reading settings (text size, spacing, contrast) change every page and stay when the dementia
plugin is switched off. Every page visited passes axe (no serious or critical problems)."""
import re

import pytest
from playwright.sync_api import expect

from copractice.extensions import db
from copractice.plugin_models import PluginState
from tests.browser.conftest import check_a11y
from tests.browser.journey import assert_fits, expect_banner, expect_heading, log_in, nav, open_menu
from tests.conftest import create_member

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 667}
DESKTOP = {"width": 1280, "height": 800}


def main_nav(page):
    return page.get_by_role("navigation", name="Main")


def menu_button(page):
    return page.get_by_role("button", name="Menu", exact=True)


def assert_heading_on_first_screen(page, height):
    """The page's content starts near the top of the first screen (the header takes at most a fifth of it)
    and its h1 is wholly on that screen, with no scrolling."""
    assert page.evaluate("window.scrollY") == 0
    main = page.get_by_role("main").bounding_box()
    assert main["y"] <= height / 5, f"{page.url}: the content starts {main['y']}px down, below the menu"
    box = page.get_by_role("heading", level=1).bounding_box()
    assert box["y"] + box["height"] <= height, f"{page.url}: the heading ends {box['y'] + box['height']}px down"


@pytest.fixture
def member(app):
    with app.app_context():
        db.session.merge(PluginState(name="dementia", enabled=True))  # as an admin switched it on earlier
        db.session.commit()
        create_member(role="admin", name="Ada Admin", email="ada@example.org")
        return create_member(name="Pat Green", email="pat@example.org").email


# -- Journey: on a phone, a member finds the page's content first and the menu behind a button ---------------

def test_on_a_phone_content_comes_first_and_the_menu_opens_from_its_button(new_page, live_server, member):
    page = new_page(viewport=PHONE)
    log_in(page, live_server, "ada@example.org")  # an admin has the longest menu
    for path, heading in [("/account", "Your account"), ("/courses", "Find a course"), ("/admin/", "Admin")]:
        page.goto(live_server + path)
        expect_heading(page, heading)
        assert_heading_on_first_screen(page, PHONE["height"])
        expect(menu_button(page)).to_have_attribute("aria-expanded", "false")
        expect(main_nav(page).get_by_role("link", name="My learning")).to_be_hidden()
        assert_fits(page, PHONE["width"])
        check_a11y(page)

    # The button opens the menu, and it says so to screen readers.
    expect(menu_button(page)).to_have_attribute("aria-controls", "main-nav")
    menu_button(page).click()
    expect(menu_button(page)).to_have_attribute("aria-expanded", "true")
    expect(main_nav(page).get_by_role("link", name="My learning")).to_be_visible()
    expect(main_nav(page).get_by_role("button", name="Log out")).to_be_visible()
    check_a11y(page)
    menu_button(page).click()
    expect(menu_button(page)).to_have_attribute("aria-expanded", "false")
    expect(main_nav(page).get_by_role("link", name="My learning")).to_be_hidden()

    # By keyboard alone: skip link, service name, then the Menu button; Enter opens, Tab goes into the menu,
    # Escape closes it and leaves the keyboard on the button.
    page.goto(live_server + "/courses")
    expect_heading(page, "Find a course")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to main content")).to_be_focused()
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    expect(menu_button(page)).to_be_focused()
    page.keyboard.press("Enter")
    expect(menu_button(page)).to_have_attribute("aria-expanded", "true")
    page.keyboard.press("Tab")
    expect(main_nav(page).get_by_role("link", name="Courses", exact=True)).to_be_focused()
    page.keyboard.press("Escape")
    expect(menu_button(page)).to_have_attribute("aria-expanded", "false")
    expect(menu_button(page)).to_be_focused()
    page.keyboard.press("Space")
    expect(menu_button(page)).to_have_attribute("aria-expanded", "true")
    check_a11y(page)

    # The journeys' own helper opens the menu to follow a link.
    nav(page, "My learning")
    expect_heading(page, "My learning")
    expect(menu_button(page)).to_have_attribute("aria-expanded", "false")  # a new page starts folded


def test_on_a_wide_screen_the_menu_is_always_shown(new_page, live_server, member):
    page = new_page(viewport=DESKTOP)
    log_in(page, live_server, member)
    expect(menu_button(page)).to_be_hidden()
    expect(main_nav(page).get_by_role("link", name="My learning")).to_be_visible()
    check_a11y(page)


def test_without_the_script_the_menu_is_simply_shown(new_page, live_server, member):
    """Where copractice.js does not run (blocked, failed, switched off) nothing is folded away."""
    page = new_page(viewport=PHONE)
    page.route("**/copractice.js", lambda route: route.abort())  # (the axe check itself needs script on)
    page.goto(live_server + "/courses")
    expect_heading(page, "Find a course")
    expect(menu_button(page)).to_have_count(0)  # hidden, so not offered to anyone
    expect(main_nav(page).get_by_role("link", name="Log in")).to_be_visible()
    assert_fits(page, PHONE["width"])
    check_a11y(page)


# -- Journey: reading settings make pages easier to read, and stay when the dementia theme is switched off ----

def root_font_size(page):
    return page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)")


def test_reading_settings_change_every_page_and_survive_the_dementia_plugin_being_switched_off(
        new_page, live_server, member):
    page = new_page(viewport=PHONE)
    log_in(page, live_server, member)
    standard_size = root_font_size(page)

    nav(page, "Reading settings")  # the dementia theme puts them in the menu
    expect_heading(page, "Reading settings")
    expect(page).to_have_url(live_server + "/account/reading")
    expect(page.get_by_role("group", name="Text size").get_by_label("Standard size")).to_be_checked()
    assert_fits(page, PHONE["width"])
    check_a11y(page)

    page.get_by_role("group", name="Text size").get_by_label("Largest text").check()
    page.get_by_role("group", name="Spacing").get_by_label("More space between lines, words and letters").check()
    page.get_by_role("group", name="Colours").get_by_label(re.compile("^Higher contrast")).check()
    page.get_by_label("Less movement on the screen").check()
    page.get_by_role("button", name="Save my settings").click()
    expect_banner(page, "Your reading settings are saved.")
    expect(page.locator("html")).to_have_class(re.compile(r"\breading-text-largest\b.*\breading-contrast-high\b"))
    assert root_font_size(page) == pytest.approx(standard_size * 1.5)
    expect(page.get_by_role("group", name="Text size").get_by_label("Largest text")).to_be_checked()
    assert_fits(page, PHONE["width"])
    check_a11y(page)

    # An admin switches the dementia theme off.
    admin = new_page()
    log_in(admin, live_server, "ada@example.org")
    admin.goto(live_server + "/admin/plugins/dementia")
    expect_heading(admin, "Disable dementia?")
    admin.get_by_role("button", name=re.compile("^Yes")).click()
    expect_banner(admin, "dementia is now disabled.")

    # The member's pages keep their settings; the theme's menu link has gone, the footer's stays.
    for path, heading in [("/courses", "Find a course"), ("/account", "Your account")]:
        page.goto(live_server + path)
        expect_heading(page, heading)
        expect(page.locator("html")).to_have_class(re.compile(r"\breading-text-largest\b"))
        assert root_font_size(page) == pytest.approx(standard_size * 1.5)
        assert_fits(page, PHONE["width"])
        check_a11y(page)
    open_menu(page)
    expect(main_nav(page).get_by_role("link", name="Reading settings")).to_have_count(0)
    page.get_by_role("contentinfo").get_by_role("link", name="Reading settings").click()
    expect_heading(page, "Reading settings")
    expect(page.get_by_role("group", name="Text size").get_by_label("Largest text")).to_be_checked()

    # And back to the standard size.
    page.get_by_role("group", name="Text size").get_by_label("Standard size").check()
    page.get_by_role("button", name="Save my settings").click()
    expect_banner(page, "Your reading settings are saved.")
    assert root_font_size(page) == pytest.approx(standard_size)
    check_a11y(page)
