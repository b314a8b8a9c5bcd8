"""Issue 17 points 4, 5, 7, 8 through the pages: a contributor's claims, expenses with receipts (private), finance
staff approving and exporting, the paid date, the statement PDF, suppressed reports, query budgets."""
import io
from datetime import timedelta

import pytest
from sqlalchemy import select

from copractice.attendance import operations as attendance
from copractice.extensions import db
from copractice.involvement import claims, finance
from copractice.involvement.claims_models import Claim, FinanceStaff
from copractice.members.models import Member
from copractice.testing import AuthActions, create_course, create_member, csrf_from
from copractice.timeutil import utc_to_london, utcnow
from tests.claims_factory import PNG, co_facilitator, rates
from tests.query_budget import counted_queries


def _made(app, people=1, email="carys@example.org"):
    """``people`` co-facilitators of one session marked present (the first with ``email``); an admin; ids."""
    with app.test_request_context():
        rates()
        course = create_course(starts_in=-timedelta(hours=1))
        admin = create_member(role="admin", email="admin@example.org", name="Ada Admin")
        ids = []
        for n in range(people):
            member, session, _ = co_facilitator(name=f"Carer {n}", email=email if n == 0 else None, course=course)
            attendance.mark(admin, session, member.id, "present")
            ids.append(member.id)
        db.session.commit()
        return ids, db.session.scalars(select(Claim.id).order_by(Claim.id)).all()


def _client(app, email):
    client = app.test_client()
    AuthActions(client).login(email)
    return client


def _post(client, url, data, page=None, **kwargs):
    token = csrf_from(client.get(page or url).get_data(as_text=True))
    return client.post(url, data={"csrf_token": token, **data}, **kwargs)


def test_the_contributor_adds_mileage_and_a_receipt_and_sees_where_it_is(app):
    (member_id,), (claim_id,) = _made(app)
    me = _client(app, "carys@example.org")
    page = me.get("/claims/").get_data(as_text=True)
    assert "Submitted" in page and "£55.00" in page
    response = _post(me, f"/claims/{claim_id}", {"kind": "mileage", "miles": "12.5"})
    assert response.status_code == 302
    response = _post(me, f"/claims/{claim_id}", {"kind": "travel", "amount": "4.50", "description": "Bus",
                                                 "receipt": (io.BytesIO(PNG), "ticket.png")},
                     content_type="multipart/form-data")
    assert response.status_code == 302
    page = me.get(f"/claims/{claim_id}").get_data(as_text=True)
    assert "12.5 miles" in page and "£5.63" in page and "£4.50" in page and "£65.13" in page
    with app.app_context():
        expense = db.session.scalar(select(Claim).where(Claim.id == claim_id)).expenses[1]
        expense_id = expense.id
    receipt = me.get(f"/claims/receipts/{expense_id}")
    assert receipt.status_code == 200 and receipt.data == PNG and "no-store" in receipt.headers["Cache-Control"]
    other = create_other(app)
    assert other.get(f"/claims/receipts/{expense_id}").status_code == 404
    assert other.get(f"/claims/{claim_id}").status_code == 404


def create_other(app, role="trainee", email="other@example.org", **kwargs):
    with app.app_context():
        create_member(role=role, email=email, **kwargs)
    return _client(app, email)


@pytest.mark.parametrize("data,field,message", [
    ({"kind": "travel", "amount": "lots"}, "amount", "Enter the amount in pounds"),
    ({"kind": "travel", "amount": "4.567"}, "amount", "pounds and pence only"),
    ({"kind": "mileage", "miles": "far"}, "miles", "Enter the miles as a number"),
    ({"kind": "childcare", "amount": "30"}, "receipt", "Add a photo or PDF of the receipt"),
    ({"kind": "", "amount": "30"}, "kind", "Choose what the expense was for"),
])
def test_bad_expenses_are_shown_beside_their_field_never_a_500(app, data, field, message):
    _, (claim_id,) = _made(app)
    me = _client(app, "carys@example.org")
    response = _post(me, f"/claims/{claim_id}", data)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and message in page and "There is a problem" in page
    assert f'id="{field}-error"' in page or f'href="#{field}"' in page


