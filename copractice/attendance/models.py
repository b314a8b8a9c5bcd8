"""Attendance marks and their history, completions and certificates."""
from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from copractice.courses.models import Course, Session
from copractice.extensions import db
from copractice.members.models import Member
from copractice.timeutil import utcnow

PRESENT, LATE, EXCUSED, ABSENT = "present", "late", "excused", "absent"
MARKS = {PRESENT: "Present", LATE: "Late", EXCUSED: "Excused", ABSENT: "Absent"}
ATTENDED = (PRESENT, LATE)  # Late counts as present for completion and hours
GAVE_NOTICE = (PRESENT, LATE, EXCUSED)
# How a mark was recorded, in the words pages and exports use (the codes are for the database only).
SOURCES = {"register": "Marked on the register", "self_checkin": "Checked in with the code",
           "import": "Imported from the online report", "apology": "Sent apologies",
           "walk_in": "Added at the door", "co_facilitating": "Marked on the register as co-facilitating"}
# The source of a co-facilitator's or panel member's mark when they have no place on the course (issue 17 point 4):
# they are on the register to be paid, not as trainees, so no attendance figure, completion or certificate counts it.
CO_FACILITATING = "co_facilitating"


def source_label(source):
    """How a mark was recorded, in words: never a code like ``walk_in``, even for a source we don't know."""
    return SOURCES.get(source) or (source or "").replace("_", " ").strip().capitalize() or "Not recorded"


class Attendance(db.Model):
    """One member's mark for one session."""

    __tablename__ = "attendance"
    __table_args__ = (
        UniqueConstraint("session_id", "member_id"),
        Index("ix_attendance_member_status", "member_id", "status"),
        # The course report reads a session's marks, co-facilitators' left out, from this index alone (0017, 0043).
        Index("ix_attendance_session_member_status_source", "session_id", "member_id", "status", "source"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("course_session.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16))
    remark: Mapped[str | None] = mapped_column(String(500))
    source: Mapped[str] = mapped_column(String(16), default="register")
    minutes: Mapped[int | None]  # from an online participant report
    marked_by_id: Mapped[int | None] = mapped_column(ForeignKey("member.id", ondelete="SET NULL"))
    marked_at: Mapped[datetime] = mapped_column(default=utcnow)

    session: Mapped[Session] = relationship()
    member: Mapped[Member] = relationship(foreign_keys=[member_id])

    @property
    def label(self):
        return MARKS.get(self.status, self.status)

    @property
    def source_label(self):
        return source_label(self.source)


class AttendanceChange(db.Model):
    """Every change of a mark: who, when, old -> new (the register's own audit trail)."""

    __tablename__ = "attendance_change"
    __table_args__ = (Index("ix_attendance_change_session_member", "session_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("course_session.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"))
    old_status: Mapped[str | None] = mapped_column(String(16))
    new_status: Mapped[str | None] = mapped_column(String(16))
    old_remark: Mapped[str | None] = mapped_column(String(500))
    new_remark: Mapped[str | None] = mapped_column(String(500))
    source: Mapped[str] = mapped_column(String(16))
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("member.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(default=utcnow)

    changed_by: Mapped[Member | None] = relationship(foreign_keys=[changed_by_id])

    @property
    def source_label(self):
        return source_label(self.source)


class Completion(db.Model):
    """A member completed a course under its completion rule, on this date."""

    __tablename__ = "completion"
    __table_args__ = (UniqueConstraint("course_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"), index=True)
    completed_at: Mapped[datetime] = mapped_column(default=utcnow)
    attended: Mapped[int]
    counted: Mapped[int]  # sessions that count towards the share (excused ones may not)

    course: Mapped[Course] = relationship()
    member: Mapped[Member] = relationship()


class Certificate(db.Model):
    """A certificate of completion with a public verification code; revoked ones say so."""

    __tablename__ = "certificate"
    __table_args__ = (Index("ix_certificate_course_member", "course_id", "member_id"),
                      Index("ix_certificate_member_revoked", "member_id", "revoked_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"))
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]
    revoked_reason: Mapped[str | None] = mapped_column(Text)

    course: Mapped[Course] = relationship()
    member: Mapped[Member] = relationship()

    @property
    def is_valid(self):
        return self.revoked_at is None


class LowAttendanceReminder(db.Model):
    """A low-attendance reminder emailed to a member on a UK day: at most one a day, however often the
    button is pressed (the unique key is the guard, so two presses at once still send one)."""

    __tablename__ = "low_attendance_reminder"
    __table_args__ = (UniqueConstraint("member_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"))
    day: Mapped[date]  # the UK date it was sent on
    sent_by_id: Mapped[int | None] = mapped_column(ForeignKey("member.id", ondelete="SET NULL"))
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
