"""The finance export and the money reports: approved claims go to finance in a numbered batch, the paid date is
recorded back, and the time from session to payment is measured.

The layout of the export is documented in docs/finance_export.md; ``EXPORT_HEADERS`` is that layout, and a test
holds the two together. A claim is put in one batch only: the batch takes claims with one conditional UPDATE
(``WHERE status = 'approved' AND batch_id IS NULL``), so two people exporting at once never both take a claim.
Reports go through copractice.measurement.suppression: a sum of money is shown only where the number of people
behind it is shown.
"""
import statistics
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select, update
from sqlalchemy.orm import selectinload

from copractice.attendance.reports import csv_lines, xlsx_bytes  # noqa: F401 - the export helpers views stream
from copractice.audit import audit
from copractice.extensions import db
from copractice.involvement.claims import ClaimRefused, _require_finance, pounds
from copractice.involvement.claims_models import (
    APPROVED,
    CLAIM_STATUSES,
    EXPORTED,
    PAID,
    QUERIED,
    SUBMITTED,
    Claim,
    ClaimExpense,
    FinanceBatch,
)
from copractice.measurement.suppression import guarded, suppress_counts
from copractice.members.models import Member
from copractice.notifications.operations import notify
from copractice.timeutil import utc_to_london, utcnow
from copractice.urls import external_url

# The finance export's columns, in order (docs/finance_export.md describes each).
EXPORT_HEADERS = ["Batch number", "Claim reference", "Payee reference", "Payee name", "Pay to",
                  "Activity", "Activity date", "What for", "Fee (pence)", "Expenses (pence)", "Total (pence)",
                  "Total (pounds)", "Approved on", "Approved by"]
PAY_TO = {"accepted": "Person", "voucher": "Voucher", "organisation": "Organisation"}


def batch_number(batch: FinanceBatch) -> str:
    """CP-<year>-<id, five digits>: unique because the id is, readable on a remittance."""
    return f"CP-{utc_to_london(batch.created_at).year}-{batch.id:05d}"


def export_batch(actor: Member, claim_ids=None) -> FinanceBatch:
    """Put approved claims not yet exported (all, or those of ``claim_ids``) in a new numbered batch.

    One conditional UPDATE takes the claims: a claim another export took a moment earlier is not taken again.
    """
    _require_finance(actor)
    batch = FinanceBatch(created_at=utcnow(), created_by_id=actor.id)
    db.session.add(batch)
    db.session.flush()
    batch.number = batch_number(batch)
    where = [Claim.status == APPROVED, Claim.batch_id.is_(None)]
    if claim_ids is not None:
        where.append(Claim.id.in_(list(claim_ids) or [0]))
    taken = db.session.execute(update(Claim).where(*where).values(status=EXPORTED, batch_id=batch.id)
                               .execution_options(synchronize_session=False)).rowcount
    if not taken:
        db.session.delete(batch)
        db.session.flush()
        raise ClaimRefused("There are no approved claims waiting to be sent to finance.")
    claims = db.session.scalars(select(Claim).where(Claim.batch_id == batch.id).options(selectinload(Claim.expenses))
                                .execution_options(populate_existing=True)).all()
    batch.claim_count = len(claims)
    batch.total_pence = sum(claim.total_pence for claim in claims)
    db.session.flush()
    for claim in claims:
        audit(actor, "claim.exported", "claim", claim.id, claim.title, before={"status": APPROVED, "batch_id": None},
              after={"status": EXPORTED, "batch_id": batch.id}, reason=batch.number)
    audit(actor, "finance_batch.exported", "finance_batch", batch.id, batch.number,
          after={"claims": batch.claim_count, "total_pence": batch.total_pence})
    return batch


def record_paid(actor: Member, batch: FinanceBatch, paid_on: date) -> FinanceBatch:
    """Record the day finance paid a batch: each of its claims is paid on that day (once)."""
    _require_finance(actor)
    if paid_on > utc_to_london(utcnow()).date():
        raise ClaimRefused("The paid date cannot be in the future.")
    if paid_on < utc_to_london(batch.created_at).date():
        raise ClaimRefused("The paid date cannot be before the batch was sent to finance.")
    done = db.session.execute(update(FinanceBatch).where(FinanceBatch.id == batch.id, FinanceBatch.paid_on.is_(None))
                              .values(paid_on=paid_on, paid_recorded_by_id=actor.id)
                              .execution_options(synchronize_session=False)).rowcount
    if done != 1:
        raise ClaimRefused("This batch is already recorded as paid.")
    claims = db.session.scalars(select(Claim).where(Claim.batch_id == batch.id, Claim.status == EXPORTED)).all()
    db.session.execute(update(Claim).where(Claim.batch_id == batch.id, Claim.status == EXPORTED)
                       .values(status=PAID, paid_on=paid_on).execution_options(synchronize_session=False))
    for claim in claims:
        audit(actor, "claim.paid", "claim", claim.id, claim.title, before={"status": EXPORTED, "paid_on": None},
              after={"status": PAID, "paid_on": paid_on.isoformat()}, reason=batch.number)
    db.session.refresh(batch)
    people = {m.id: m for m in db.session.scalars(select(Member).where(
        Member.id.in_({c.member_id for c in claims if c.member_id} or {0})))}
    for claim in claims:
        db.session.refresh(claim)
        notify([people.get(claim.member_id)], "claim_paid", "claim_paid", link=external_url("claims.my_claims"),
               claim=claim, amount=pounds(claim.total_pence))
    audit(actor, "finance_batch.paid", "finance_batch", batch.id, batch.number, after={"paid_on": paid_on.isoformat()})
    return batch


