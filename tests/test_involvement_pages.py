"""Issue 17 points 1, 2, 3 and 6 through the pages: saying you are interested, choosing who takes part, My
involvement and the contributor's choices, rates entered as pounds (Decimal, never float), credit with consent on
the profile and on certificates, bad input beside its field, and query budgets that do not grow with the data."""
import io
from datetime import date, timedelta

from pypdf import PdfReader
from sqlalchemy import select

from copractice.attendance import operations as attendance_ops
from copractice.courses.models import Enrolment
from copractice.extensions import db
from copractice.involvement import operations as ops
from copractice.involvement.models import ExpenseRate, Involvement, Opportunity, PaymentRate
from copractice.involvement.rates import pounds_to_pence, rate_on
from copractice.members.models import Member
from tests.conftest import AuthActions, create_member, post_form
from tests.involvement_factory import course_with_facilitator, make_opportunity
from tests.query_budget import queries_for


def test_interest_choice_and_my_involvement_through_the_pages(app, client):
    with app.test_request_context():
        course, fran = course_with_facilitator()
        fran.email = "fran@example.org"
        opp = make_opportunity(session=course.sessions[0], places=1, title="Co-facilitate week one",
                               easy_read="You help run the session.")
        create_member(email="cara@example.org", name="Cara Carer", stakeholder_type="carer")
        db.session.commit()
        opp_id = opp.id
    auth = AuthActions(client)
    auth.login("cara@example.org")
    page = client.get(f"/involvement/{opp_id}").get_data(as_text=True)
    assert "Easy Read" in page and "You help run the session." in page
    assert post_form(client, f"/involvement/{opp_id}/interest", {}).status_code == 302
    assert "Interested" in client.get("/involvement/mine").get_data(as_text=True)
    assert "My involvement" in client.get("/learning").get_data(as_text=True)
    auth.logout()
    auth.login("fran@example.org")
    with app.app_context():
        inv_id = db.session.scalar(select(Involvement.id).where(Involvement.opportunity_id == opp_id))
    assert "Cara Carer" in client.get(f"/involvement/{opp_id}/manage").get_data(as_text=True)
    post_form(client, f"/involvement/{opp_id}/people/{inv_id}/confirmed", {})
    post_form(client, f"/involvement/{opp_id}/people/{inv_id}/offer", {})
    auth.logout()
    auth.login("cara@example.org")
    mine = client.get("/involvement/mine").get_data(as_text=True)
    assert "Co-facilitate week one" in mine and "Confirmed" in mine and "Payment offered" in mine
    response = post_form(client, f"/involvement/mine/{inv_id}", {"payment_choice": "lottery"})
    assert response.status_code == 200 and "There is a problem" in response.get_data(as_text=True)
    response = post_form(client, f"/involvement/mine/{inv_id}", {"payment_choice": "voucher", "benefits_advice": "y"})
    assert response.status_code == 302
    page = client.get(f"/involvement/mine/{inv_id}").get_data(as_text=True)
    assert "citizensadvice.org.uk" in page and "can affect some benefits" in page
    with app.app_context():
        inv = db.session.get(Involvement, inv_id)
        assert (inv.payment_choice, inv.benefits_advice, inv.credit_consent) == ("voucher", True, False)


def test_staff_of_a_public_body_are_refused_payment_until_they_confirm_own_time(app, client):
    with app.test_request_context():
        course, fran = course_with_facilitator()
        fran.email = "fran2@example.org"
        opp = make_opportunity(session=course.sessions[0], places=2)
        nurse = create_member(email="nurse@example.org", stakeholder_type="practitioner", name="Nat Nurse")
        inv = ops.express_interest(nurse, opp)
        ops.decide(fran, inv, "confirmed")
        db.session.commit()
        opp_id, inv_id = opp.id, inv.id
    AuthActions(client).login("fran2@example.org")
    response = post_form(client, f"/involvement/{opp_id}/people/{inv_id}/offer", {}, follow_redirects=True)
    assert "has not confirmed" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Involvement, inv_id).payment_offered_at is None


def test_someone_elses_involvement_is_not_found(app, client):
    with app.test_request_context():
        opp = make_opportunity(project="Leaflet", role="reviewer", theme_slug="cross-cutting")
        inv = ops.express_interest(create_member(), opp)
        create_member(email="nosy@example.org")
        db.session.commit()
        inv_id = inv.id
    AuthActions(client).login("nosy@example.org")
    assert client.get(f"/involvement/mine/{inv_id}").status_code == 404
    assert post_form(client, f"/involvement/mine/{inv_id}", {"payment_choice": "declined"}).status_code == 404


def test_pounds_are_parsed_with_decimal_never_float():
    assert int(float("19.99") * 100) == 1998  # what a float would store
    assert pounds_to_pence("19.99") == 1999 and pounds_to_pence("£1,250.5") == 125050 and pounds_to_pence("0.45") == 45
    for bad in ("", "abc", "1e3", "12.345", "-5", "12.5.0", "nan"):
        try:
            pounds_to_pence(bad)
        except ValueError:
            continue
        raise AssertionError(f"{bad!r} was accepted")


