"""A meeting's agenda and papers, its minutes, decisions and actions, and a group's "you said, we did" log.

An agenda item has a lead (a member), a number of minutes and a place in the order; its papers come from the
library (a resource, seen only by those the library lets see it) or are uploaded through the library's safe
upload path and kept in its storage. Minutes are written per item and stay a draft until they are approved at
the group's next meeting (``MeetingMinutes``); decisions are recorded as such; actions have an owner, a due
date and a status, and stay on the group's later agendas until done or dropped.
"""
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from copractice.extensions import db
from copractice.library.models import Resource
from copractice.meetings.models import Group, Meeting
from copractice.members.models import Member
from copractice.timeutil import utcnow

ACTION_STATUSES = {"open": "Open", "in_progress": "In progress", "done": "Done", "dropped": "Dropped"}
ACTION_STILL_OPEN = ("open", "in_progress")
MINUTES_STATUSES = {"draft": "Draft", "approved": "Approved"}


class AgendaItem(db.Model):
    """One item on a meeting's agenda, with its minutes once the meeting has happened."""

    __tablename__ = "agenda_item"
    __table_args__ = (Index("ix_agenda_item_meeting_position", "meeting_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(default=0)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("member.id", ondelete="SET NULL"), index=True)
    minutes_allotted: Mapped[int | None]
    minutes: Mapped[str] = mapped_column(Text, default="")  # what was said: shown to members once approved
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    meeting: Mapped[Meeting] = relationship()
    lead: Mapped[Member | None] = relationship()
    papers: Mapped[list["AgendaPaper"]] = relationship(
        back_populates="item", cascade="all, delete-orphan", order_by="AgendaPaper.id")
    decisions: Mapped[list["Decision"]] = relationship(
        back_populates="item", cascade="all, delete-orphan", order_by="Decision.id")


class AgendaPaper(db.Model):
    """A paper for an agenda item: a library resource, or a file uploaded for the meeting."""

    __tablename__ = "agenda_paper"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("agenda_item.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(250))
    resource_id: Mapped[int | None] = mapped_column(ForeignKey("resource.id", ondelete="CASCADE"), index=True)
    # An uploaded file: kept in the library's storage under its SHA-256, checked by its content.
    storage_key: Mapped[str | None] = mapped_column(String(64))
    original_name: Mapped[str | None] = mapped_column(String(200))
    content_type: Mapped[str | None] = mapped_column(String(120))
    size: Mapped[int | None]
    # An Easy Read version from the library, when the paper is not a library resource with one of its own.
    easy_read_id: Mapped[int | None] = mapped_column(ForeignKey("resource.id", ondelete="SET NULL"))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("member.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    item: Mapped[AgendaItem] = relationship(back_populates="papers")
    resource: Mapped[Resource | None] = relationship(foreign_keys=[resource_id])
    easy_read: Mapped[Resource | None] = relationship(foreign_keys=[easy_read_id])


class MeetingMinutes(db.Model):
    """Whether a meeting's minutes are still a draft or were approved, and at which later meeting."""

    __tablename__ = "meeting_minutes"

    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), primary_key=True)
    status: Mapped[str] = mapped_column(String(16), default="draft")
    approved_at: Mapped[datetime | None]
    approved_at_meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meeting.id", ondelete="SET NULL"))
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("member.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    @property
    def status_label(self):
        return MINUTES_STATUSES.get(self.status, self.status)


class Decision(db.Model):
    """A decision the meeting made on an agenda item."""

    __tablename__ = "meeting_decision"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("agenda_item.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    item: Mapped[AgendaItem] = relationship(back_populates="decisions")


class MeetingAction(db.Model):
    """Something someone agreed to do, by a date; it stays on the group's agendas until done or dropped."""

    __tablename__ = "meeting_action"
    __table_args__ = (Index("ix_meeting_action_group_status", "group_id", "status"),
                      Index("ix_meeting_action_status_due", "status", "due_on"))

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("meeting_group.id", ondelete="CASCADE"))
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[int | None] = mapped_column(ForeignKey("agenda_item.id", ondelete="SET NULL"))
    description: Mapped[str] = mapped_column(Text)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("member.id", ondelete="SET NULL"), index=True)
    due_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="open")
    done_at: Mapped[datetime | None]
    reminded_at: Mapped[datetime | None]  # the owner's one reminder before the due date
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    group: Mapped[Group] = relationship()
    meeting: Mapped[Meeting] = relationship()
    owner: Mapped[Member | None] = relationship()

    @property
    def status_label(self):
        return ACTION_STATUSES.get(self.status, self.status)

    @property
    def still_open(self):
        return self.status in ACTION_STILL_OPEN


class SaidWeDid(db.Model):
    """One line of a group's public "you said, we did" log: what members raised, and what changed because of it."""

    __tablename__ = "said_we_did"
    __table_args__ = (Index("ix_said_we_did_group_created", "group_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("meeting_group.id", ondelete="CASCADE"))
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meeting.id", ondelete="SET NULL"), index=True)
    you_said: Mapped[str] = mapped_column(Text)
    we_did: Mapped[str] = mapped_column(Text)
    changed_on: Mapped[date | None] = mapped_column(Date)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("member.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    group: Mapped[Group] = relationship()
    meeting: Mapped[Meeting | None] = relationship()
