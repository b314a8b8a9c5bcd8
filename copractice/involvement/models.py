"""Involvement opportunities, the people involved in them, and the payment and expense rates (issue 17).

An opportunity is a role (co-facilitator, panel member, reviewer, forum member, interviewer, or a type a plugin
adds through ``copractice_involvement_activity_types``) linked to a course session, a meeting or a project. Members
express interest; organisers select and confirm. Each involvement records the contributor's own payment choice,
which they may change at any time. Rates are data kept by admins, in integer pence, each from a date.
"""
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from copractice.extensions import db
from copractice.members.models import Member
from copractice.timeutil import utcnow

ROLES = {
    "co_facilitator": "Co-facilitator",
    "panel_member": "Panel member",
    "reviewer": "Reviewer",
    "forum_member": "Forum member",
    "interviewer": "Interviewer",
}

OPPORTUNITY_STATUSES = {"open": "Open", "closed": "Closed"}

# interested: said they would like to; selected: chosen by an organiser; confirmed: the place is theirs;
# declined: an organiser said no (or the contributor said no to a selection); withdrawn: they stepped back.
INVOLVEMENT_STATUSES = {
    "interested": "Interested",
    "selected": "Selected",
    "confirmed": "Confirmed",
    "declined": "Not selected",
    "withdrawn": "Withdrawn",
}
# The statuses that take a place.
TAKING_A_PLACE = ("selected", "confirmed")

PAYMENT_CHOICES = {
    "not_offered": "Payment not offered yet",
    "offered": "Payment offered",
    "accepted": "Paid for my time",
    "declined": "No payment, thank you",
    "voucher": "A voucher instead",
    "organisation": "Paid to an organisation",
}
# What the contributor may choose once payment is offered.
CONTRIBUTOR_CHOICES = ("accepted", "declined", "voucher", "organisation")

RATE_UNITS = {"hour": "per hour", "half_day": "per half day", "day": "per day"}
EXPENSE_KINDS = {"mileage": "Mileage", "public_transport": "Public transport", "carer_cover": "Carer cover",
                 "childcare": "Childcare", "other": "Other"}
EXPENSE_UNITS = {"mile": "per mile", "item": "per item", "hour": "per hour"}


class Opportunity(db.Model):
    """A role members can ask to take on, linked to a course session, a meeting or a project."""

    __tablename__ = "involvement_opportunity"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(32))
    description: Mapped[str] = mapped_column(Text, default="")  # plain English
    easy_read: Mapped[str | None] = mapped_column(Text)
    expected_minutes: Mapped[int] = mapped_column(default=0)
    session_id: Mapped[int | None] = mapped_column(ForeignKey("course_session.id", ondelete="SET NULL"), index=True)
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meeting.id", ondelete="SET NULL"), index=True)
    project: Mapped[str | None] = mapped_column(String(200))
    theme_slug: Mapped[str | None] = mapped_column(String(64), index=True)
    places: Mapped[int] = mapped_column(default=1)
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("member.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    session = relationship("Session")
    meeting = relationship("Meeting")
    created_by: Mapped[Member | None] = relationship()
    involvements: Mapped[list["Involvement"]] = relationship(
        back_populates="opportunity", cascade="all, delete-orphan", order_by="Involvement.id")

    @property
    def hours(self):
        return round((self.expected_minutes or 0) / 60, 2)


class Involvement(db.Model):
    """One member's part in one opportunity: their interest, selection and payment choice."""

    __tablename__ = "involvement"
    __table_args__ = (UniqueConstraint("opportunity_id", "member_id", name="uq_involvement_opportunity_member"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    opportunity_id: Mapped[int] = mapped_column(ForeignKey("involvement_opportunity.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="interested")
    payment_choice: Mapped[str] = mapped_column(String(16), default="not_offered")
    benefits_advice: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Staff of public bodies confirm the work is outside their job and in their own time before payment is
    # offered; None: not asked (not staff of a public body).
    own_time_confirmed: Mapped[bool | None]
    credit_consent: Mapped[bool] = mapped_column(default=False, server_default=false())
    # When an organiser offered payment (None: not offered). A contributor who said no before the offer keeps
    # "declined" as their choice, and may still take up the offer later.
    payment_offered_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    opportunity: Mapped[Opportunity] = relationship(back_populates="involvements")
    member: Mapped[Member] = relationship()


class PaymentRate(db.Model):
    """What an activity pays, in pence per hour, half day or day, from a date."""

    __tablename__ = "payment_rate"
    __table_args__ = (Index("ix_payment_rate_activity_from", "activity", "applies_from"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    activity: Mapped[str] = mapped_column(String(32))
    unit: Mapped[str] = mapped_column(String(16))
    pence: Mapped[int]
    applies_from: Mapped[date] = mapped_column(Date)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("member.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ExpenseRate(db.Model):
    """What an expense pays back, in pence per mile (or per item, per hour), from a date."""

    __tablename__ = "expense_rate"
    __table_args__ = (Index("ix_expense_rate_kind_from", "kind", "applies_from"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    unit: Mapped[str] = mapped_column(String(16))
    pence: Mapped[int]
    applies_from: Mapped[date] = mapped_column(Date)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("member.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