def test_admins_keep_rates_as_data_through_the_page(app, client):
    with app.app_context():
        create_member(role="admin", email="admin@example.org")
    AuthActions(client).login("admin@example.org")
    bad = post_form(client, "/involvement/rates", {"which": "payment", "pay-activity": "co_facilitator",
                                                   "pay-unit": "hour", "pay-amount": "twelve",
                                                   "pay-applies_from": "2026-04-01"})
    html = bad.get_data(as_text=True)
    assert bad.status_code == 200 and "There is a problem" in html and "for example 12.50" in html
    for amount, day in (("19.99", "2026-04-01"), ("21.50", "2026-10-01")):
        assert post_form(client, "/involvement/rates", {"which": "payment", "pay-activity": "co_facilitator",
                                                        "pay-unit": "hour", "pay-amount": amount,
                                                        "pay-applies_from": day}).status_code == 302
    assert post_form(client, "/involvement/rates", {"which": "expense", "exp-kind": "mileage", "exp-unit": "mile",
                                                    "exp-amount": "0.45", "exp-applies_from": "2026-04-01"}
                     ).status_code == 302
    page = client.get("/involvement/rates").get_data(as_text=True)
    assert "£19.99" in page and "£21.50" in page and "£0.45" in page
    with app.app_context():
        assert rate_on("co_facilitator", date(2026, 9, 30)).pence == 1999
        assert rate_on("co_facilitator", date(2026, 10, 1)).pence == 2150
        assert db.session.scalar(select(ExpenseRate.pence)) == 45
        assert db.session.scalar(select(PaymentRate.created_by_id)) is not None


def test_credit_on_profile_and_certificate_only_with_consent(app, client):
    with app.test_request_context():
        course, fran = course_with_facilitator(sessions=1, title="Co-production basics", starts_in=timedelta(days=-2))
        opp = make_opportunity(session=course.sessions[0], places=1, minutes=90)
        carer = create_member(email="cara3@example.org", name="Cara Carer")
        inv = ops.express_interest(carer, opp)
        ops.decide(fran, inv, "confirmed")
        trainee = create_member(email="trainee@example.org")
        db.session.add(Enrolment(course_id=course.id, member_id=trainee.id, status="enrolled"))
        db.session.commit()
        attendance_ops.mark(None, course.sessions[0], trainee.id, "present")
        db.session.commit()
        slug, inv_id = course.slug, inv.id

    def certificate_text():
        auth = AuthActions(client)
        auth.login("trainee@example.org")
        response = client.get(f"/certificates/{slug}.pdf")
        auth.logout()
        assert response.status_code == 200
        return PdfReader(io.BytesIO(response.data)).pages[0].extract_text()

    def profile():
        auth = AuthActions(client)
        auth.login("cara3@example.org")
        page = client.get("/account").get_data(as_text=True)
        auth.logout()
        return page

    assert "Co-facilitated by" not in certificate_text() and "credited to you" not in profile()
    with app.app_context():
        ops.set_credit_consent(db.session.get(Member, db.session.get(Involvement, inv_id).member_id),
                               db.session.get(Involvement, inv_id), True)
        db.session.commit()
    assert "Co-facilitated by: Cara Carer" in certificate_text()
    page = profile()
    assert "credited to you: <strong>1.5</strong>" in page and "1 co-facilitation" in page


def test_pages_keep_to_a_query_budget_that_does_not_grow(app, client):
    with app.test_request_context():
        course, fran = course_with_facilitator()
        fran.email = "fran4@example.org"
        me = create_member(email="me@example.org")
        db.session.commit()
        ids = {"session": course.sessions[0].id, "fran": fran.id, "me": me.id}
    opp_ids = []

    def add(n):
        from copractice.courses.models import Session

        with app.test_request_context():
            session, fran, me = (db.session.get(Session, ids["session"]), db.session.get(Member, ids["fran"]),
                                 db.session.get(Member, ids["me"]))
            for _ in range(n):
                opp = make_opportunity(session=session, places=50)
                inv = ops.express_interest(me, opp)
                for _ in range(3):
                    ops.express_interest(create_member(), opp)
                ops.decide(fran, inv, "confirmed")
                opp_ids.append(opp.id)
            db.session.commit()

    add(2)
    auth = AuthActions(client)
    auth.login("me@example.org")
    small = {url: queries_for(app, client, url) for url in ("/involvement/", "/involvement/mine")}
    auth.logout()
    auth.login("fran4@example.org")
    small_manage = queries_for(app, client, f"/involvement/{opp_ids[0]}/manage")
    small_organise = queries_for(app, client, "/involvement/organise")
    auth.logout()
    add(12)
    with app.test_request_context():
        first = db.session.get(Opportunity, opp_ids[0])
        for _ in range(20):
            ops.express_interest(create_member(), first)
        db.session.commit()
    auth.login("me@example.org")
    for url, (status, count) in small.items():
        again = queries_for(app, client, url)
        assert status == 200 and again[0] == 200 and again[1] <= count, (url, count, again)
    auth.logout()
    auth.login("fran4@example.org")
    assert queries_for(app, client, f"/involvement/{opp_ids[0]}/manage")[1] <= small_manage[1]
    assert queries_for(app, client, "/involvement/organise")[1] <= small_organise[1]
