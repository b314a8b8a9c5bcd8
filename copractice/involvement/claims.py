"""Claims: the register makes a session payable, contributors add expenses, finance staff approve or ask.

Money is whole pence (``int``) from end to end: what people type in pounds is read with ``Decimal`` and turned
into pence once (``parse_pounds``), so 0.1 + 0.2 is 30p, never 30.000000000000004. Every change to a claim is in
the audit log (who, when, before and after). A claim moves on with a conditional UPDATE (``... WHERE status IN
(the statuses it may move from)``) and the row count says whether this request did it: two people pressing
"Approve" at once approve it once, and the second is told it was already done. Operations flush; the request commits.
"""
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from sqlalchemy import select, update

from copractice.audit import audit
from copractice.errors import Refused
from copractice.extensions import db
from copractice.involvement.claims_models import (
    APPROVED,
    EXPENSE_KINDS,
    QUERIED,
    SUBMITTED,
    Claim,
    ClaimExpense,
)
from copractice.library.storage import StorageFailed, get_storage
from copractice.library.uploads import UploadRefused, check_upload
from copractice.members.models import Member
from copractice.notifications.operations import notify
from copractice.timeutil import uk_date, utc_to_london, utcnow
from copractice.urls import external_url

# Roles whose time is paid from the register (issue 17 point 4); other roles' claims are made by hand.
PAYABLE_ROLES = ("co_facilitator", "panel_member")
# Choices under which the programme pays (to the person, as a voucher, or to their organisation).
PAID_CHOICES = ("accepted", "voucher", "organisation")
ACTIVE_INVOLVEMENT = ("selected", "confirmed")
PAYABLE_MARKS = ("present", "late")
MAX_PENCE = 1_000_000  # £10,000: no single expense is bigger; a typo of many noughts is caught
RECEIPT_TYPES = ("application/pdf", "image/png", "image/jpeg")
EXPENSE_OPEN = (SUBMITTED, QUERIED)  # expenses can be added until the claim is approved


class ClaimRefused(Refused):
    """The step cannot be taken; the message says why, and ``field`` which field of a form it is about (if any)."""

    def __init__(self, message, field=None):
        super().__init__(message)
        self.field = field


# -- money ------------------------------------------------------------------------------------------------------

def parse_pounds(text) -> int:
    """Read an amount typed in pounds ("12.30", "£12.3", "12") as whole pence; refuse anything else.

    Decimal, never float: "0.1" and "0.2" are 10p and 20p exactly.
    """
    cleaned = str(text or "").strip().replace("£", "").replace(",", "").strip()
    if not cleaned:
        raise ClaimRefused("Enter the amount in pounds, for example 12.50.", "amount")
    try:
        amount = Decimal(cleaned)
    except InvalidOperation:
        raise ClaimRefused("Enter the amount in pounds, for example 12.50.", "amount") from None
    if not amount.is_finite() or amount <= 0:
        raise ClaimRefused("Enter an amount more than £0.", "amount")
    if amount != amount.quantize(Decimal("0.01")):
        raise ClaimRefused("Enter pounds and pence only, for example 12.50.", "amount")
    pence = int(amount * 100)
    if pence > MAX_PENCE:
        raise ClaimRefused("That is more than £10,000. Check the amount, or ask the programme team.", "amount")
    return pence


