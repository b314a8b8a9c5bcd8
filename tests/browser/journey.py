"""Steps every browser journey takes: arrive on a page, read a message, use the menu, log in, fit the screen."""
from playwright.sync_api import expect

from tests.browser.conftest import check_a11y
from tests.conftest import PASSWORD


def expect_heading(page, text):
    """The page's main heading (h1) says ``text``: the browser has arrived on the page."""
    expect(page.get_by_role("heading", level=1)).to_have_text(text)


def expect_banner(page, text):
    """A flashed or page message (a status banner) says ``text``."""
    expect(page.get_by_role("main").get_by_role("status").filter(has_text=text)).to_be_visible()


def open_menu(page):
    """On a narrow screen, open the main menu folded behind its "Menu" button (a no-op where it is not folded)."""
    page.wait_for_load_state("domcontentloaded")  # copractice.js (deferred) has folded the menu by then
    menu = page.get_by_role("button", name="Menu", exact=True)
    if menu.is_visible() and menu.get_attribute("aria-expanded") == "false":
        menu.click()
        expect(menu).to_have_attribute("aria-expanded", "true")


def nav(page, name):
    """Follow a link in the main navigation (opening the menu first on a phone)."""
    open_menu(page)
    page.get_by_role("navigation", name="Main").get_by_role("link", name=name, exact=True).click()


def log_in(page, base_url, email):
    """Log in through the form, as a person would (checking both pages with axe)."""
    page.goto(base_url + "/login")
    expect_heading(page, "Log in")
    check_a11y(page)
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect_heading(page, "Your account")
    check_a11y(page)


def assert_fits(page, width):
    """No sideways scrolling at ``width`` pixels (measured once the stylesheet applies)."""
    page.wait_for_load_state("load")
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= width, f"{page.url} scrolls sideways at {width}px: content is {scroll_width}px wide"
