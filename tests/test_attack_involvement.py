"""Attacks on involvement (issue 17): another member's involvement reached by changing the id in the address, an
organiser of another theme choosing people, an involvement of another opportunity under this one's address, a trainee
on the rates page, and money typed every wrong way (an error beside the field, never stored, never a 500)."""
import pytest
from sqlalchemy import func, select

from copractice.extensions import db
from copractice.involvement import operations as ops
from copractice.involvement.models import Involvement, PaymentRate
from tests.conftest import AuthActions, create_member, post_form
from tests.involvement_factory import course_with_facilitator, make_opportunity


@pytest.fixture
def confirmed(app):
    """A dementia opportunity with Cara confirmed and offered payment; Nosy is another member."""
    with app.test_request_context():
        course, fran = course_with_facilitator(theme_slug="dementia")
        opp = make_opportunity(session=course.sessions[0], places=2)
        cara = create_member(email="cara@example.org", stakeholder_type="carer")
        inv = ops.express_interest(cara, opp)
        ops.decide(fran, inv, "confirmed")
        ops.offer_payment(fran, inv)
        create_member(email="nosy@example.org")
        create_member(email="lead@example.org", role="theme_lead", themes=("social-care",))
        other = make_opportunity(project="Leaflet", role="reviewer", theme_slug="social-care")
        other_inv = ops.express_interest(create_member(), other)
        db.session.commit()
        return {"opp": opp.id, "inv": inv.id, "other_opp": other.id, "other_inv": other_inv.id,
                "fran": fran.email}


def _state(app, inv_id):
    with app.app_context():
        inv = db.session.get(Involvement, inv_id)
        return inv.status, inv.payment_choice, inv.credit_consent, inv.benefits_advice


def test_another_members_involvement_cannot_be_changed_by_its_id(app, client, confirmed):
    before = _state(app, confirmed["inv"])
    AuthActions(client).login("nosy@example.org")
    inv = confirmed["inv"]
    assert client.get(f"/involvement/mine/{inv}").status_code == 404
    assert post_form(client, f"/involvement/mine/{inv}", {"payment_choice": "voucher", "credit_consent": "y",
                                                          "benefits_advice": "y"}).status_code == 404
    assert post_form(client, f"/involvement/mine/{inv}/withdraw", {}).status_code == 404
    assert _state(app, inv) == before


def test_an_organiser_of_another_theme_cannot_choose_people_here(app, client, confirmed):
    before = _state(app, confirmed["inv"])
    AuthActions(client).login("lead@example.org")
    opp, inv = confirmed["opp"], confirmed["inv"]
    assert client.get(f"/involvement/{opp}/manage").status_code == 403
    for step in ("declined", "selected", "offer"):
        assert post_form(client, f"/involvement/{opp}/people/{inv}/{step}", {}).status_code == 403
    assert _state(app, inv) == before


def test_an_involvement_of_another_opportunity_is_not_reached_through_this_one(app, client, confirmed):
    AuthActions(client).login(confirmed["fran"])
    other_inv = confirmed["other_inv"]
    before = _state(app, other_inv)
    for step in ("confirmed", "declined", "offer"):
        response = post_form(client, f"/involvement/{confirmed['opp']}/people/{other_inv}/{step}", {})
        assert response.status_code == 404
    assert _state(app, other_inv) == before


def test_a_trainee_cannot_reach_the_rates(app, client):
    with app.app_context():
        create_member(email="trainee@example.org", role="trainee")
    AuthActions(client).login("trainee@example.org")
    assert client.get("/involvement/rates").status_code == 403
    response = client.post("/involvement/rates", data={"which": "payment", "pay-activity": "co_facilitator",
                                                      "pay-unit": "hour", "pay-amount": "99",
                                                      "pay-applies_from": "2026-04-01"})
    assert response.status_code in (400, 403)
    with app.app_context():
        assert db.session.scalar(select(func.count(PaymentRate.id))) == 0


@pytest.mark.parametrize("amount", ["12.345", "-5", "1e3", "nan", "1" + "0" * 30, "12.50\x00", "\x0112",
                                    "12.5.0", "£-1", "Infinity", "1_000",
                                    "12,50", "1,00", "1,0,0,0", ",100", "１２.５０"])
def test_bad_money_is_an_error_beside_the_field_and_not_stored(app, client, amount):
    with app.app_context():
        create_member(role="admin", email="admin@example.org")
    AuthActions(client).login("admin@example.org")
    response = post_form(client, "/involvement/rates", {"which": "payment", "pay-activity": "co_facilitator",
                                                        "pay-unit": "hour", "pay-amount": amount,
                                                        "pay-applies_from": "2026-04-01"})
    html = response.get_data(as_text=True)
    assert response.status_code in (200, 400) and "There is a problem" in html and "for example 12.50" in html
    with app.app_context():
        assert db.session.scalar(select(func.count(PaymentRate.id))) == 0


@pytest.mark.parametrize(("amount", "pence"), [("£1,000", 100000), (" 12.50 ", 1250), ("0.45", 45),
                                               ("£1,250.50", 125050), ("100000", 10000000)])
def test_money_typed_the_usual_ways_is_kept_exactly(app, client, amount, pence):
    with app.app_context():
        create_member(role="admin", email="admin@example.org")
    AuthActions(client).login("admin@example.org")
    assert post_form(client, "/involvement/rates", {"which": "payment", "pay-activity": "co_facilitator",
                                                    "pay-unit": "hour", "pay-amount": amount,
                                                    "pay-applies_from": "2026-04-01"}).status_code == 302
    with app.app_context():
        assert db.session.scalar(select(PaymentRate.pence)) == pence
