"""What members watch, how they want community email, and what they have been told (issue 14 point 3).

The rules are in community/watching.py (levels, notices, @mentions) and community/digests.py (the emails).
"""
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from copractice.extensions import db
from copractice.timeutil import utcnow

# Discourse's watch levels, as members read them. A topic's level, when set, overrides its space's; with no
# choice made a member is Normal everywhere. Muted means nothing at all: no notice, no email, not even when
# someone @mentions you or replies to you there.
WATCH_LEVELS = {
    "watching": "Watching: tell me about every new post",
    "first_post": "Watching first post: tell me about new topics only",
    "normal": "Normal: tell me only when someone mentions me or replies to me",
    "muted": "Muted: never tell me anything about it",
}
# A topic has one first post, already there when you see it, so "Watching first post" is for spaces only.
TOPIC_WATCH_LEVELS = {
    "watching": "Watching: tell me about every new reply",
    "normal": "Normal: tell me only when someone mentions me or replies to me",
    "muted": "Muted: never tell me anything about it",
}
SHORT_LEVELS = {"watching": "Watching", "first_post": "Watching first post", "normal": "Normal", "muted": "Muted"}

# How a member wants email about the community; notices on the site come whatever they choose.
DELIVERY = {
    "immediate": "One email for each post, a few minutes after it is written",
    "daily": "One email a day at most, with everything new (a daily digest)",
    "weekly": "One email a week at most, with everything new (a weekly digest)",
    "none": "No community emails (notices on the site only)",
}
DEFAULT_DELIVERY = "daily"

# Why a member is told about a post, strongest first; each has a notice kind (notifications.models.NOTICE_KINDS).
REASONS = {
    "mention": "community_mention",
    "reply": "community_reply",
    "watching": "community_post",
    "first_post": "community_post",
}


class SpaceWatch(db.Model):
    """A member's watch level for a space (no row: Normal)."""

    __tablename__ = "space_watch"
    __table_args__ = (UniqueConstraint("member_id", "space_id"), Index("ix_space_watch_space_level", "space_id", "level"))

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"))
    space_id: Mapped[int] = mapped_column(ForeignKey("space.id", ondelete="CASCADE"))
    level: Mapped[str] = mapped_column(String(16))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class TopicWatch(db.Model):
    """A member's watch level for a topic (no row: the space's level). Posting in a topic sets Watching."""

    __tablename__ = "topic_watch"
    __table_args__ = (UniqueConstraint("member_id", "topic_id"), Index("ix_topic_watch_topic_level", "topic_id", "level"))

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"))
    topic_id: Mapped[int] = mapped_column(ForeignKey("topic.id", ondelete="CASCADE"))
    level: Mapped[str] = mapped_column(String(16))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class CommunityEmailChoice(db.Model):
    """How a member wants community email (no row: DEFAULT_DELIVERY)."""

    __tablename__ = "community_email_choice"

    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"), primary_key=True)
    delivery: Mapped[str] = mapped_column(String(16))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class CommunityDigest(db.Model):
    """Proof a digest went to a member for one period ("daily:2026-12-03", "weekly:2026-W49"): the unique key
    means two runs of the digest job, even at the same moment, send one."""

    __tablename__ = "community_digest"
    __table_args__ = (UniqueConstraint("member_id", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"))
    period: Mapped[str] = mapped_column(String(24))
    posts: Mapped[int] = mapped_column(default=0)
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)


class CommunityNotification(db.Model):
    """A member was told (by a notice) about a post, once, and why; mailed_at when email about it was queued
    (at once, or in which digest)."""

    __tablename__ = "community_notification"
    __table_args__ = (UniqueConstraint("member_id", "post_id"),
                      Index("ix_community_notification_pending", "mailed_at", "member_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"))
    post_id: Mapped[int] = mapped_column(ForeignKey("post.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    mailed_at: Mapped[datetime | None]
    digest_id: Mapped[int | None] = mapped_column(ForeignKey("community_digest.id", ondelete="SET NULL"))
