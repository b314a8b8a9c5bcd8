"""Courses, their sessions, facilitators and enrolments (including the waiting list)."""
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, text, true
from sqlalchemy.orm import Mapped, mapped_column, query_expression, relationship

from copractice.extensions import db
from copractice.members.models import Member
from copractice.timeutil import utcnow

LEVELS = {"introductory": "Introductory", "intermediate": "Intermediate", "advanced": "Advanced"}
FORMATS = {"in_person": "In person", "online": "Online", "blended": "Blended (in person and online)"}
STATUSES = {"draft": "Draft", "published": "Published", "archived": "Archived"}

# An enrolment row per (course, member) moves between these states.
ENROLLED, WAITING, OFFERED = "enrolled", "waiting", "offered"
CANCELLED, LEFT_WAITLIST, OFFER_EXPIRED, OFFER_DECLINED, REMOVED = (
    "cancelled", "left_waitlist", "offer_expired", "offer_declined", "removed")
# States that hold one of the course's places.
HOLDS_PLACE = (ENROLLED, OFFERED)
ACTIVE = (ENROLLED, OFFERED, WAITING)
ENROLMENT_STATUS_LABELS = {
    ENROLLED: "Enrolled", WAITING: "On the waiting list", OFFERED: "Offered a place",
    CANCELLED: "Cancelled", LEFT_WAITLIST: "Left the waiting list", OFFER_EXPIRED: "Offer expired",
    OFFER_DECLINED: "Offer declined", REMOVED: "Removed by an organiser",
}