def test_finance_staff_approve_export_and_record_paid_and_the_contributor_sees_paid(app):
    (member_id,), (claim_id,) = _made(app)
    lead = create_other(app, role="theme_lead", email="lead@example.org", themes=("cross-cutting",))
    assert lead.get("/finance/claims").status_code == 403
    with app.app_context():
        fin = create_member(email="fin@example.org", name="Fin Ance")
        db.session.add(FinanceStaff(member_id=fin.id))
        db.session.commit()
    staff = _client(app, "fin@example.org")
    page = staff.get("/finance/claims").get_data(as_text=True)
    assert "Carer 0" in page and "Claims waiting to be checked" in page
    assert _post(staff, f"/finance/claims/{claim_id}/approve", {}, page="/finance/claims").status_code == 302
    response = _post(staff, "/finance/batches", {}, page="/finance/claims")
    assert response.status_code == 302 and "/finance/batches/" in response.headers["Location"]
    batch_url = response.headers["Location"]
    csv_text = staff.get(batch_url + ".csv").get_data(as_text=True)
    assert csv_text.splitlines()[0].split(",") == finance.EXPORT_HEADERS and "Carer 0" in csv_text
    assert staff.get(batch_url + ".xlsx").data[:2] == b"PK"
    bad = _post(staff, batch_url, {"paid_on": "not a date"}, page=batch_url)
    assert bad.status_code == 200 and "There is a problem" in bad.get_data(as_text=True)
    future = (utc_to_london(utcnow()).date() + timedelta(days=3)).isoformat()
    bad = _post(staff, batch_url, {"paid_on": future}, page=batch_url)
    assert bad.status_code == 200 and "cannot be in the future" in bad.get_data(as_text=True)
    today = utc_to_london(utcnow()).date().isoformat()
    assert _post(staff, batch_url, {"paid_on": today}, page=batch_url).status_code == 302
    me = _client(app, "carys@example.org")
    page = me.get("/claims/").get_data(as_text=True)
    assert 'data-status="paid">Paid</span>' in page
    with app.app_context():
        assert db.session.get(Claim, claim_id).paid_on.isoformat() == today


def test_a_query_reaches_the_contributor_who_answers(app):
    (member_id,), (claim_id,) = _made(app)
    admin = _client(app, "admin@example.org")
    empty = _post(admin, f"/finance/claims/{claim_id}/query", {"message": ""}, page=f"/claims/{claim_id}")
    assert empty.status_code == 302
    _post(admin, f"/finance/claims/{claim_id}/query", {"message": "Which bus did you take?"}, page=f"/claims/{claim_id}")
    me = _client(app, "carys@example.org")
    page = me.get(f"/claims/{claim_id}").get_data(as_text=True)
    assert "Which bus did you take?" in page and "Question from the team" in page
    _post(me, f"/claims/{claim_id}/answer", {"answer": "The number 6."}, page=f"/claims/{claim_id}")
    with app.app_context():
        assert db.session.get(Claim, claim_id).status == "submitted"