def export_rows(batch: FinanceBatch) -> list[list]:
    """The batch's lines in the documented layout, amounts in whole pence (and pounds, for people reading it):
    three queries whatever the batch's size."""
    claims = db.session.scalars(select(Claim).where(Claim.batch_id == batch.id).order_by(Claim.id)
                                .options(selectinload(Claim.expenses))).all()
    approvers = dict(db.session.execute(select(Member.id, Member.name).where(
        Member.id.in_({c.approved_by_id for c in claims if c.approved_by_id} or {0}))).all())
    payees = {m.id: m for m in db.session.scalars(select(Member).where(
        Member.id.in_({c.member_id for c in claims if c.member_id} or {0})))}
    rows = []
    for claim in claims:
        payee = payees.get(claim.member_id)
        rows.append([batch.number, f"CL-{claim.id:06d}", f"M-{claim.member_id:06d}" if claim.member_id else "",
                     payee.name if payee else "", PAY_TO.get(claim.payment_choice, claim.payment_choice),
                     claim.activity, claim.activity_date.isoformat(), claim.title, claim.fee_pence,
                     claim.expenses_pence, claim.total_pence, pounds(claim.total_pence).replace("£", ""),
                     utc_to_london(claim.approved_at).date().isoformat() if claim.approved_at else "",
                     approvers.get(claim.approved_by_id, "")])
    return rows


def export_csv(batch: FinanceBatch) -> str:
    return "".join(csv_lines(EXPORT_HEADERS, export_rows(batch)))


def export_xlsx(batch: FinanceBatch) -> bytes:
    return xlsx_bytes(EXPORT_HEADERS, export_rows(batch), title=batch.number or "Batch")


# -- lists for the finance pages (columns, not objects; a fixed number of queries) --------------------------------

@dataclass
class ClaimLine:
    id: int
    member_name: str
    title: str
    activity: str
    activity_date: date
    status: str
    total_pence: int
    batch_number: str | None

    @property
    def status_label(self):
        return CLAIM_STATUSES.get(self.status, self.status)

    @property
    def total(self):
        return pounds(self.total_pence)


def _expense_totals():
    return (select(ClaimExpense.claim_id, func.sum(ClaimExpense.amount_pence).label("pence"))
            .group_by(ClaimExpense.claim_id).subquery())


def claim_lines(statuses=None, member_id=None, limit=500) -> list[ClaimLine]:
    """Claims as the lists show them, newest event first: two queries' worth, whatever the number of claims."""
    expenses = _expense_totals()
    stmt = (select(Claim.id, Member.name, Claim.title, Claim.activity, Claim.activity_date, Claim.status,
                   Claim.fee_pence, func.coalesce(expenses.c.pence, 0), FinanceBatch.number)
            .outerjoin(Member, Member.id == Claim.member_id)
            .outerjoin(expenses, expenses.c.claim_id == Claim.id)
            .outerjoin(FinanceBatch, FinanceBatch.id == Claim.batch_id)
            .order_by(Claim.activity_date.desc(), Claim.id.desc()).limit(limit))
    if statuses:
        stmt = stmt.where(Claim.status.in_(statuses))
    if member_id is not None:
        stmt = stmt.where(Claim.member_id == member_id)
    return [ClaimLine(id=r[0], member_name=r[1] or "Former member", title=r[2], activity=r[3], activity_date=r[4],
                      status=r[5], total_pence=int(r[6]) + int(r[7]), batch_number=r[8])
            for r in db.session.execute(stmt)]


def batches(limit=200) -> list[FinanceBatch]:
    return db.session.scalars(select(FinanceBatch).where(FinanceBatch.number.is_not(None))
                              .order_by(FinanceBatch.id.desc()).limit(limit)).all()


# -- reports (issue 17 point 7) -------------------------------------------------------------------------------------

@dataclass
class MoneyRow:
    """One line of a money report: the people behind it (suppressed) and the money, shown only with them."""

    key: object
    people: object  # a suppression Cell
    claims: int
    pence: int

    @property
    def money(self) -> str:
        return self.people.label if self.people.hidden else pounds(self.pence)

    def export(self):
        return self.people.label if self.people.hidden else self.pence


