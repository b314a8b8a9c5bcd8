"""What members say and do about a meeting: their answer to the invitation (coming, maybe, not coming) and
their mark on the meeting's register (the attendance marks of courses: present, late, absent, excused)."""
from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from copractice.extensions import db
from copractice.timeutil import utcnow

RSVP_ANSWERS = {"yes": "Coming", "maybe": "Maybe", "no": "Not coming"}


class MeetingRsvp(db.Model):
    """A member's answer to "are you coming?" for one meeting (one row per member and meeting)."""

    __tablename__ = "meeting_rsvp"
    __table_args__ = (UniqueConstraint("meeting_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"), index=True)
    answer: Mapped[str] = mapped_column(String(8))
    answered_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    @property
    def answer_label(self):
        return RSVP_ANSWERS.get(self.answer, self.answer)


class MeetingAttendance(db.Model):
    """A member's mark on a meeting's register: by the chair or secretary, or their own check-in."""

    __tablename__ = "meeting_attendance"
    __table_args__ = (UniqueConstraint("meeting_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(16))  # a key of copractice.attendance.models.MARKS
    source: Mapped[str] = mapped_column(String(16), default="register")  # register or self_checkin
    remark: Mapped[str | None] = mapped_column(String(500))
    marked_by_id: Mapped[int | None] = mapped_column(ForeignKey("member.id", ondelete="SET NULL"))
    marked_at: Mapped[datetime] = mapped_column(default=utcnow)
