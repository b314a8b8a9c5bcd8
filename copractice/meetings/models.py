"""Groups, their members and their meetings: what the rest of the meetings package stands on.

A group is the regional public involvement forum, a theme's steering group, an advisory panel or a community of
practice meet-up (plugins add kinds through ``copractice_group_kinds``). It has members (invited, or joining an open
group themselves), chairs and a secretary. A meeting has a date and time (stored in UTC, shown in UK time), a place
and/or joining details (shown only to the group's members), and a number of days before it its papers go out.
"""
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from copractice.extensions import db
from copractice.members.models import Member
from copractice.timeutil import utcnow

GROUP_KINDS = {
    "forum": "Public involvement forum",
    "steering": "Steering group",
    "advisory": "Advisory panel",
    "meetup": "Community of practice meet-up",
}

# Open: any member may join. Invite: a chair or the secretary invites; the member accepts.
GROUP_JOINING = {"open": "Anyone with an account can join", "invite": "By invitation"}

GROUP_ROLES = {"member": "Member", "chair": "Chair", "secretary": "Secretary"}

# invited: asked, not yet accepted; active: a member; left: left or removed (kept for the attendance history).
MEMBERSHIP_STATUSES = {"invited": "Invited", "active": "Member", "left": "Left"}

MEETING_STATUSES = {"planned": "Planned", "cancelled": "Cancelled"}


class Group(db.Model):
    """A group that meets regularly."""

    __tablename__ = "meeting_group"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32), default="forum")
    description: Mapped[str] = mapped_column(Text, default="")  # Markdown, sanitised when shown
    theme_slug: Mapped[str | None] = mapped_column(String(64), index=True)  # None: region-wide
    joining: Mapped[str] = mapped_column(String(16), default="invite")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    archived_at: Mapped[datetime | None]

    memberships: Mapped[list["GroupMember"]] = relationship(
        back_populates="group", cascade="all, delete-orphan", order_by="GroupMember.id")
    meetings: Mapped[list["Meeting"]] = relationship(
        back_populates="group", cascade="all, delete-orphan", order_by="Meeting.starts_at")

    @property
    def kind_label(self):
        return GROUP_KINDS.get(self.kind, self.kind.replace("_", " ").capitalize())

    def __repr__(self):
        return f"<Group {self.slug}>"


class GroupMember(db.Model):
    """A member's place in a group, and their part in it (member, chair or secretary)."""

    __tablename__ = "group_member"
    __table_args__ = (
        UniqueConstraint("group_id", "member_id"),
        Index("ix_group_member_member_status", "member_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("meeting_group.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(16), default="member")
    status: Mapped[str] = mapped_column(String(16), default="active")
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("member.id", ondelete="SET NULL"))
    joined_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    group: Mapped[Group] = relationship(back_populates="memberships")
    member: Mapped[Member] = relationship(foreign_keys=[member_id])

    @property
    def role_label(self):
        return GROUP_ROLES.get(self.role, self.role)


class Meeting(db.Model):
    """One meeting of a group. Times are stored in UTC and shown in Europe/London."""

    __tablename__ = "meeting"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="meeting_ends_after_start"),
        CheckConstraint("papers_days_before >= 0", name="papers_days_not_negative"),
        Index("ix_meeting_group_starts", "group_id", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("meeting_group.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    starts_at: Mapped[datetime] = mapped_column(index=True)
    ends_at: Mapped[datetime]
    venue: Mapped[str | None] = mapped_column(String(300))
    joining_details: Mapped[str | None] = mapped_column(Text)  # online link, phone number: members only
    # Papers go to the group's members this many days before the meeting (a job sends them, once).
    papers_days_before: Mapped[int] = mapped_column(default=7)
    papers_sent_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(16), default="planned")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("member.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    group: Mapped[Group] = relationship(back_populates="meetings")

    @property
    def status_label(self):
        return MEETING_STATUSES.get(self.status, self.status)

    def __repr__(self):
        return f"<Meeting {self.id} of group {self.group_id}>"
