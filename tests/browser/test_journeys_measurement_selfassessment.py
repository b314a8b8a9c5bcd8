"""A team's co-production self-assessment, twice, and its agreed standards, in a real browser (issue 16 points 4,
5 and 9).

The ward team exists (a group with Chris, its chair, a practitioner; Pat, a carer; Rita, a researcher). Chris starts
a round (first forgetting its name: the error is beside the field). Pat and Rita each rate the team on their own
(Pat first forgets every rating: the error summary lists them). Chris closes the round and starts a second; they
rate again. Pat reads the results side by side and the trend across the two rounds: a chart and a table with the
same numbers. The threshold is 1 here so a team of three sees its numbers (tests/test_measurement_selfassessment.py
checks that fewer than 5 are hidden by default). Then Chris records a standard the team agreed, its measure, that
Pat designed it and a named patient monitors it, and a measurement; the report shows the measure was designed and
monitored with patients or carers. Every page visited passes axe.
"""
from pathlib import Path

import pytest
from playwright.sync_api import expect

from copractice.extensions import db
from copractice.measurement.assessment import ITEMS
from copractice.meetings.models import Group, GroupMember
from tests.browser.conftest import check_a11y
from tests.browser.journey import expect_banner, log_in
from tests.conftest import create_member

pytestmark = pytest.mark.browser


@pytest.fixture
def app_settings():
    return {"SUPPRESS_BELOW": 1}


def h1(page, text):
    expect(page.get_by_role("heading", level=1)).to_contain_text(text)


def rate_everything(page, base, label):
    page.goto(base + "/assessment/")
    h1(page, "Self-assessment and agreed standards")
    check_a11y(page)
    page.get_by_role("link", name="Ward 7 team", exact=True).click()
    h1(page, "Self-assessment")
    check_a11y(page)
    page.get_by_role("link", name="Rate the team").click()
    h1(page, "Rate your team")
    check_a11y(page)
    for item in ITEMS:
        page.get_by_role("group", name=item.title, exact=True).get_by_label(label).check()
    page.get_by_label(f"Comment on {ITEMS[0].title} (optional)").fill("We decide things together more now.")
    page.get_by_role("button", name="Save my ratings").click()
    expect_banner(page, "Your ratings are saved")
    h1(page, "Results")
    check_a11y(page)


def start_round(page, base, name):
    page.goto(base + "/assessment/ward-7")
    page.get_by_role("link", name="Start a round").click()
    h1(page, "Start a round")
    check_a11y(page)
    page.get_by_label("Name of the round").fill(name)
    page.get_by_role("button", name="Start the round").click()
    expect_banner(page, "Round started")
    check_a11y(page)


