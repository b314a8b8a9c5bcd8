"""Theme plugin journeys in a real browser: switch a plugin on, appoint its lead, run its courses and rules.

The bundled plugins are installed in the test environment but, as on a real site, not enabled until an
admin says so. Every page visited passes axe (no serious or critical problems).
"""
import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from copractice.extensions import db
from copractice.members.operations import save_profile_answers
from copractice.plugin_models import PluginState
from tests.browser.conftest import check_a11y
from tests.browser.journey import assert_fits, expect_banner, expect_heading, log_in, nav
from tests.conftest import create_member
from tests.factories_courses import create_course

pytestmark = pytest.mark.browser

DEMENTIA = "Living with Dementia"
STARTING_WELL = "Starting Well: Children's Mental Health"
PHONE = {"width": 390, "height": 844}


# -- helpers -------------------------------------------------------------------------------------------


def main_nav(page):
    return page.get_by_role("navigation", name="Main")



def plugin_row(page, name):
    """The row of the Plugins table whose first cell is the plugin's name."""
    return page.get_by_role("row").filter(has=page.get_by_role("cell", name=name, exact=True))


def course_cards(page):
    """The catalogue's course cards: list items that carry a course heading."""
    return page.get_by_role("main").get_by_role("listitem").filter(has=page.get_by_role("heading", level=2))


def panel(page):
    """The "Your place" panel on a course page (a region named by its heading)."""
    return page.get_by_role("region", name="Your place")



def enable_plugins(*names):
    """Switch plugins on as an admin would have done earlier (a stored PluginState row)."""
    for name in names:
        db.session.merge(PluginState(name=name, enabled=True))
    db.session.commit()


# -- Journey: an admin switches the dementia theme on and appoints its lead, who runs a course -------------

@pytest.fixture
def people(app):
    with app.app_context():
        admin = create_member(role="admin", name="Ada Admin", email="ada@example.org")
        lead = create_member(role="trainee", name="Dev Mistry", email="dev@example.org")
        return {"admin": admin.email, "lead": lead.email, "lead_id": lead.id}


