"""Issue 17 points 4 and 8: the register makes a session payable, expenses with receipts, approving and querying,
the finance batch and its paid date, money in whole pence, every change audited."""
import io
from datetime import timedelta

import pytest
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from copractice.attendance import operations as attendance
from copractice.audit import AuditEntry
from copractice.extensions import db
from copractice.involvement import claims, finance
from copractice.involvement.claims_models import Claim, FinanceStaff
from copractice.members.models import Member
from copractice.notifications.models import Notice
from copractice.testing import create_member
from copractice.timeutil import utc_to_london, utcnow
from tests.claims_factory import PNG, co_facilitator, rates


@pytest.fixture
def ctx(app):
    with app.test_request_context():
        yield
        db.session.remove()


def receipt(data=PNG, name="bus-ticket.png"):
    return FileStorage(stream=io.BytesIO(data), filename=name)


def marked(mark="present", **kwargs):
    rates()
    member, session, involvement = co_facilitator(**kwargs)
    organiser = create_member(role="admin", name="Ada Admin")
    attendance.mark(organiser, session, member.id, mark)
    db.session.flush()
    return member, session, involvement, organiser


def claims_of(member_id):
    return db.session.scalars(select(Claim).where(Claim.member_id == member_id)).all()


# -- money -----------------------------------------------------------------------------------------------------

def test_pounds_are_read_as_decimal_pence_so_point_one_and_point_two_sum_exactly():
    assert 0.1 + 0.2 != 0.3  # what floats would have done
    assert claims.parse_pounds("0.1") + claims.parse_pounds("0.2") == 30 == claims.parse_pounds("0.3")
    assert claims.pounds(claims.parse_pounds("0.1") + claims.parse_pounds("0.2")) == "£0.30"
    assert claims.parse_pounds("£1,234.5") == 123450
    assert sum(claims.parse_pounds("0.10") for _ in range(10)) == 100


@pytest.mark.parametrize("text", ["", "abc", "-3", "0", "1.234", "NaN", "Infinity", "10000.01", "1e3x"])
def test_bad_amounts_are_refused_in_plain_english(text):
    with pytest.raises(claims.ClaimRefused):
        claims.parse_pounds(text)


def test_fees_and_mileage_are_whole_pence():
    assert claims.fee_for("hour", 2750, 120) == 5500
    assert claims.fee_for("hour", 2750, 100) == 4583  # 45.8333...: rounded to the penny, half up
    assert claims.fee_for("half_day", 7500, 200) == 7500
    assert claims.fee_for("half_day", 7500, 300) == 15000
    assert claims.fee_for("day", 15000, 400) == 15000
    assert claims.mileage_pence(125, 45) == 563  # 12.5 miles at 45p is 562.5p: 563p
    assert isinstance(claims.mileage_pence(125, 45), int)


# -- the register makes the session payable -----------------------------------------------------------------------

@pytest.mark.parametrize("status", ["present", "late"])
def test_present_or_late_makes_a_claim_at_the_rate_in_force(ctx, status):
    member, session, involvement, organiser = marked(status)
    [claim] = claims_of(member.id)
    assert (claim.status, claim.rate_pence, claim.rate_unit, claim.minutes, claim.fee_pence) == (
        "submitted", 2750, "hour", 120, 5500)
    assert claim.involvement_id == involvement.id and claim.session_id == session.id
    assert claim.activity_date == utc_to_london(session.starts_at).date()
    assert [e.action for e in db.session.scalars(select(AuditEntry).where(AuditEntry.target_type == "claim"))] == [
        "claim.created"]


def test_marking_again_makes_no_second_claim(ctx):
    member, session, involvement, organiser = marked("present")
    attendance.mark(organiser, session, member.id, "late")
    attendance.mark(organiser, session, member.id, "absent")
    attendance.mark(organiser, session, member.id, "present")
    assert len(claims_of(member.id)) == 1


def test_a_later_rate_applies_only_from_its_date(ctx):
    from copractice.involvement.models import PaymentRate

    db.session.add(PaymentRate(activity="co_facilitator", unit="hour", pence=9900,
                               applies_from=utc_to_london(utcnow()).date() + timedelta(days=2)))
    member, session, involvement, organiser = marked("present")
    assert claims_of(member.id)[0].rate_pence == 2750


