"""Questions a plugin adds to the course form, in a real browser (issue 13 point 7, item 1).

The lead of Living with Dementia says on a course's form whether its venue is dementia-friendly and how
often there are breaks; a number out of range is explained beside its field and in the summary; the answers
show on the course page under the theme's heading; and a trainee filters the catalogue by "Dementia-friendly
venue". Every page visited passes axe (no serious or critical problems).
"""
import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from copractice.extensions import db
from copractice.plugin_models import PluginState
from tests.browser.conftest import check_a11y
from tests.browser.journey import expect_banner, expect_heading, log_in, nav
from tests.conftest import create_member
from tests.factories_courses import create_course

pytest.importorskip("copractice_dementia")
pytestmark = pytest.mark.browser

TITLE = "Memory cafe skills"
OTHER = "Talking about research with families"


@pytest.fixture
def people(app):
    with app.app_context():
        db.session.merge(PluginState(name="dementia", enabled=True))
        db.session.commit()
        create_course(title=TITLE, theme_slug="dementia", capacity=10, starts_in=timedelta(days=5))
        create_course(title=OTHER, theme_slug="dementia", capacity=10, starts_in=timedelta(days=6))
        lead = create_member(role="theme_lead", themes=("dementia",), name="Lena Lead", email="lena@example.org")
        trainee = create_member(name="Tom Trainee", email="tom@example.org")
        return lead.email, trainee.email


def catalogue_titles(page):
    return page.get_by_role("main").get_by_role("heading", level=2).filter(has=page.get_by_role("link"))


def test_theme_lead_answers_the_dementia_questions_and_a_trainee_filters_by_them(new_page, live_server, people):
    lead_email, trainee_email = people
    page = new_page()
    log_in(page, live_server, lead_email)
    nav(page, "Courses I run")
    expect_heading(page, "Courses I run")
    page.get_by_role("link", name=TITLE).click()
    expect_heading(page, TITLE)
    page.get_by_role("link", name="Change the course details").click()
    expect_heading(page, f"Change {TITLE}")
    dementia = page.get_by_role("group", name="Living with Dementia")
    expect(dementia).to_be_visible()
    check_a11y(page)

    # A number out of range: explained in the summary and beside the field; nothing is saved.
    dementia.get_by_role("group", name="Dementia-friendly venue (optional)").get_by_label("Yes", exact=True).check()
    breaks = dementia.get_by_label("Minutes between breaks (optional)")
    breaks.fill("200")
    page.get_by_role("button", name="Save course").click()
    expect(page).to_have_title(re.compile(r"^Error: Change "))
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("Enter a number from 15 to 120.")
    breaks = page.get_by_role("group", name="Living with Dementia").get_by_label("Minutes between breaks (optional)")
    expect(page.locator("#dementia__break_minutes-error")).to_contain_text("Enter a number from 15 to 120.")
    expect(breaks).to_have_attribute("aria-describedby", re.compile("dementia__break_minutes-error"))
    check_a11y(page)

    summary.get_by_role("link", name="Enter a number from 15 to 120.").click()
    expect(breaks).to_be_focused()
    breaks.fill("45")
    page.get_by_role("button", name="Save course").click()
    expect_banner(page, "The course has been saved.")
    expect_heading(page, TITLE)

    # The public page shows the answers under the theme's heading.
    page.get_by_role("link", name="See the public page").click()
    expect_heading(page, TITLE)
    answers = page.locator("h3", has_text="Living with Dementia").locator("xpath=following-sibling::dl[1]")
    expect(answers.get_by_role("term")).to_have_text(["Dementia-friendly venue", "Minutes between breaks"])
    expect(answers.get_by_role("definition")).to_have_text(["Yes", "45"])
    check_a11y(page)

    # A trainee finds courses at dementia-friendly venues.
    trainee = new_page()
    log_in(trainee, live_server, trainee_email)
    nav(trainee, "Courses")
    expect_heading(trainee, "Find a course")
    expect(catalogue_titles(trainee)).to_have_count(2)
    check_a11y(trainee)
    trainee.get_by_label("Dementia-friendly venue").select_option(label="Yes")
    trainee.get_by_role("button", name="Show courses").click()
    expect(trainee).to_have_url(re.compile(r"dementia__friendly_venue=yes"))
    expect(catalogue_titles(trainee)).to_have_text([TITLE])
    expect(trainee.get_by_role("status").filter(has_text="found")).to_have_text("1 course found.")
    expect(trainee.get_by_label("Dementia-friendly venue")).to_have_value("yes")
    check_a11y(trainee)