def test_admin_enables_dementia_and_appoints_a_theme_lead(new_page, live_server, app, people):
    page = new_page()
    log_in(page, live_server, people["admin"])
    expect(main_nav(page).get_by_role("link", name="Reading settings")).to_have_count(0)

    nav(page, "Admin")
    expect_heading(page, "Admin")
    check_a11y(page)

    page.get_by_role("main").get_by_role("link", name="Plugins").click()
    expect_heading(page, "Plugins")
    row = plugin_row(page, "dementia")
    expect(row.get_by_role("cell").nth(5)).to_have_text("Disabled")
    check_a11y(page)

    row.get_by_role("link", name="Enable dementia").click()
    expect_heading(page, "Enable dementia?")
    expect(page.get_by_role("main")).to_contain_text("Its pages, menu links and rules will appear for everyone")
    check_a11y(page)

    page.get_by_role("button", name="Yes, enable it").click()
    expect_heading(page, "Plugins")
    expect_banner(page, "dementia is now enabled.")
    row = plugin_row(page, "dementia")
    expect(row.get_by_role("cell").nth(5)).to_have_text("Enabled")
    expect(row.get_by_role("link", name="Disable dementia")).to_be_visible()
    expect(plugin_row(page, "childrens_mental_health").get_by_role("cell").nth(5)).to_have_text("Disabled")
    expect(main_nav(page).get_by_role("link", name="Reading settings")).to_be_visible()
    check_a11y(page)

    # Appoint the theme lead: Admin -> Members -> the member -> Change role.
    nav(page, "Admin")
    expect_heading(page, "Admin")
    page.get_by_role("main").get_by_role("link", name="Members").click()
    expect_heading(page, "Members")
    check_a11y(page)

    page.get_by_role("link", name="Dev Mistry").click()
    expect_heading(page, "Dev Mistry")
    expect(page.get_by_role("heading", level=2, name="Change role")).to_be_visible()
    themes = page.get_by_role("group", name="Themes they lead (for theme leads)")
    expect(themes.get_by_label(DEMENTIA)).to_be_visible()
    expect(themes.get_by_label(STARTING_WELL)).to_have_count(0)  # its plugin is still switched off
    check_a11y(page)

    # A theme lead leads at least one theme: forgetting to tick one is explained, not saved.
    page.get_by_role("group", name="Role").get_by_label("Theme lead", exact=True).check()
    page.get_by_role("button", name="Save role").click()
    expect_heading(page, "Dev Mistry")
    expect(page).to_have_title(re.compile(r"^Error: Dev Mistry"))
    expect(page.get_by_role("alert")).to_contain_text("Choose at least one theme for a theme lead.")
    check_a11y(page)

    expect(page.get_by_role("group", name="Role").get_by_label("Theme lead", exact=True)).to_be_checked()
    themes.get_by_label(DEMENTIA).check()
    page.get_by_role("button", name="Save role").click()
    expect_banner(page, "Dev Mistry is now: Theme lead.")
    expect(page.get_by_role("main").get_by_role("definition").filter(has_text="Theme lead")).to_have_text(
        f"Theme lead: {DEMENTIA}")
    check_a11y(page)

    nav(page, "Admin")
    page.get_by_role("main").get_by_role("link", name="Audit log").click()
    expect_heading(page, "Audit log")
    enabled = page.get_by_role("row").filter(has_text="plugin.enabled")
    expect(enabled).to_have_count(1)
    expect(enabled).to_contain_text("Ada Admin")
    expect(enabled.get_by_role("cell").nth(3)).to_have_text("dementia")
    expect(enabled.get_by_role("cell").nth(5)).to_contain_text("enabled: True")
    role = page.get_by_role("row").filter(has_text="member.role_changed")
    expect(role).to_have_count(1)
    expect(role).to_contain_text("Dev Mistry")
    expect(role.get_by_role("cell").nth(5)).to_contain_text("role: theme_lead")
    expect(role.get_by_role("cell").nth(5)).to_contain_text("themes: dementia")
    check_a11y(page)

    # The new theme lead, in a browser of their own, creates and publishes a course in their theme.
    lead = new_page()
    log_in(lead, live_server, people["lead"])
    nav(lead, "Courses I run")
    expect_heading(lead, "Courses I run")
    check_a11y(lead)

    lead.get_by_role("link", name="Create a course").click()
    expect_heading(lead, "Create a course")
    theme = lead.get_by_label("Theme", exact=True)
    expect(theme.get_by_role("option")).to_have_text([DEMENTIA])  # not Cross-cutting, nor any other theme
    check_a11y(lead)

    title = "Memory cafés: running them together"
    lead.get_by_label("Course title").fill(title)
    lead.get_by_label("Summary").fill("Plan and host a memory café with the people who come to it.")
    theme.select_option(label=DEMENTIA)
    lead.get_by_role("group", name="Format").get_by_label("In person", exact=True).check()
    lead.get_by_label("Number of places").fill("15")
    lead.get_by_role("group", name="Status").get_by_label("Published").check()
    lead.get_by_role("button", name="Save course").click()
    expect_heading(lead, title)
    expect_banner(lead, "The course has been created. Now add its sessions.")
    check_a11y(lead)

    lead.goto(live_server + "/themes/dementia")
    expect_heading(lead, DEMENTIA)
    expect(lead.get_by_role("main").get_by_role("link", name=title)).to_be_visible()
    expect(lead.get_by_role("main")).to_contain_text("Dev Mistry")  # listed among the theme's leads
    check_a11y(lead)

    lead.get_by_role("link", name="Find courses in this theme").click()
    expect_heading(lead, "Find a course")
    expect(lead).to_have_url(re.compile(r"theme=dementia"))
    search = lead.get_by_role("search", name="Find a course")
    expect(search.get_by_label("Theme")).to_have_value("dementia")
    expect(course_cards(lead)).to_have_count(1)
    expect(course_cards(lead).first.get_by_role("heading", level=2)).to_have_text(title)
    expect(course_cards(lead).first).to_contain_text(DEMENTIA)
    check_a11y(lead)

    # Filtering by another theme leaves it out.
    search.get_by_label("Theme").select_option(label="Cross-cutting")
    search.get_by_role("button", name="Show courses").click()
    expect(lead).to_have_url(re.compile(r"theme=cross-cutting"))
    expect(lead.get_by_role("link", name=title)).to_have_count(0)
    check_a11y(lead)


# -- Journey: a young person needs a guardian's consent before joining a Starting Well course -------------