class Course(db.Model):
    """A training course in co-production, with a capacity and a places counter."""

    __tablename__ = "course"
    __table_args__ = (
        CheckConstraint("capacity >= 0", name="capacity_not_negative"),
        CheckConstraint("places_taken >= 0", name="places_taken_not_negative"),
        Index("ix_course_status_theme", "status", "theme_slug"),
        # The catalogue walks it: published, soonest next session first, then by title; none to come (NULL) by title.
        Index("ix_course_next_session", "status", "next_session_at", "title", "id"),
        # The catalogue's ETag reads the newest change and the next window opening or closing from these alone.
        Index("ix_course_updated_at", "updated_at"),
        Index("ix_course_enrolment_opens_at", "enrolment_opens_at"),
        Index("ix_course_enrolment_closes_at", "enrolment_closes_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(String(500))
    description: Mapped[str] = mapped_column(Text, default="")  # Markdown, sanitised when shown
    theme_slug: Mapped[str] = mapped_column(String(64), index=True)
    level: Mapped[str] = mapped_column(String(16), default="introductory")
    format: Mapped[str] = mapped_column(String(16), default="in_person", index=True)
    capacity: Mapped[int] = mapped_column(default=20)
    # Places held by enrolled members and open offers. Changed only by conditional UPDATEs
    # (see courses.operations), which is what keeps capacity from ever being exceeded.
    places_taken: Mapped[int] = mapped_column(default=0)
    enrolment_opens_at: Mapped[datetime | None]
    enrolment_closes_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(16), default="draft")
    # Completion rule: the share of sessions attended (Late counts as attended) needed to complete;
    # with excused_neutral, sessions someone was excused from are left out of the count.
    completion_share: Mapped[float] = mapped_column(default=0.75, server_default=text("0.75"))
    excused_neutral: Mapped[bool] = mapped_column(default=True, server_default=true())
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # The start of the next session after the last refresh (copractice/courses/next_session.py keeps it).
    next_session_at: Mapped[datetime | None]
    # Filled by queries that ask for it (with_expression): the start of the next session.
    next_start: Mapped[datetime | None] = query_expression()

    sessions: Mapped[list["Session"]] = relationship(
        back_populates="course", order_by="Session.starts_at", cascade="all, delete-orphan")
    facilitators: Mapped[list["CourseFacilitator"]] = relationship(
        back_populates="course", cascade="all, delete-orphan", order_by="CourseFacilitator.id")
    audience_rows: Mapped[list["CourseAudience"]] = relationship(
        cascade="all, delete-orphan", order_by="CourseAudience.stakeholder_type")

    @property
    def audience(self):
        """Stakeholder types the course is meant for; empty means everyone."""
        return [row.stakeholder_type for row in self.audience_rows]

    @audience.setter
    def audience(self, types):
        wanted = set(types or ())
        self.audience_rows = [row for row in self.audience_rows if row.stakeholder_type in wanted] + [
            CourseAudience(stakeholder_type=t) for t in sorted(wanted - {r.stakeholder_type for r in self.audience_rows})]

    @property
    def places_left(self):
        return max(0, self.capacity - self.places_taken)

    @property
    def level_label(self):
        return LEVELS.get(self.level, self.level)

    @property
    def format_label(self):
        return FORMATS.get(self.format, self.format)

    def __repr__(self):
        return f"<Course {self.slug}>"


class CourseAudience(db.Model):
    """One stakeholder type a course is meant for."""

    __tablename__ = "course_audience"
    __table_args__ = (UniqueConstraint("course_id", "stakeholder_type"),
                      Index("ix_course_audience_type_course", "stakeholder_type", "course_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"))
    stakeholder_type: Mapped[str] = mapped_column(String(32))


class CourseFacilitator(db.Model):
    """A member who runs a course; co-facilitators with lived experience are credited as such."""

    __tablename__ = "course_facilitator"
    __table_args__ = (UniqueConstraint("course_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"), index=True)
    lived_experience: Mapped[bool] = mapped_column(default=False)

    course: Mapped[Course] = relationship(back_populates="facilitators")
    member: Mapped[Member] = relationship(lazy="joined")


class Session(db.Model):
    """One meeting of a course. Times are stored in UTC and shown in Europe/London."""

    __tablename__ = "course_session"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        Index("ix_course_session_course_starts", "course_id", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"))
    starts_at: Mapped[datetime] = mapped_column(index=True)
    ends_at: Mapped[datetime]
    venue: Mapped[str | None] = mapped_column(String(300))
    online_link: Mapped[str | None] = mapped_column(String(500))  # shown only to enrolled members
    note: Mapped[str | None] = mapped_column(Text)

    course: Mapped[Course] = relationship(back_populates="sessions")

    @property
    def hours(self):
        return round((self.ends_at - self.starts_at).total_seconds() / 3600, 2)


class Enrolment(db.Model):
    """A member's place on a course, or their place in its waiting list. One row per course and member."""

    __tablename__ = "enrolment"
    __table_args__ = (
        UniqueConstraint("course_id", "member_id"),
        Index("ix_enrolment_course_status_queue", "course_id", "status", "queue_key"),
        Index("ix_enrolment_member_status", "member_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16))
    # Order in the waiting list: smaller goes first. A float so that an organiser can move
    # someone between two others without renumbering the list.
    queue_key: Mapped[float | None]
    offered_at: Mapped[datetime | None]
    offer_expires_at: Mapped[datetime | None] = mapped_column(index=True)
    enrolled_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    course: Mapped[Course] = relationship()
    member: Mapped[Member] = relationship()

    @property
    def status_label(self):
        return ENROLMENT_STATUS_LABELS.get(self.status, self.status)


class CourseExtra(db.Model):
    """The answer to a question a plugin adds to the course form (``copractice_course_fields``), stored per plugin.

    Course facts, never personal data. Kept while the plugin is disabled (shown again when it is enabled);
    deleted with the course. copractice/courses/extras.py reads and writes them.
    """

    __tablename__ = "course_extra"
    __table_args__ = (UniqueConstraint("course_id", "plugin", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"))
    plugin: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(64))
    value: Mapped[str] = mapped_column(Text)


# Keeps Course.next_session_at right whenever sessions are written, and moves it on as time passes.
from copractice.courses import next_session  # noqa: E402,F401
