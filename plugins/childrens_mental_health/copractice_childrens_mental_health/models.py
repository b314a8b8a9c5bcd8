"""Guardian consents and safeguarding checks (the plugin's own tables)."""
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from copractice.extensions import db
from copractice.members.models import Member
from copractice.timeutil import utcnow


class GuardianConsent(db.Model):
    """A parent's or guardian's consent for a member below the consent age (a setting) to take part, as recorded by an organiser."""

    __tablename__ = "childrens_mental_health_consent"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"), index=True)
    guardian_name: Mapped[str] = mapped_column(String(120))
    relationship_to_member: Mapped[str] = mapped_column(String(80))
    consent_date: Mapped[date] = mapped_column(Date)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("member.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)

    member: Mapped[Member] = relationship(foreign_keys=[member_id])


class SafeguardingCheck(db.Model):
    """The date of a facilitator's most recent safeguarding (DBS) check."""

    __tablename__ = "childrens_mental_health_safeguarding"

    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"), primary_key=True)
    checked_on: Mapped[date] = mapped_column(Date)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("member.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)

    member: Mapped[Member] = relationship(foreign_keys=[member_id])
