"""Involvement, as people would (issue 17 points 1 and 3): a course's facilitator sets up a co-facilitator
opportunity with an Easy Read version; a carer finds it from My learning and says she is interested; the
facilitator selects her and offers payment; she sees it on My involvement and chooses how to be paid, with benefits
advice first. A young person (under 18) says no to payment. Every page passes axe."""
import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from copractice.courses.models import Session
from copractice.extensions import db
from copractice.involvement import operations as ops
from copractice.involvement.models import Involvement, Opportunity
from copractice.members.models import Member
from tests.browser.conftest import check_a11y
from tests.browser.journey import expect_banner, expect_heading, log_in
from tests.conftest import create_member
from tests.involvement_factory import course_with_facilitator

pytestmark = pytest.mark.browser


def test_a_carer_is_selected_as_co_facilitator_and_a_young_person_declines_payment(new_page, live_server, app):
    with app.test_request_context():
        course, fran = course_with_facilitator(title="Co-production in practice")
        fran.email = "fran@example.org"
        create_member(name="Cara Carer", email="cara@example.org", stakeholder_type="carer")
        young = create_member(name="Yusuf Young", email="yusuf@example.org", stakeholder_type="young_person",
                              under_18=True)
        db.session.commit()
        young_id, fran_id, session_id = young.id, fran.id, course.sessions[0].id

    # The facilitator sets up the opportunity for a session of their course.
    page = new_page()
    log_in(page, live_server, "fran@example.org")
    page.goto(live_server + "/involvement/organise")
    expect_heading(page, "Opportunities I organise")
    check_a11y(page)
    page.get_by_role("link", name="Set up an opportunity").click()
    expect_heading(page, "Set up an opportunity")
    page.get_by_role("button", name="Open the opportunity").click()  # a slip: nothing filled in
    expect(page.get_by_role("alert")).to_contain_text("Enter a title.")
    check_a11y(page)
    page.get_by_label("Title").fill("Co-facilitate week one")
    page.get_by_label("Kind of role").select_option("co_facilitator")
    page.get_by_label("Linked to").select_option(index=1)
    page.get_by_label("What it involves, in plain English").fill("Help run the first session with Fran.")
    page.get_by_label("Easy Read version (optional)").fill("You help Fran. You talk about being a carer.")
    page.get_by_label("Number of places").fill("1")
    page.get_by_role("button", name="Open the opportunity").click()
    expect_heading(page, re.compile("^Choose who takes part"))
    expect_banner(page, "The opportunity is open.")
    check_a11y(page)
    with app.app_context():
        opp_id = db.session.scalar(select(Opportunity.id).where(Opportunity.title == "Co-facilitate week one"))

    # The carer finds it from My learning, reads the Easy Read version and says she is interested.
    carer = new_page()
    log_in(carer, live_server, "cara@example.org")
    carer.goto(live_server + "/learning")
    carer.get_by_role("link", name="My involvement").click()
    expect_heading(carer, "My involvement")
    check_a11y(carer)
    carer.get_by_role("link", name="See opportunities to get involved").click()
    expect_heading(carer, "Get involved")
    check_a11y(carer)
    carer.get_by_role("link", name="Co-facilitate week one").click()
    expect_heading(carer, re.compile("^Co-facilitate week one"))
    carer.get_by_text("Easy Read").click()
    expect(carer.get_by_text("You talk about being a carer.")).to_be_visible()
    check_a11y(carer)
    carer.get_by_role("button", name="I am interested").click()
    expect_banner(carer, "You have said you are interested.")
    check_a11y(carer)

    # The facilitator selects her and offers payment.
    page.goto(f"{live_server}/involvement/{opp_id}/manage")
    expect(page.get_by_role("cell", name="Cara Carer", exact=True)).to_be_visible()
    page.get_by_role("button", name="Select Cara Carer").click()
    expect_banner(page, "Cara Carer: Selected.")
    page.get_by_role("button", name="Offer payment to Cara Carer").click()
    expect_banner(page, "Payment is offered to Cara Carer.")
    check_a11y(page)

    # She sees it on My involvement, asks for benefits advice first and chooses a voucher.
    carer.goto(live_server + "/involvement/mine")
    row = carer.get_by_role("row").filter(has_text="Co-facilitate week one")
    expect(row).to_contain_text("Selected")
    expect(row).to_contain_text("Payment offered")
    check_a11y(carer)
    row.get_by_role("link", name=re.compile("^Your choices")).click()
    expect_heading(carer, re.compile("^Your choices"))
    check_a11y(carer)
    carer.get_by_label("I would like to get benefits advice first").check()
    carer.get_by_label("A voucher instead").check()
    carer.get_by_role("button", name="Save my choices").click()
    expect_heading(carer, "My involvement")
    expect_banner(carer, "Your choices are saved.")
    expect(carer.get_by_role("row").filter(has_text="Co-facilitate week one")).to_contain_text("A voucher instead")
    check_a11y(carer)
    carer.get_by_role("link", name=re.compile("^Your choices")).click()
    expect(carer.get_by_role("link", name="Get free benefits advice")).to_be_visible()
    check_a11y(carer)

    # A young person who was selected for a panel says no to payment.
    with app.test_request_context():
        young, fran = db.session.get(Member, young_id), db.session.get(Member, fran_id)
        panel = ops.save_opportunity(fran, None, title="Young people's panel", role="panel_member",
                                     description="Talk about the course.", expected_minutes=60, places=4,
                                     session=db.session.get(Session, session_id))
        inv = ops.express_interest(young, panel)
        ops.decide(fran, inv, "selected")
        db.session.commit()
        inv_id = inv.id
    yp = new_page()
    log_in(yp, live_server, "yusuf@example.org")
    yp.goto(live_server + "/involvement/mine")
    expect(yp.get_by_role("row").filter(has_text="Young people's panel")).to_contain_text("Selected")
    yp.get_by_role("link", name=re.compile("^Your choices")).click()
    check_a11y(yp)
    yp.get_by_label("No payment, thank you").check()
    yp.get_by_role("button", name="Save my choices").click()
    expect_banner(yp, "Your choices are saved.")
    expect(yp.get_by_role("row").filter(has_text="Young people's panel")).to_contain_text("No payment, thank you")
    check_a11y(yp)
    with app.app_context():
        assert db.session.get(Involvement, inv_id).payment_choice == "declined"