def _money_rows(key_columns, where=()) -> list[MoneyRow]:
    expenses = _expense_totals()
    stmt = (select(*key_columns, func.count(func.distinct(Claim.member_id)), func.count(Claim.id),
                   func.sum(Claim.fee_pence + func.coalesce(expenses.c.pence, 0)))
            .outerjoin(expenses, expenses.c.claim_id == Claim.id).where(*where).group_by(*key_columns))
    raw = [(tuple(r[:-3]) if len(key_columns) > 1 else r[0], int(r[-3]), int(r[-2]), int(r[-1] or 0))
           for r in db.session.execute(stmt)]
    raw.sort(key=lambda r: str(r[0]))
    people = suppress_counts({key: n for key, n, _, _ in raw})
    return [MoneyRow(key=key, people=people[key], claims=claims, pence=pence) for key, _, claims, pence in raw]


def spend_by_theme_and_activity() -> list[MoneyRow]:
    """Money claimed (approved, sent or paid) by theme and activity; money hidden where the people are."""
    rows = _money_rows([Claim.theme_slug, Claim.activity], [Claim.status.in_((APPROVED, EXPORTED, PAID))])
    for row in rows:
        row.key = (row.key[0] or "region-wide", row.key[1])
    return rows


def hours_by_stakeholder_type():
    """Hours of paid involvement by the contributor's stakeholder type: (type, people Cell, hours or hidden)."""
    rows = db.session.execute(select(Member.stakeholder_type, func.count(func.distinct(Claim.member_id)),
                                     func.sum(Claim.minutes))
                              .join(Member, Member.id == Claim.member_id).group_by(Member.stakeholder_type)).all()
    people = suppress_counts({r[0]: int(r[1]) for r in rows})
    return [(r[0], people[r[0]], people[r[0]].label if people[r[0]].hidden else f"{int(r[2] or 0) / 60:.1f}")
            for r in sorted(rows, key=lambda r: str(r[0]))]


def claims_waiting():
    """How many claims wait at each step before payment, with the people behind them suppressed."""
    rows = dict((r[0], int(r[1])) for r in db.session.execute(
        select(Claim.status, func.count(Claim.id)).where(Claim.status.in_((SUBMITTED, QUERIED, APPROVED, EXPORTED)))
        .group_by(Claim.status)))
    # Steps with no claims are left out: a nought names nobody, and as a "small" count it would hide the rest.
    return suppress_counts({CLAIM_STATUSES[s]: rows[s] for s in (SUBMITTED, QUERIED, APPROVED, EXPORTED) if rows.get(s)})


TIME_TO_PAY_BANDS = [("Within 2 weeks", 0, 14), ("2 to 4 weeks", 15, 28), ("4 to 6 weeks", 29, 42),
                     ("6 to 8 weeks", 43, 56), ("More than 8 weeks", 57, None)]


def days_to_pay() -> list[int]:
    """Days from each paid claim's session or meeting to the day it was paid."""
    return [(paid - day).days for day, paid in db.session.execute(
        select(Claim.activity_date, Claim.paid_on).where(Claim.status == PAID, Claim.paid_on.is_not(None)))]


def time_to_pay():
    """The distribution of days from session to payment, in bands, suppressed, with the median (guarded)."""
    days = days_to_pay()
    bands = {label: sum(1 for d in days if d >= low and (high is None or d <= high))
             for label, low, high in TIME_TO_PAY_BANDS}
    return suppress_counts(bands), guarded(float(statistics.median(days)) if days else None, len(days))


def report_tables():
    """Every report as (title, headers, rows) for the page, CSV and XLSX alike: the same cells everywhere."""
    spend = spend_by_theme_and_activity()
    hours = hours_by_stakeholder_type()
    waiting = claims_waiting()
    bands, median = time_to_pay()
    return [
        ("Spend by theme and activity", ["Theme", "Activity", "People", "Spend (pence)"],
         [[row.key[0], row.key[1], row.people.export(), row.export()] for row in spend]),
        ("Hours by stakeholder type", ["Stakeholder type", "People", "Hours"],
         [[kind, people.export(), hours_text] for kind, people, hours_text in hours]),
        ("Claims waiting", ["Where the claim is", "Claims"],
         [[label, cell.export()] for label, cell in waiting.items()] + [["Total", waiting.total.export()]]),
        ("Time from session to payment", ["Time", "Claims"],
         [[label, cell.export()] for label, cell in bands.items()] + [["Median days", median.export()]]),
    ]


def reports_rows() -> tuple[list[str], list[list]]:
    """All the reports in one sheet for CSV/XLSX: a heading line before each report's own header."""
    headers = ["Report", "A", "B", "C", "D"]
    rows = []
    for title, cols, lines in report_tables():
        rows.append([title, *cols])
        rows.extend([title, *line] for line in lines)
    return headers, rows