def parse_miles(text) -> int:
    """Read a distance in miles ("12.5") as tenths of a mile (125)."""
    try:
        miles = Decimal(str(text or "").strip())
    except InvalidOperation:
        raise ClaimRefused("Enter the miles as a number, for example 12.5.", "miles") from None
    if not miles.is_finite() or miles <= 0 or miles > 2000:
        raise ClaimRefused("Enter the miles you travelled there and back, for example 12.5.", "miles")
    return int((miles * 10).quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def pounds(pence: int) -> str:
    """£12.30 from 1230 (and -£1.05 from -105), without floats."""
    sign = "-" if pence < 0 else ""
    whole, part = divmod(abs(int(pence)), 100)
    return f"{sign}£{whole:,}.{part:02d}"


def mileage_pence(miles_tenths: int, rate_pence_per_mile: int) -> int:
    """Miles (in tenths) times the pence-a-mile rate, rounded to the nearest penny (half up)."""
    return int((Decimal(miles_tenths) * rate_pence_per_mile / 10).quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def fee_for(unit: str, rate_pence: int, minutes: int) -> int:
    """The fee for ``minutes`` at a rate per hour (pro rata to the minute, rounded half up), per half day (each
    started four hours) or per day (each started eight hours)."""
    if unit == "hour":
        return int((Decimal(rate_pence) * minutes / 60).quantize(Decimal("1"), rounding=ROUND_HALF_UP))
    block = {"half_day": 240, "day": 480}.get(unit)
    if block is None:
        raise ClaimRefused(f"{unit!r} is not a unit of payment.")
    return rate_pence * max(1, -(-minutes // block))


# -- claims made by the register ----------------------------------------------------------------------------------

@dataclass
class Event:
    """A session or meeting as a claim sees it."""

    key: str
    session_id: int | None
    meeting_id: int | None
    title: str
    theme_slug: str | None
    day: date
    minutes: int


def session_event(session) -> Event:
    course = session.course
    return Event(key=f"session:{session.id}", session_id=session.id, meeting_id=None,
                 title=f"{course.title}: session on {uk_date(session.starts_at)}",
                 theme_slug=course.theme_slug, day=utc_to_london(session.starts_at).date(),
                 minutes=max(1, int((session.ends_at - session.starts_at).total_seconds() // 60)))


def meeting_event(meeting) -> Event:
    return Event(key=f"meeting:{meeting.id}", session_id=None, meeting_id=meeting.id,
                 title=f"{meeting.group.name}: {meeting.title}", theme_slug=meeting.group.theme_slug,
                 day=utc_to_london(meeting.starts_at).date(),
                 minutes=max(1, int((meeting.ends_at - meeting.starts_at).total_seconds() // 60)))


def _claim_state(claim: Claim) -> dict:
    return {"status": claim.status, "fee_pence": claim.fee_pence, "expenses_pence": claim.expenses_pence,
            "batch_id": claim.batch_id, "paid_on": claim.paid_on.isoformat() if claim.paid_on else None}


def payable_involvements(event: Event, member_id: int):
    """The member's involvements in ``event`` that the register pays for: a payable role, selected or confirmed,
    payment accepted (or as a voucher, or to their organisation)."""
    from copractice.involvement.models import Involvement, Opportunity

    where = (Opportunity.session_id == event.session_id if event.session_id is not None
             else Opportunity.meeting_id == event.meeting_id)
    return db.session.execute(
        select(Involvement, Opportunity).join(Opportunity, Opportunity.id == Involvement.opportunity_id).where(
            where, Involvement.member_id == member_id, Opportunity.role.in_(PAYABLE_ROLES),
            Involvement.status.in_(ACTIVE_INVOLVEMENT), Involvement.payment_choice.in_(PAID_CHOICES))).all()


def claim_for_mark(actor, event: Event, member_id: int, status: str) -> list[Claim]:
    """A mark of present or late makes the event payable: one claim per payable involvement, made once however
    often the register is marked (the unique (involvement, event) key; a second mark finds the first claim)."""
    if status not in PAYABLE_MARKS:
        return []
    from copractice.involvement.rates import rate_on

    made = []
    for involvement, opportunity in payable_involvements(event, member_id):
        exists = db.session.scalar(select(Claim.id).where(Claim.involvement_id == involvement.id,
                                                          Claim.source_key == event.key))
        if exists is not None:
            continue
        rate = rate_on(opportunity.role, event.day)
        if rate is None:
            continue  # no rate in force on that day: the team makes the claim by hand once a rate is set
        minutes = event.minutes
        claim = Claim(involvement_id=involvement.id, member_id=member_id, source_key=event.key,
                      session_id=event.session_id, meeting_id=event.meeting_id, title=event.title[:300],
                      activity=opportunity.role, theme_slug=event.theme_slug or opportunity.theme_slug,
                      activity_date=event.day, minutes=minutes, rate_unit=rate.unit, rate_pence=rate.pence,
                      fee_pence=fee_for(rate.unit, rate.pence, minutes), payment_choice=involvement.payment_choice,
                      status=SUBMITTED, created_at=utcnow())
        # A savepoint: a second register tap racing this one hits the unique key, and this mark still stands.
        try:
            with db.session.begin_nested():
                db.session.add(claim)
                db.session.flush()
        except Exception as error:  # noqa: BLE001 - only the unique key is expected; anything else is re-raised
            from sqlalchemy.exc import IntegrityError

            if not isinstance(error, IntegrityError):
                raise
            continue
        audit(actor, "claim.created", "claim", claim.id, claim.title, before=None, after=_claim_state(claim),
              reason=f"Marked {status} on the register")
        made.append(claim)
    return made


def claim_for_session_mark(actor, session, member_id: int, status: str) -> list[Claim]:
    """``claim_for_mark`` for a course session's register (copractice.attendance.operations.mark)."""
    return claim_for_mark(actor, session_event(session), member_id, status)


def claim_for_meeting_mark(actor, meeting, member_id: int, status: str) -> list[Claim]:
    """``claim_for_mark`` for a group meeting's register (copractice.meetings.meetings.mark)."""
    return claim_for_mark(actor, meeting_event(meeting), member_id, status)


# -- expenses -------------------------------------------------------------------------------------------------------

def _own_open_claim(member: Member, claim: Claim):
    if claim.member_id != member.id:
        raise ClaimRefused("This is not your claim.")
    if claim.status not in EXPENSE_OPEN:
        raise ClaimRefused("This claim has been approved, so nothing more can be added to it. "
                           "Ask the programme team if something is missing.")


def _store_receipt(upload):
    refusal = "This file is not a type we accept for a receipt. Upload a PDF, or a photo (PNG or JPEG)."
    try:
        checked = check_upload(upload)
    except UploadRefused:
        raise ClaimRefused(refusal, "receipt") from None
    if checked.content_type not in RECEIPT_TYPES:
        raise ClaimRefused(refusal, "receipt")
    try:
        key = get_storage().save(checked.data)
    except StorageFailed as failed:
        raise ClaimRefused(str(failed), "receipt") from None
    return key, checked.filename, checked.content_type


def add_expense(member: Member, claim: Claim, kind: str, *, amount=None, miles=None, description=None,
                receipt=None) -> ClaimExpense:
    """Add an expense to the member's own claim: mileage at the rate in force on the day (miles typed), or a cost
    in pounds with its receipt (a PDF or photo, checked by its content and kept private)."""
    _own_open_claim(member, claim)
    if kind not in EXPENSE_KINDS:
        raise ClaimRefused("Choose what the expense was for.", "kind")
    expense = ClaimExpense(claim_id=claim.id, kind=kind, description=(description or "").strip()[:300] or None,
                           created_at=utcnow())
    if kind == "mileage":
        from copractice.involvement.rates import expense_rate_on

        expense.miles_tenths = parse_miles(miles)
        rate = expense_rate_on("mileage", claim.activity_date)
        if rate is None:
            raise ClaimRefused("There is no mileage rate for that day yet. Ask the programme team.", "kind")
        expense.amount_pence = mileage_pence(expense.miles_tenths, rate.pence)
    else:
        expense.amount_pence = parse_pounds(amount)
        if kind == "other" and not expense.description:
            raise ClaimRefused("Say what the expense was for.", "description")
    if receipt is not None and getattr(receipt, "filename", ""):
        expense.receipt_key, expense.receipt_filename, expense.receipt_type = _store_receipt(receipt)
    elif kind != "mileage":
        raise ClaimRefused("Add a photo or PDF of the receipt.", "receipt")
    before = _claim_state(claim)
    claim.expenses.append(expense)
    if claim.status == QUERIED:  # answering a question by adding what was missing sends it back to be checked
        claim.status = SUBMITTED
    db.session.flush()
    audit(member, "claim.expense_added", "claim", claim.id, claim.title, before=before, after=_claim_state(claim),
          reason=f"{expense.kind_label}: {pounds(expense.amount_pence)}")
    return expense


def remove_expense(member: Member, expense: ClaimExpense) -> None:
    """Take an expense off the member's own claim while it can still change."""
    claim = expense.claim
    _own_open_claim(member, claim)
    before = _claim_state(claim)
    claim.expenses.remove(expense)
    db.session.flush()
    audit(member, "claim.expense_removed", "claim", claim.id, claim.title, before=before, after=_claim_state(claim))


def may_see_receipt(member, expense: ClaimExpense) -> bool:
    """Receipts are private: the claimant, and those who handle claims (``claims.finance``)."""
    from copractice.permissions import can

    return bool(member is not None and getattr(member, "is_authenticated", False)
                and (expense.claim.member_id == member.id or can(member, "claims.finance")))


# -- approving and asking -------------------------------------------------------------------------------------------

def _move(actor, claim_id: int, allowed_from: tuple, values: dict, action: str, refusal: str, reason=None) -> Claim:
    """Move a claim on with one conditional UPDATE; the row count says whether this request did it."""
    claim = db.session.get(Claim, claim_id)
    if claim is None:
        raise ClaimRefused("There is no such claim.")
    before = _claim_state(claim)
    done = db.session.execute(update(Claim).where(Claim.id == claim_id, Claim.status.in_(allowed_from))
                              .values(**values).execution_options(synchronize_session=False)).rowcount
    if done != 1:
        raise ClaimRefused(refusal, "receipt")
    db.session.refresh(claim)
    audit(actor, action, "claim", claim.id, claim.title, before=before, after=_claim_state(claim), reason=reason)
    return claim


def _require_finance(actor):
    from copractice.permissions import can

    if not can(actor, "claims.finance"):
        raise ClaimRefused("Only admins and finance staff can do this.")


def approve(actor: Member, claim_id: int) -> Claim:
    """Approve a submitted claim (admins and finance staff); a claim is approved once, whoever presses first."""
    _require_finance(actor)
    claim = db.session.get(Claim, claim_id)
    if claim is not None and claim.member_id == actor.id:
        raise ClaimRefused("You cannot approve your own claim: ask someone else in the finance team.")
    return _move(actor, claim_id, (SUBMITTED,), {"status": APPROVED, "approved_at": utcnow(),
                                                 "approved_by_id": actor.id, "query_message": None},
                 "claim.approved", "This claim has already been approved, or is waiting for an answer.")


def query(actor: Member, claim_id: int, message: str) -> Claim:
    """Send a claim back to its contributor with a question; they are told (notice and email)."""
    _require_finance(actor)
    message = (message or "").strip()
    if not message:
        raise ClaimRefused("Write the question for the contributor.", "message")
    claim = _move(actor, claim_id, (SUBMITTED,), {"status": QUERIED, "query_message": message[:2000]},
                  "claim.queried", "Only a submitted claim can be queried.", reason=message)
    member = db.session.get(Member, claim.member_id) if claim.member_id else None
    notify([member], "claim_queried", "claim_queried", link=external_url("claims.claim", claim_id=claim.id),
           claim=claim, question=message)
    return claim


def answer_query(member: Member, claim: Claim, answer: str) -> Claim:
    """The contributor answers the team's question; the claim goes back to be checked."""
    if claim.member_id != member.id:
        raise ClaimRefused("This is not your claim.")
    answer = (answer or "").strip()
    if not answer:
        raise ClaimRefused("Write your answer.", "answer")
    return _move(member, claim.id, (QUERIED,), {"status": SUBMITTED}, "claim.answered",
                 "There is no question waiting on this claim.", reason=answer[:2000])


# -- finance staff ----------------------------------------------------------------------------------------------------

def add_finance_staff(actor: Member, email: str):
    """Let a member approve claims and send them to finance (admins name them)."""
    from copractice.involvement.claims_models import FinanceStaff

    member = db.session.scalar(select(Member).where(db.func.lower(Member.email) == (email or "").strip().lower(),
                                                    Member.erased_at.is_(None)))
    if member is None:
        raise ClaimRefused("Nobody has an account with that email address.", "email")
    if db.session.get(FinanceStaff, member.id) is not None:
        raise ClaimRefused(f"{member.name} is already on the finance staff.", "email")
    db.session.add(FinanceStaff(member_id=member.id, added_by_id=actor.id, added_at=utcnow()))
    db.session.flush()
    audit(actor, "finance_staff.added", "member", member.id, member.name)
    return member


def remove_finance_staff(actor: Member, member_id: int) -> None:
    """Stop a member approving claims."""
    from copractice.involvement.claims_models import FinanceStaff

    row = db.session.get(FinanceStaff, member_id)
    if row is None:
        raise ClaimRefused("They are not on the finance staff.")
    db.session.delete(row)
    db.session.flush()
    audit(actor, "finance_staff.removed", "member", member_id)


# -- data rights (copractice/members/data_rights.py) -------------------------------------------------------------

FINANCIAL_RECORDS = ("Claims for payment are financial records the programme must keep for its accounts and "
                     "auditors: when you delete your account we keep the amounts, dates and batch of each claim, "
                     "but take off your name, the details you typed and your receipts.")


def export_member_claims(member: Member) -> dict:
    """The member's claims, expenses and finance role for their data download."""
    from copractice.involvement.claims_models import FinanceStaff

    rows = db.session.scalars(select(Claim).where(Claim.member_id == member.id).order_by(Claim.id)).all()
    return {
        "note": FINANCIAL_RECORDS,
        "finance_staff": db.session.get(FinanceStaff, member.id) is not None,
        "claims": [{"reference": f"CL-{c.id:06d}", "for": c.title, "activity": c.activity,
                    "date": c.activity_date.isoformat(), "minutes": c.minutes, "rate_pence": c.rate_pence,
                    "rate_unit": c.rate_unit, "fee_pence": c.fee_pence, "payment_choice": c.payment_choice,
                    "status": c.status_label, "question_from_the_team": c.query_message,
                    "paid_on": c.paid_on.isoformat() if c.paid_on else None,
                    "expenses": [{"kind": e.kind_label, "description": e.description,
                                  "miles": e.miles_tenths / 10 if e.miles_tenths else None,
                                  "amount_pence": e.amount_pence, "receipt": e.receipt_filename}
                                 for e in c.expenses]} for c in rows],
    }


def erase_member_claims(member: Member) -> None:
    """On erasure keep the money record, anonymised: amounts, dates, batch and status stay (financial records);
    the free text, the team's questions and the receipts go; they stop being finance staff."""
    from copractice.involvement.claims_models import FinanceStaff

    claim_ids = select(Claim.id).where(Claim.member_id == member.id)
    keys = set(db.session.scalars(select(ClaimExpense.receipt_key).where(
        ClaimExpense.claim_id.in_(claim_ids), ClaimExpense.receipt_key.is_not(None))))
    db.session.execute(update(ClaimExpense).where(ClaimExpense.claim_id.in_(claim_ids)).values(
        description=None, receipt_key=None, receipt_filename=None, receipt_type=None)
        .execution_options(synchronize_session=False))
    db.session.execute(update(Claim).where(Claim.member_id == member.id).values(query_message=None)
                       .execution_options(synchronize_session=False))
    db.session.execute(db.delete(FinanceStaff).where(FinanceStaff.member_id == member.id))
    if not keys:
        return
    from copractice.library.models import ResourceFile

    still_used = set(db.session.scalars(select(ClaimExpense.receipt_key).where(ClaimExpense.receipt_key.in_(keys))))
    still_used |= set(db.session.scalars(select(ResourceFile.storage_key).where(ResourceFile.storage_key.in_(keys))))
    _delete_after_commit(keys - still_used)  # the same bytes kept for someone else (content-addressed) stay


def _delete_after_commit(keys):
    """Delete receipt files once the erasure is committed: a rolled-back erasure keeps its receipts."""
    if not keys:
        return
    from sqlalchemy import event

    session, storage, pending = db.session(), get_storage(), {"keys": set(keys)}

    # Listeners cannot be removed while the event runs, so each acts once and then stays quiet (the session is the
    # request's, gone at its end).
    def committed(_session):
        keys_now, pending["keys"] = pending["keys"], set()
        for key in keys_now:
            storage.delete(key)

    def forget(_session):
        pending["keys"] = set()

    event.listen(session, "after_commit", committed)
    event.listen(session, "after_rollback", forget)

