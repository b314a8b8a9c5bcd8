"""Issue 17 point 9: a carer selected as co-facilitator is marked present, adds a mileage claim with a receipt, an
admin approves it and sends the batch to finance, records it paid, and the carer sees "Paid". Every page passes axe."""
import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from copractice.extensions import db
from copractice.involvement.claims_models import Claim
from copractice.timeutil import utc_to_london, utcnow
from tests.browser.conftest import check_a11y
from tests.browser.journey import expect_heading, log_in
from tests.claims_factory import PNG, co_facilitator, rates
from tests.conftest import create_member
from tests.factories_courses import create_course

pytestmark = pytest.mark.browser


def test_a_carer_co_facilitates_claims_mileage_and_sees_it_paid(new_page, live_server, app, tmp_path):
    with app.test_request_context():
        rates(mileage=45)
        course = create_course(title="Working together", starts_in=-timedelta(hours=1))
        # No place on the course: a co-facilitator is on the register in their own section (issue 17 point 4).
        member, session, _ = co_facilitator(name="Carys Carer", email="carys@example.org", course=course,
                                            place=False)
        create_member(role="admin", name="Ada Admin", email="ada@example.org")
        session_id = session.id

    admin = new_page()
    log_in(admin, live_server, "ada@example.org")
    admin.goto(f"{live_server}/manage/sessions/{session_id}/register")
    expect(admin.get_by_role("heading", name="Co-facilitating this session")).to_be_visible()
    check_a11y(admin)
    admin.get_by_role("button", name=re.compile(r"^Present\s*:\s*Carys Carer$")).click()
    expect(admin.get_by_role("button", name=re.compile(r"^Present\s*:\s*Carys Carer$"))).to_have_attribute(
        "aria-pressed", "true")

    carer = new_page()
    log_in(carer, live_server, "carys@example.org")
    carer.goto(f"{live_server}/claims/")
    expect_heading(carer, "My involvement and payments")
    expect(carer.get_by_role("cell", name="Submitted")).to_be_visible()
    check_a11y(carer)
    carer.get_by_role("link", name=re.compile("^Working together")).click()
    expect_heading(carer, re.compile("^Claim for Working together"))
    check_a11y(carer)
    carer.get_by_label("What was it for?").select_option("mileage")
    carer.get_by_label("Miles there and back (for mileage)").fill("not far")
    carer.get_by_role("button", name="Add the expense").click()
    expect(carer.get_by_text("Enter the miles as a number").first).to_be_visible()
    check_a11y(carer)  # the error summary and the error beside the field
    carer.get_by_label("What was it for?").select_option("mileage")
    carer.get_by_label("Miles there and back (for mileage)").fill("12.5")
    receipt = tmp_path / "parking.png"
    receipt.write_bytes(PNG)
    carer.get_by_label("Receipt: a PDF, or a photo (PNG or JPEG)").set_input_files(str(receipt))
    carer.get_by_role("button", name="Add the expense").click()
    expect(carer.get_by_role("cell", name="£5.63", exact=True)).to_be_visible()
    expect(carer.get_by_text("£60.63")).to_be_visible()
    check_a11y(carer)

    admin.goto(f"{live_server}/finance/claims")
    expect_heading(admin, "Claims for payment")
    check_a11y(admin)
    admin.get_by_role("button", name=re.compile(r"^Approve\s*the claim of Carys Carer")).click()
    expect(admin.get_by_text("Claim approved.")).to_be_visible()
    admin.get_by_role("button", name="Send approved claims to finance").click()
    expect_heading(admin, re.compile(r"^Finance batch CP-\d{4}-\d{5}$"))
    check_a11y(admin)
    with admin.expect_download() as download:
        admin.get_by_role("link", name="CSV").click()
    text = (tmp_path / "batch.csv")
    download.value.save_as(text)
    lines = text.read_text().splitlines()
    assert lines[0].startswith("Batch number,Claim reference") and ",6063,60.63," in lines[1]
    admin.get_by_label("The day finance paid this batch").fill(utc_to_london(utcnow()).date().isoformat())
    admin.get_by_role("button", name="Record the paid date").click()
    expect(admin.get_by_text("Paid date recorded")).to_be_visible()
    check_a11y(admin)

    carer.goto(f"{live_server}/claims/")
    expect(carer.get_by_role("cell", name=re.compile("^Paid on"))).to_be_visible()
    check_a11y(carer)
    with app.app_context():
        assert db.session.scalar(select(Claim.status)) == "paid"