@pytest.mark.parametrize("status,kwargs", [
    ("absent", {}), ("excused", {}),
    ("present", {"choice": "declined"}), ("present", {"choice": "offered"}), ("present", {"choice": "not_offered"}),
    ("present", {"role": "reviewer"}), ("present", {"status": "interested"}), ("present", {"status": "withdrawn"}),
])
def test_no_claim_when_not_payable(ctx, status, kwargs):
    member, *_ = marked(status, **kwargs)
    assert claims_of(member.id) == []


@pytest.mark.parametrize("choice", ["voucher", "organisation"])
def test_vouchers_and_organisations_are_paid_too(ctx, choice):
    member, *_ = marked("present", choice=choice)
    assert claims_of(member.id)[0].payment_choice == choice


def test_a_panel_member_marked_present_at_a_meeting_is_paid(ctx):
    from copractice.involvement.models import Involvement, Opportunity
    from copractice.meetings import meetings
    from copractice.meetings.models import Group, GroupMember, Meeting

    rates(activity="panel_member", pence=5000, unit="half_day")
    member = create_member(name="Pat Panel")
    chair = create_member(role="admin")
    group = Group(slug="panel", name="Research panel", kind="panel", joining="invite", theme_slug="cross-cutting")
    db.session.add(group)
    db.session.flush()
    db.session.add(GroupMember(group_id=group.id, member_id=member.id, role="member", status="active"))
    start = utcnow().replace(microsecond=0) - timedelta(minutes=30)
    meeting = Meeting(group_id=group.id, title="Spring panel", starts_at=start, ends_at=start + timedelta(hours=3))
    db.session.add(meeting)
    db.session.flush()
    opportunity = Opportunity(title="Panel", role="panel_member", meeting_id=meeting.id)
    db.session.add(opportunity)
    db.session.flush()
    db.session.add(Involvement(opportunity_id=opportunity.id, member_id=member.id, status="confirmed",
                               payment_choice="accepted"))
    db.session.flush()
    meetings.mark(chair, meeting, member.id, "present")
    meetings.mark(chair, meeting, member.id, "late")
    [claim] = claims_of(member.id)
    assert (claim.meeting_id, claim.fee_pence, claim.title) == (meeting.id, 5000, "Research panel: Spring panel")


# -- expenses ---------------------------------------------------------------------------------------------------

def test_mileage_at_the_expense_rate_and_a_receipted_cost(ctx):
    member, session, involvement, organiser = marked("present")
    claim = claims_of(member.id)[0]
    me = db.session.get(Member, member.id)
    mileage = claims.add_expense(me, claim, "mileage", miles="12.5", receipt=receipt())
    bus = claims.add_expense(me, claim, "travel", amount="0.1", receipt=receipt())
    bus2 = claims.add_expense(me, claim, "travel", amount="0.2", receipt=receipt(name="second.png"))
    assert (mileage.amount_pence, mileage.miles_tenths, bus.amount_pence, bus2.amount_pence) == (563, 125, 10, 20)
    assert claim.expenses_pence == 593 and claim.total_pence == 5500 + 593
    assert bus.receipt_key and bus.receipt_type == "image/png"
    assert [e.action for e in db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "claim.expense_added"))] == ["claim.expense_added"] * 3


def test_receipts_are_checked_by_content_and_needed_for_costs(ctx):
    member, *_ = marked("present")
    claim = claims_of(member.id)[0]
    me = db.session.get(Member, member.id)
    with pytest.raises(claims.ClaimRefused, match="not a type we accept"):
        claims.add_expense(me, claim, "travel", amount="3", receipt=receipt(b"<html><script>", "r.png"))
    with pytest.raises(claims.ClaimRefused, match="receipt"):
        claims.add_expense(me, claim, "childcare", amount="30")
    with pytest.raises(claims.ClaimRefused, match="receipt"):  # a Word file is fine in the library, not here
        claims.add_expense(me, claim, "travel", amount="3", receipt=receipt(b"PK\x03\x04" + b"0" * 40, "x.docx"))
    assert claim.expenses == []