@pytest.fixture
def starting_well(app):
    with app.app_context():
        enable_plugins("childrens_mental_health")
        lead = create_member(role="theme_lead", themes=["childrens-mental-health"], name="Lena Hart",
                             email="lena@example.org")
        young = create_member(name="Sam Reid", email="sam@example.org", stakeholder_type="young_person")
        save_profile_answers(young, {("childrens_mental_health", "age_band"): "13_15"})
        db.session.commit()
        course = create_course(title="Having your say about school support", theme_slug="childrens-mental-health",
                               capacity=8)
        return {"lead": lead.email, "young": young.email, "course": course.slug}


def test_under_16_is_refused_until_a_guardian_consent_is_recorded(new_page, live_server, starting_well):
    course_url = f"{live_server}/courses/{starting_well['course']}"
    title = "Having your say about school support"

    young = new_page()
    log_in(young, live_server, starting_well["young"])
    expect(young.get_by_role("main")).to_contain_text("Before you join a Starting Well course")
    young.goto(course_url)
    expect_heading(young, title)
    expect(panel(young)).to_contain_text("A parent or guardian needs to give their consent before you can join")
    expect(young.get_by_role("button", name="Enrol")).to_have_count(0)
    check_a11y(young)

    # The theme's lead records the consent.
    lead = new_page()
    log_in(lead, live_server, starting_well["lead"])
    nav(lead, "Consent and checks")
    expect(lead.get_by_role("heading", level=1)).to_have_text(
        "Consent and safeguarding checks Starting Well: Children's Mental Health")
    check_a11y(lead)

    consent = lead.locator("form", has=lead.get_by_role("button", name="Record consent"))
    consent.get_by_label("The young person's email address").fill(starting_well["young"])
    consent.get_by_label("Parent or guardian's full name").fill("Jo Reid")
    consent.get_by_label("Their relationship to the young person").fill("mother")
    # A date in the future is refused, beside the field and in the summary at the top.
    consent.get_by_label("Date consent was given").fill((date.today() + timedelta(days=1)).isoformat())
    lead.get_by_role("button", name="Record consent").click()
    expect(lead).to_have_title(re.compile(r"^Error: Consent and safeguarding checks"))
    expect(lead.get_by_role("alert")).to_contain_text("The date cannot be in the future.")
    expect(consent.get_by_label("Parent or guardian's full name")).to_have_value("Jo Reid")
    check_a11y(lead)

    given = date.today() - timedelta(days=2)
    consent.get_by_label("Date consent was given").fill(given.isoformat())
    lead.get_by_role("button", name="Record consent").click()
    expect_banner(lead, "Consent recorded for Sam Reid. They can now join Starting Well courses.")
    recent = lead.get_by_role("table", name="Consents recorded, newest first")
    expect(recent.get_by_role("row").filter(has_text="Sam Reid")).to_contain_text(f"Jo Reid (mother){given:%-d %B %Y}")
    check_a11y(lead)

    # The young person can now enrol.
    young.reload()
    expect_heading(young, title)
    expect(panel(young)).not_to_contain_text("A parent or guardian")
    check_a11y(young)
    young.get_by_role("button", name="Enrol").click()
    expect_banner(young, "You have a place on this course")
    expect(panel(young)).to_contain_text("You have a place on this course.")
    check_a11y(young)


# -- Small screens: the reading settings the dementia theme puts in the menu (the core's own) ------------------

def test_larger_text_fits_a_phone_screen(new_page, live_server, app):
    with app.app_context():
        enable_plugins("dementia")
        email = create_member(name="Pat Green", email="pat@example.org").email
        slug = create_course(title="Talking about memory loss with your GP", theme_slug="dementia").slug

    page = new_page(viewport=PHONE)
    log_in(page, live_server, email)
    nav(page, "Reading settings")
    expect_heading(page, "Reading settings")
    assert_fits(page, PHONE["width"])
    check_a11y(page)

    page.get_by_label("Larger text").check()
    page.get_by_role("button", name="Save my settings").click()
    expect_banner(page, "Your reading settings are saved.")
    expect(page.locator("html")).to_have_class(re.compile(r"\breading-text-large\b"))
    expect(page.get_by_label("Larger text")).to_be_checked()
    assert_fits(page, PHONE["width"])
    check_a11y(page)

    for path, heading in [(f"/courses/{slug}", "Talking about memory loss with your GP"),
                          ("/courses", "Find a course"), ("/themes/dementia", DEMENTIA), ("/account", "Your account")]:
        page.goto(live_server + path)
        expect_heading(page, heading)
        expect(page.locator("html")).to_have_class(re.compile(r"\breading-text-large\b"))
        assert_fits(page, PHONE["width"])
        check_a11y(page)
