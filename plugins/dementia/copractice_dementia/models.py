"""The dementia plugin's own tables (created by its migration branch).

Its reading settings moved to the core (member.reading_settings); dementia_0002 retired their table.
"""
from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from copractice.extensions import db
from copractice.members.models import Member
from copractice.timeutil import utcnow


class Companion(db.Model):
    """A named companion who comes with a member living with dementia: no place taken, listed on the register."""

    __tablename__ = "dementia_companion"
    __table_args__ = (UniqueConstraint("course_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    relationship_to_member: Mapped[str | None] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    member: Mapped[Member] = relationship()

