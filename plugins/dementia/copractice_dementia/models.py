"""The dementia plugin's own tables (created by its migration branch)."""
from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from copractice.extensions import db
from copractice.members.models import Member, utcnow


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


class ReadingSettings(db.Model):
    """A member's dementia-friendly reading choices."""

    __tablename__ = "dementia_reading_settings"

    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"), primary_key=True)
    large_text: Mapped[bool] = mapped_column(default=False)
    reduced_motion: Mapped[bool] = mapped_column(default=False)
    simple_layout: Mapped[bool] = mapped_column(default=False)

    def body_classes(self):
        return tuple(name for name, on in (("dementia-large-text", self.large_text),
                                           ("dementia-reduced-motion", self.reduced_motion),
                                           ("dementia-simple", self.simple_layout)) if on)
