"""Claims for payment of public contributors: the fee for a session or meeting they were at, their expenses with
receipts, the finance batches that pay them, and who in the team may approve and export (finance staff).

Every amount is a whole number of pence (an ``int``), never a float: £12.30 is 1230.
"""
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from copractice.extensions import db
from copractice.timeutil import utcnow

# Where a claim is: made by the register (submitted), sent back with a question (queried), approved by finance
# staff, put in a finance batch (exported), paid (the batch's paid date recorded back).
SUBMITTED, QUERIED, APPROVED, EXPORTED, PAID = "submitted", "queried", "approved", "exported", "paid"
CLAIM_STATUSES = {SUBMITTED: "Submitted", QUERIED: "Question from the team", APPROVED: "Approved",
                  EXPORTED: "Sent to finance", PAID: "Paid"}
# What a contributor can claim besides their time.
EXPENSE_KINDS = {"mileage": "Mileage (your own car)", "travel": "Travel (bus, train, taxi, parking)",
                 "carer": "Replacement carer cover", "childcare": "Childcare cover", "other": "Something else"}


class Claim(db.Model):
    """What one contributor is owed for one session or meeting they took part in (one per involvement and event)."""

    __tablename__ = "claim"
    __table_args__ = (UniqueConstraint("involvement_id", "source_key", name="uq_claim_involvement_source"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    involvement_id: Mapped[int | None] = mapped_column(ForeignKey("involvement.id", ondelete="SET NULL"))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id", ondelete="SET NULL"), index=True)
    # "session:<id>" or "meeting:<id>": the one event this claim pays for (kept when the event is deleted).
    source_key: Mapped[str] = mapped_column(String(40))
    session_id: Mapped[int | None] = mapped_column(ForeignKey("course_session.id", ondelete="SET NULL"))
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meeting.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(300))  # what it was for, as it was called then
    activity: Mapped[str] = mapped_column(String(40))  # the involvement's role: co_facilitator, panel_member...
    theme_slug: Mapped[str | None] = mapped_column(String(64), index=True)
    activity_date: Mapped[date] = mapped_column(Date, index=True)
    minutes: Mapped[int] = mapped_column(Integer)
    rate_unit: Mapped[str] = mapped_column(String(16))  # hour, half_day, day
    rate_pence: Mapped[int] = mapped_column(Integer)
    fee_pence: Mapped[int] = mapped_column(Integer)
    payment_choice: Mapped[str] = mapped_column(String(16))  # accepted, voucher or organisation
    status: Mapped[str] = mapped_column(String(16), default=SUBMITTED, index=True)
    query_message: Mapped[str | None] = mapped_column(Text)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("finance_batch.id", ondelete="RESTRICT"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    approved_at: Mapped[datetime | None]
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("member.id", ondelete="SET NULL"))
    paid_on: Mapped[date | None] = mapped_column(Date)

    expenses: Mapped[list["ClaimExpense"]] = relationship(back_populates="claim", order_by="ClaimExpense.id",
                                                          cascade="all, delete-orphan")
    batch: Mapped["FinanceBatch | None"] = relationship(back_populates="claims")

    @property
    def status_label(self):
        return CLAIM_STATUSES.get(self.status, self.status)

    @property
    def expenses_pence(self):
        return sum(expense.amount_pence for expense in self.expenses)

    @property
    def total_pence(self):
        return self.fee_pence + self.expenses_pence


class ClaimExpense(db.Model):
    """One expense on a claim: mileage at the expense rate, or a cost with its receipt."""

    __tablename__ = "claim_expense"

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claim.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # a key of EXPENSE_KINDS
    description: Mapped[str | None] = mapped_column(String(300))
    miles_tenths: Mapped[int | None] = mapped_column(Integer)  # 12.5 miles is 125: whole numbers, like pence
    amount_pence: Mapped[int] = mapped_column(Integer)
    # The receipt, stored privately (copractice.library.storage, content-checked): only the claimant and finance.
    receipt_key: Mapped[str | None] = mapped_column(String(64))
    receipt_filename: Mapped[str | None] = mapped_column(String(200))
    receipt_type: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    claim: Mapped[Claim] = relationship(back_populates="expenses")

    @property
    def kind_label(self):
        return EXPENSE_KINDS.get(self.kind, self.kind)


class FinanceBatch(db.Model):
    """Approved claims sent to the finance team together, under one batch number (docs/finance_export.md)."""

    __tablename__ = "finance_batch"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str | None] = mapped_column(String(20), unique=True)  # e.g. CP-2026-00012
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("member.id", ondelete="SET NULL"))
    claim_count: Mapped[int] = mapped_column(Integer, default=0)
    total_pence: Mapped[int] = mapped_column(Integer, default=0)
    paid_on: Mapped[date | None] = mapped_column(Date)
    paid_recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("member.id", ondelete="SET NULL"))

    claims: Mapped[list[Claim]] = relationship(back_populates="batch", order_by="Claim.id")


class FinanceStaff(db.Model):
    """A member of the team who may approve claims and export batches, besides admins (``claims.finance``)."""

    __tablename__ = "finance_staff"

    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"), primary_key=True)
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("member.id", ondelete="SET NULL"))
    added_at: Mapped[datetime] = mapped_column(default=utcnow)
