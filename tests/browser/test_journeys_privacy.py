"""Privacy journeys in a real browser (issue 11 points 12 and 13): a trainee reads everything we hold
about them and downloads it; a trainee deletes their account and the person waiting is offered the place.

Every page visited passes axe (no serious or critical problems).
"""
import json

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from copractice.courses.models import CANCELLED, OFFERED, Enrolment
from copractice.extensions import db
from tests.browser.conftest import check_a11y
from tests.browser.journey import assert_fits, expect_banner, expect_heading, log_in
from tests.conftest import PASSWORD
from tests.privacy_data import APOLOGY, COMPANION, EMAIL, member_with_everything

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def test_trainee_reads_their_data_and_downloads_it(app, live_server, new_page, tmp_path):
    data = member_with_everything(app, leads_theme=False)
    page = new_page(viewport=PHONE)
    log_in(page, live_server, EMAIL)
    page.get_by_role("link", name="See everything we hold about you").click()
    expect_heading(page, "Your data")
    check_a11y(page)
    assert_fits(page, PHONE["width"])
    main = page.get_by_role("main")
    for text in (APOLOGY, data.certificate_code, COMPANION, "Working together"):
        expect(main.get_by_text(text, exact=False).first).to_be_visible()

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download your data (JSON file)").click()
    download = download_info.value
    assert download.suggested_filename == "my-copractice-data.json"
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    got = json.loads(target.read_text())
    assert got["account"]["email"] == EMAIL and got["account"]["role"] == "trainee"
    assert [a["reason"] for a in got["apologies"]] == [APOLOGY]
    assert [c["code"] for c in got["certificates"]] == [data.certificate_code]


def test_trainee_deletes_their_account_and_the_person_waiting_is_offered_the_place(app, live_server, new_page):
    data = member_with_everything(app, leads_theme=False)
    page = new_page()
    log_in(page, live_server, EMAIL)
    page.get_by_role("link", name="Delete your account").click()
    expect_heading(page, "Delete your account")
    check_a11y(page)
    page.get_by_role("button", name="Delete my account").click()  # nothing filled in: errors, not a deletion
    expect(page.get_by_role("alert")).to_contain_text("Enter your password to confirm.")
    check_a11y(page)
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_label("I understand my account and personal details will be deleted").check()
    page.get_by_role("button", name="Delete my account").click()
    expect_heading(page, "Your account has been deleted")
    check_a11y(page)

    waiter = new_page()
    log_in(waiter, live_server, data.waiter_email)
    waiter.goto(f"{live_server}/courses/{data.full_course_slug}")
    expect(waiter.get_by_text("A place is free and it is yours if you want it.")).to_be_visible()
    check_a11y(waiter)
    waiter.get_by_role("button", name="Accept the place").click()
    expect_banner(waiter, "You have a place on this course.")
    with app.app_context():
        status = dict(db.session.execute(select(Enrolment.member_id, Enrolment.status)
                                         .where(Enrolment.course_id == data.full_course_id)).all())
    assert status[data.member_id] == CANCELLED and status[data.waiter_id] != OFFERED  # accepted: enrolled