def test_the_yearly_statement_is_a_pdf_of_my_own_claims(app):
    (member_id,), (claim_id,) = _made(app)
    year = utc_to_london(utcnow()).year
    me = _client(app, "carys@example.org")
    response = me.get(f"/claims/statement/{year}.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    assert response.mimetype == "application/pdf" and "no-store" in response.headers["Cache-Control"]
    with app.test_request_context():
        from copractice.involvement import statements

        lines = statements.claim_lines(member_id, year)
        assert [(line.id, line.total_pence) for line in lines] == [(claim_id, 5500)]
        assert statements.claim_lines(member_id, year - 1) == []
        assert statements.summary(lines) == {"hours": "2.0", "claimed": "£55.00", "paid": "£0.00"}


def test_reports_hide_money_where_fewer_than_five_people_are_behind_it(app):
    _, claim_ids = _made(app, people=3)
    with app.test_request_context():
        admin = db.session.scalar(select(Member).where(Member.email == "admin@example.org"))
        for claim_id in claim_ids:
            claims.approve(admin, claim_id)
        [row] = finance.spend_by_theme_and_activity()
        assert row.people.hidden and row.money == "fewer than 5" and row.export() == "fewer than 5"
        db.session.commit()
    page = _client(app, "admin@example.org").get("/finance/reports").get_data(as_text=True)
    assert "16500" not in page and "fewer than 5" in page
    csv_text = _client(app, "admin@example.org").get("/finance/reports.csv").get_data(as_text=True)
    assert "16500" not in csv_text and "fewer than 5" in csv_text


def test_reports_show_money_with_five_people(app):
    _, claim_ids = _made(app, people=5)
    with app.test_request_context():
        admin = db.session.scalar(select(Member).where(Member.email == "admin@example.org"))
        for claim_id in claim_ids:
            claims.approve(admin, claim_id)
        [row] = finance.spend_by_theme_and_activity()
        assert (str(row.people), row.money, row.export()) == ("5", "£275.00", 27500)
        [(kind, people, hours)] = finance.hours_by_stakeholder_type()
        assert (kind, str(people), hours) == ("carer", "5", "10.0")
        waiting = finance.claims_waiting()
        assert (waiting["Approved"].shown, waiting.total.shown) == (5, 5)


BUDGETS = {"/claims/": 12, "/finance/claims": 14}


@pytest.mark.parametrize("url,who", [("/claims/", "carys@example.org"), ("/finance/claims", "admin@example.org")])
def test_lists_run_the_same_statements_at_two_sizes(app, url, who):
    def count(extra):
        with app.test_request_context():
            admin = db.session.scalar(select(Member).where(Member.email == "admin@example.org"))
            me = db.session.scalar(select(Member).where(Member.email == "carys@example.org"))
            for _ in range(extra):
                member, session, _ = co_facilitator(email=None, name="More")
                # more claims for the contributor too: another session of theirs
                attendance.mark(admin, session, member.id, "present")
                course = create_course(starts_in=-timedelta(hours=1))
                from copractice.courses.models import Enrolment
                from copractice.involvement.models import Involvement, Opportunity

                db.session.add(Enrolment(course_id=course.id, member_id=me.id, status="enrolled"))
                opp = Opportunity(title="More", role="co_facilitator", session_id=course.sessions[0].id)
                db.session.add(opp)
                db.session.flush()
                db.session.add(Involvement(opportunity_id=opp.id, member_id=me.id, status="selected",
                                           payment_choice="accepted"))
                db.session.flush()
                attendance.mark(admin, course.sessions[0], me.id, "present")
            db.session.commit()
        client = _client(app, who)
        with counted_queries(app) as statements:
            assert client.get(url).status_code == 200
        return len(statements)

    _made(app)
    small = count(1)
    large = count(4)
    assert small == large <= BUDGETS[url]


def test_admins_name_finance_staff_and_bad_addresses_are_shown_beside_the_field(app):
    _made(app)
    with app.app_context():
        create_member(email="fin@example.org", name="Fin Ance")
    admin = _client(app, "admin@example.org")
    bad = _post(admin, "/finance/staff", {"email": "nobody@example.org"})
    assert bad.status_code == 200 and "Nobody has an account with that email address." in bad.get_data(as_text=True)
    assert _post(admin, "/finance/staff", {"email": "fin@example.org"}).status_code == 302
    staff = _client(app, "fin@example.org")
    assert staff.get("/finance/claims").status_code == 200
    assert staff.get("/finance/staff").status_code == 403  # only admins name finance staff
    with app.app_context():
        fin_id = db.session.scalar(select(Member.id).where(Member.email == "fin@example.org"))
    assert _post(admin, f"/finance/staff/{fin_id}/remove", {}, page="/finance/staff").status_code == 302
    assert staff.get("/finance/claims").status_code == 403
