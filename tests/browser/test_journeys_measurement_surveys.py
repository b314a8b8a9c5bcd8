"""Surveys in a real browser (issue 16 points 1, 2 and 9): a theme lead makes the training-needs survey from its
template, opens it and makes an invitation link; a carer, without an account, answers it on a 320px phone with the
keyboard (the page says what is missing first, then takes the answers, marked as answered by a carer); the lead
reads the regional view, with small numbers hidden.

Every page visited passes axe (no serious or critical problems).
"""
import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from copractice.extensions import db
from copractice.measurement import surveys
from copractice.measurement.surveys_models import Survey, SurveyResponse
from tests.browser.conftest import check_a11y
from tests.browser.journey import assert_fits, expect_banner, expect_heading, log_in
from tests.conftest import create_member

pytestmark = pytest.mark.browser


def answered_by_members(survey_id, n, area):
    """``n`` members of ``area`` send their answers (so the regional view has numbers to show)."""
    survey = db.session.get(Survey, survey_id)
    for _ in range(n):
        member = create_member(area=area)
        form = MultiDict([("q_theme", "cross-cutting"), ("q_needs", "chairing")])
        answers, _ = surveys.read_answers(surveys.asked(survey, member), form)
        surveys.save_response(survey, key=surveys.respondent_key(survey, member), member=member, answers=answers,
                              submit=True)
    db.session.commit()


def test_a_lead_sends_the_needs_survey_a_carer_answers_by_link_and_the_lead_reads_the_regional_view(
        new_page, live_server, app):
    with app.test_request_context():
        create_member(role="theme_lead", themes=("cross-cutting",), name="Lee Lead", email="lee@example.org")

    lead = new_page()
    log_in(lead, live_server, "lee@example.org")
    lead.goto(live_server + "/surveys/manage")
    expect_heading(lead, "Make and manage surveys")
    check_a11y(lead)
    lead.get_by_label("Co-production training needs").check()
    lead.get_by_label("Theme").select_option("cross-cutting")
    lead.get_by_role("button", name="Make the survey").click()
    expect_heading(lead, "Co-production training needs")
    expect_banner(lead, "The survey has been made.")
    check_a11y(lead)
    lead.get_by_label("Open").check()
    lead.get_by_role("button", name="Change status").click()
    expect_banner(lead, "The survey's status has changed.")
    lead.get_by_role("button", name=re.compile("^Make an invitation link")).click()
    link = lead.locator("code").inner_text().strip()
    assert "/surveys/invitation/" in link
    check_a11y(lead)
    survey_id = int(re.search(r"/surveys/manage/(\d+)", lead.url).group(1))

    # A carer without an account answers on a phone, with the keyboard only.
    carer = new_page(viewport={"width": 320, "height": 640})
    carer.goto(link)
    expect_heading(carer, "Co-production training needs")
    assert_fits(carer, 320)
    check_a11y(carer)
    carer.get_by_role("button", name="Send my answers").focus()
    carer.keyboard.press("Enter")
    summary = carer.get_by_role("alert").filter(has_text="There is a problem")
    expect(summary).to_be_visible()
    expect(summary.get_by_role("link", name=re.compile("Which area of health or care"))).to_be_visible()
    check_a11y(carer)
    assert_fits(carer, 320)
    carer.get_by_role("radio", name="Medway").focus()
    carer.keyboard.press("Space")
    carer.get_by_role("radio", name="Carer").focus()
    carer.keyboard.press("Space")
    carer.get_by_role("radio", name="Cross-cutting").focus()
    carer.keyboard.press("Space")
    carer.get_by_role("checkbox", name="Sharing power in a project").focus()
    carer.keyboard.press("Space")
    carer.get_by_role("checkbox", name=re.compile("carer or supporter")).focus()
    carer.keyboard.press("Space")
    carer.get_by_role("button", name="Send my answers").focus()
    carer.keyboard.press("Enter")
    expect_heading(carer, "Thank you")
    check_a11y(carer)
    carer.goto(link)  # one response per link
    expect(carer.get_by_text("You have already sent your answers")).to_be_visible()

    with app.test_request_context():
        row = db.session.scalar(select(SurveyResponse).where(SurveyResponse.survey_id == survey_id))
        assert (row.member_id, row.area, row.stakeholder_type, row.by_proxy) == (None, "medway", "carer", True)
        answered_by_members(survey_id, 6, "kent")

    # The lead reads the regional view: Kent's six are shown, Medway's one is hidden.
    lead.goto(live_server + f"/surveys/manage/{survey_id}")
    lead.get_by_role("link", name="See the results").click()
    expect_heading(lead, "Results: Co-production training needs")
    check_a11y(lead)
    by_area = lead.locator("#by-area")
    expect(by_area).to_contain_text("Kent")
    expect(by_area).to_contain_text("fewer than 5")
    expect(by_area.get_by_role("row", name=re.compile("^Chairing and running meetings"))).to_contain_text("6")
    lead.get_by_label("Area", exact=True).select_option("kent")
    lead.get_by_role("button", name="Show results").click()
    expect(lead.get_by_role("status").filter(has_text="Answers counted: 6")).to_be_visible()
    check_a11y(lead)