def test_a_team_assesses_itself_twice_and_sees_the_trend_then_agrees_a_standard(new_page, live_server, app):
    with app.test_request_context():
        people = {"chris": ("Chris Chair", "practitioner", "chair"), "pat": ("Pat Carer", "carer", "member"),
                  "rita": ("Rita Researcher", "researcher", "member")}
        team = Group(slug="ward-7", name="Ward 7 team", kind="steering", joining="invite")
        db.session.add(team)
        db.session.flush()
        for key, (name, kind, role) in people.items():
            person = create_member(name=name, email=f"{key}@example.org", stakeholder_type=kind)
            db.session.add(GroupMember(group_id=team.id, member_id=person.id, role=role, status="active"))
        db.session.commit()

    chris = new_page()
    log_in(chris, live_server, "chris@example.org")
    chris.goto(live_server + "/assessment/ward-7")
    h1(chris, "Self-assessment")
    check_a11y(chris)
    chris.get_by_role("link", name="Start a round").click()
    chris.get_by_role("button", name="Start the round").click()
    expect(chris.get_by_role("alert")).to_contain_text("Enter a name for the round.")
    check_a11y(chris)
    chris.get_by_label("Name of the round").fill("Spring 2027")
    chris.get_by_role("button", name="Start the round").click()
    expect_banner(chris, "Round started")

    pat = new_page()
    log_in(pat, live_server, "pat@example.org")
    pat.goto(live_server + "/assessment/ward-7")
    pat.get_by_role("link", name="Rate the team").click()
    pat.get_by_role("button", name="Save my ratings").click()
    expect(pat.get_by_role("alert")).to_contain_text("Choose a rating from 1 to 5 for Sharing power.")
    expect(pat.get_by_role("alert")).to_contain_text("Choose a rating from 1 to 5 for Governance.")
    check_a11y(pat)
    rate_everything(pat, live_server, "2 – A little")
    rita = new_page()
    log_in(rita, live_server, "rita@example.org")
    rate_everything(rita, live_server, "4 – Mostly")

    chris.goto(live_server + "/assessment/ward-7")
    chris.get_by_role("button", name="Close this round").click()
    expect_banner(chris, "Round closed.")
    start_round(chris, live_server, "Autumn 2027")
    rate_everything(pat, live_server, "4 – Mostly")
    rate_everything(rita, live_server, "5 – Fully")

    # Pat reads the second round's results side by side (now Rita has rated too), then the trend.
    pat.reload()
    results = pat.get_by_role("table", name="Average rating by who rated")
    first = results.get_by_role("row", name=ITEMS[0].title)
    expect(first).to_contain_text("4.0")
    expect(first).to_contain_text("5.0")
    pat.goto(live_server + "/assessment/ward-7")
    trend = pat.get_by_role("table", name="Average rating in each round")
    expect(trend.get_by_role("row", name="Spring 2027")).to_contain_text("2.0")
    expect(trend.get_by_role("row", name="Spring 2027")).to_contain_text("4.0")
    expect(trend.get_by_role("row", name="Autumn 2027")).to_contain_text("4.0")
    expect(trend.get_by_role("row", name="Autumn 2027")).to_contain_text("5.0")
    expect(pat.get_by_role("img", name="Average rating in each round by who rated")).to_be_visible()
    check_a11y(pat)
    with pat.expect_download() as download:
        pat.get_by_role("link", name="CSV").first.click()
    assert "Spring 2027" in Path(download.value.path()).read_text(encoding="utf-8")

    # Chris records a standard the team agreed, its measure, who designed and monitors it, and a measurement.
    chris.goto(live_server + "/assessment/ward-7/standards")
    h1(chris, "Agreed standards")
    check_a11y(chris)
    chris.get_by_role("link", name="Add a standard").click()
    h1(chris, "Add a standard")
    check_a11y(chris)
    chris.get_by_label("The standard").fill("Patients help write their own care plan")
    chris.get_by_role("button", name="Save the standard").click()
    expect_banner(chris, "Standard added.")
    chris.get_by_role("link", name="Add a measure").click()
    h1(chris, "Add a measure")
    check_a11y(chris)
    chris.get_by_label("What is measured").fill("Care plans written with the patient")
    chris.get_by_label("Target", exact=True).fill("not sure")
    chris.get_by_role("button", name="Save the measure").click()
    expect(chris.get_by_role("alert")).to_contain_text("Enter a number")
    check_a11y(chris)
    chris.get_by_label("Target", exact=True).fill("80")
    chris.get_by_label("Unit (optional)").fill("%")
    chris.get_by_role("button", name="Save the measure").click()
    expect_banner(chris, "Measure added.")
    h1(chris, "Care plans written with the patient")
    check_a11y(chris)
    chris.get_by_label("Designed the measure").check()
    chris.get_by_label("A member of the group").select_option(label="Pat Carer")
    chris.get_by_role("button", name="Add the person").click()
    expect_banner(chris, "Person added to the measure.")
    chris.get_by_label("Monitors progress").check()
    chris.get_by_label("Or the name of someone without an account").fill("Sam Patient")
    chris.get_by_role("button", name="Add the person").click()
    expect(chris.get_by_role("alert")).to_contain_text("Choose which best describes the person.")
    check_a11y(chris)
    chris.get_by_label("Monitors progress").check()
    chris.get_by_label("Or the name of someone without an account").fill("Sam Patient")
    chris.get_by_label("Which best describes them (for someone without an account)").select_option(label="Patient")
    chris.get_by_role("button", name="Add the person").click()
    expect_banner(chris, "Person added to the measure.")
    chris.get_by_label("Date measured").fill("2026-11-01")
    chris.get_by_label("Measurement", exact=True).fill("64")
    chris.get_by_role("button", name="Save the measurement").click()
    expect_banner(chris, "Measurement saved.")
    expect(chris.get_by_role("table", name="Measurements")).to_contain_text("64%")
    expect(chris.get_by_role("img", name="Measurements of Care plans written with the patient")).to_be_visible()
    check_a11y(chris)
    chris.get_by_role("link", name="Back to the standards").click()
    involvement = chris.locator("#involvement-table")
    expect(involvement.get_by_role("row", name="Designed with patients or carers")).to_contain_text("100%")
    expect(involvement.get_by_role("row", name="Monitored with patients or carers")).to_contain_text("100%")
    check_a11y(chris)