def test_only_the_claimant_adds_expenses_and_receipts_are_private(ctx):
    member, session, involvement, organiser = marked("present")
    claim = claims_of(member.id)[0]
    other = create_member(name="Someone Else")
    with pytest.raises(claims.ClaimRefused, match="not your claim"):
        claims.add_expense(other, claim, "mileage", miles="3")
    expense = claims.add_expense(db.session.get(Member, member.id), claim, "travel", amount="4", receipt=receipt())
    assert claims.may_see_receipt(db.session.get(Member, member.id), expense)
    assert not claims.may_see_receipt(other, expense)
    assert claims.may_see_receipt(organiser, expense)  # an admin handles claims
    theme_lead = create_member(role="theme_lead", themes=("cross-cutting",))
    assert not claims.may_see_receipt(theme_lead, expense)
    finance_person = create_member(name="Fin Ance")
    db.session.add(FinanceStaff(member_id=finance_person.id))
    db.session.flush()
    assert claims.may_see_receipt(finance_person, expense)


# -- approving, querying, exporting, paying --------------------------------------------------------------------

def test_approve_once_query_answer_and_nobody_approves_their_own(ctx):
    member, session, involvement, admin = marked("present")
    claim = claims_of(member.id)[0]
    me = db.session.get(Member, member.id)
    with pytest.raises(claims.ClaimRefused, match="Only admins and finance staff"):
        claims.approve(me, claim.id)
    claims.query(admin, claim.id, "Which bus did you take?")
    notice = db.session.scalar(select(Notice).where(Notice.member_id == member.id, Notice.kind == "claim_queried"))
    assert notice is not None and f"/claims/{claim.id}" in notice.link
    with pytest.raises(claims.ClaimRefused):
        claims.approve(admin, claim.id)  # waiting for an answer
    claims.answer_query(me, claim, "The number 6.")
    assert claims.approve(admin, claim.id).status == "approved"
    with pytest.raises(claims.ClaimRefused, match="already been approved"):
        claims.approve(admin, claim.id)
    with pytest.raises(claims.ClaimRefused, match="approved"):
        claims.add_expense(me, claim, "mileage", miles="3")
    admin_claim_member = db.session.get(Member, admin.id)
    with pytest.raises(claims.ClaimRefused, match="own claim"):
        claim.member_id = admin.id
        db.session.flush()
        claims.approve(admin_claim_member, claim.id)


def test_every_change_is_audited_with_who_when_before_and_after(ctx):
    member, session, involvement, admin = marked("present")
    claim = claims_of(member.id)[0]
    claims.add_expense(db.session.get(Member, member.id), claim, "mileage", miles="10")
    claims.approve(admin, claim.id)
    batch = finance.export_batch(admin)
    finance.record_paid(admin, batch, utc_to_london(utcnow()).date())
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.target_type == "claim",
                                                          AuditEntry.target_id == str(claim.id))
                                 .order_by(AuditEntry.id)).all()
    assert [e.action for e in entries] == ["claim.created", "claim.expense_added", "claim.approved", "claim.exported",
                                           "claim.paid"]
    approved = entries[2]
    assert approved.actor_id == admin.id and approved.at is not None
    assert (approved.before["status"], approved.after["status"]) == ("submitted", "approved")
    assert entries[1].after["expenses_pence"] == 450 and entries[1].before["expenses_pence"] == 0
    assert entries[-1].after["paid_on"] == utc_to_london(utcnow()).date().isoformat()


def test_a_batch_is_numbered_exported_once_and_paid_back(ctx):
    member, session, involvement, admin = marked("present")
    claim = claims_of(member.id)[0]
    claims.add_expense(db.session.get(Member, member.id), claim, "mileage", miles="12.5")
    with pytest.raises(claims.ClaimRefused, match="no approved claims"):
        finance.export_batch(admin)
    claims.approve(admin, claim.id)
    batch = finance.export_batch(admin)
    assert batch.number == f"CP-{utc_to_london(batch.created_at).year}-{batch.id:05d}"
    assert (batch.claim_count, batch.total_pence, claim.status, claim.batch_id) == (1, 6063, "exported", batch.id)
    with pytest.raises(claims.ClaimRefused, match="no approved claims"):
        finance.export_batch(admin)  # it is in a batch already
    text = finance.export_csv(batch)
    lines = text.splitlines()
    assert lines[0].split(",") == finance.EXPORT_HEADERS
    assert f"{batch.number},CL-{claim.id:06d},M-{member.id:06d},Carys Carer,Person,co_facilitator" in lines[1]
    assert ",5500,563,6063,60.63," in lines[1]
    today = utc_to_london(utcnow()).date()
    with pytest.raises(claims.ClaimRefused, match="future"):
        finance.record_paid(admin, batch, today + timedelta(days=1))
    finance.record_paid(admin, batch, today)
    assert (claim.status, claim.paid_on) == ("paid", today)
    paid = db.session.scalar(select(Notice).where(Notice.member_id == member.id, Notice.kind == "claim_paid"))
    assert paid is not None and "Paid: " in paid.message
    with pytest.raises(claims.ClaimRefused, match="already recorded"):
        finance.record_paid(admin, batch, today)
    assert finance.days_to_pay() == [(today - claim.activity_date).days]


def test_the_xlsx_export_has_the_same_layout(ctx):
    from openpyxl import load_workbook

    member, session, involvement, admin = marked("present")
    claims.approve(admin, claims_of(member.id)[0].id)
    batch = finance.export_batch(admin)
    sheet = load_workbook(io.BytesIO(finance.export_xlsx(batch))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == finance.EXPORT_HEADERS
    assert rows[1][0] == batch.number and rows[1][10] == 5500 and isinstance(rows[1][10], int)


def test_the_documented_layout_is_the_export_layout():
    from pathlib import Path

    doc = (Path(__file__).resolve().parent.parent / "docs" / "finance_export.md").read_text()
    for header in finance.EXPORT_HEADERS:
        assert f"| {header} |" in doc, f"docs/finance_export.md does not describe {header!r}"


def test_time_from_session_to_payment_is_measured_in_bands(ctx):
    from datetime import date

    rates()
    admin = create_member(role="admin")
    days = [10, 20, 30, 30, 30, 30, 30, 70]
    for n, wait in enumerate(days):
        claim = Claim(member_id=admin.id, source_key=f"session:t{n}", title="T", activity="co_facilitator",
                      activity_date=date(2026, 1, 1), minutes=60, rate_unit="hour", rate_pence=100, fee_pence=100,
                      payment_choice="accepted", status="paid", paid_on=date(2026, 1, 1) + timedelta(days=wait))
        db.session.add(claim)
    db.session.flush()
    assert sorted(finance.days_to_pay()) == days
    bands, median = finance.time_to_pay()
    assert bands["4 to 6 weeks"].shown == 5 and bands["Within 2 weeks"].hidden
    assert median.shown == 30.0


def test_erasure_keeps_the_money_record_but_anonymised_and_the_export_lists_claims(ctx):
    from copractice.library.storage import get_storage
    from copractice.members.data_rights import erase_member, export_member_data

    member, session, involvement, admin = marked("present")
    claim = claims_of(member.id)[0]
    me = db.session.get(Member, member.id)
    expense = claims.add_expense(me, claim, "travel", amount="4.50", description="Taxi from 12 Acacia Road",
                                 receipt=receipt())
    key = expense.receipt_key
    claims.query(admin, claim.id, "Was the taxi from 12 Acacia Road?")
    exported = export_member_data(me)["involvement_claims"]
    assert "financial records" in exported["note"]
    assert exported["claims"][0]["expenses"][0]["description"] == "Taxi from 12 Acacia Road"
    assert get_storage().exists(key)
    erase_member(me, actor=admin)
    db.session.flush()
    assert get_storage().exists(key)  # until the erasure is committed: a rolled-back one keeps its receipts
    db.session.commit()
    kept = db.session.get(Claim, claim.id)
    assert (kept.member_id, kept.fee_pence, kept.expenses_pence, kept.query_message) == (member.id, 5500, 450, None)
    assert (kept.expenses[0].description, kept.expenses[0].receipt_key) == (None, None)
    assert not get_storage().exists(key)


def test_a_rolled_back_erasure_keeps_the_receipts(ctx):
    from copractice.library.storage import get_storage
    from copractice.members.data_rights import erase_member

    member, session, involvement, admin = marked("present")
    me = db.session.get(Member, member.id)
    key = claims.add_expense(me, claims_of(member.id)[0], "travel", amount="2", receipt=receipt()).receipt_key
    db.session.commit()
    erase_member(db.session.get(Member, member.id), actor=admin)
    db.session.rollback()
    db.session.commit()
    assert get_storage().exists(key)
