"""Spaces, the people who run them, topics and posts: what every part of the community stands on."""
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from copractice.extensions import db
from copractice.timeutil import utcnow

# Who may read a space: anyone, visitors included; signed-in members; or only its invited members
# (and its leads and moderators, and admins).
SPACE_VISIBILITY = {
    "open": "Open: anyone can read it, members can post",
    "members": "Members only: anyone with an account can read and post",
    "private": "Private: only invited members can read and post",
}

# A member's part in one space. Leads run the space (pin, close, move, split, announce) and moderate it;
# moderators moderate it; "member" rows are the invited members of a private space.
SPACE_ROLES = {"lead": "Lead", "moderator": "Moderator", "member": "Invited member"}

TOPIC_KINDS = {
    "discussion": "Discussion",
    "question": "Question",
    "announcement": "Announcement",
}

# A post is published (everyone who may read the space sees it), held (waiting for a moderator: only its
# author and the space's moderators see it) or hidden (by a moderator, with a reason its author sees).
POST_STATUSES = ("published", "held", "hidden")


class Space(db.Model):
    """A discussion space: one per theme (brought by the theme's plugin; core brings the cross-cutting one)
    and others admins create."""

    __tablename__ = "space"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    # Shown to a member before their first post in the space (Markdown, sanitised like posts).
    guidelines: Mapped[str] = mapped_column(Text, default="")
    visibility: Mapped[str] = mapped_column(String(16), default="members")
    # The theme whose space this is (None: a space an admin made). One space per theme.
    theme_slug: Mapped[str | None] = mapped_column(String(64), unique=True)
    # Members under 18 post only in spaces marked suitable for young people.
    young_people: Mapped[bool] = mapped_column(default=False)
    # Named person a safeguarding flag goes to at once (by email and notice); None: the space's leads.
    safeguarding_lead_id: Mapped[int | None] = mapped_column(ForeignKey("member.id", ondelete="SET NULL"))
    archived_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    roles: Mapped[list["SpaceRole"]] = relationship(back_populates="space", cascade="all, delete-orphan")

    def __repr__(self):
        return f"<Space {self.slug}>"


class SpaceRole(db.Model):
    """A member's part in a space: lead, moderator, or invited member of a private space."""

    __tablename__ = "space_role"
    __table_args__ = (UniqueConstraint("space_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    space_id: Mapped[int] = mapped_column(ForeignKey("space.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    space: Mapped[Space] = relationship(back_populates="roles")


class Topic(db.Model):
    """A discussion, question or announcement in a space; its posts are the first post and the replies."""

    __tablename__ = "topic"
    __table_args__ = (
        # The space's topic list: pinned first, then the latest activity.
        Index("ix_topic_space_list", "space_id", "pinned", "last_posted_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    space_id: Mapped[int] = mapped_column(ForeignKey("space.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("member.id", ondelete="SET NULL"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16), default="discussion")
    pinned: Mapped[bool] = mapped_column(default=False)
    closed_at: Mapped[datetime | None]
    # A question's accepted answer, marked by the asker (or a lead).
    # A plain number, not a foreign key (topic and post would point at each other): posts are hidden,
    # never deleted, except with their topic.
    answer_post_id: Mapped[int | None]
    # Published replies (the first post not counted) and the time of the latest published post: kept up to
    # date by the posting operations so the topic list reads one row a topic.
    reply_count: Mapped[int] = mapped_column(default=0)
    last_posted_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    space: Mapped[Space] = relationship()

    def __repr__(self):
        return f"<Topic {self.id} {self.kind}>"


class Post(db.Model):
    """The first post of a topic, or a reply: Markdown as written, and the sanitised HTML shown."""

    __tablename__ = "post"
    __table_args__ = (
        UniqueConstraint("topic_id", "number"),
        Index("ix_post_author_created", "author_id", "created_at"),
        # The few first posts not published (held or hidden): a space's topic count subtracts its unlisted
        # topics through this instead of looking up the first post of every topic.
        Index("ix_post_unlisted_first", "topic_id", sqlite_where=text("number = 1 AND status != 'published'"),
              postgresql_where=text("number = 1 AND status != 'published'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    topic_id: Mapped[int] = mapped_column(ForeignKey("topic.id", ondelete="CASCADE"))
    # 1 for the first post, then 2, 3...: the order in the topic and the #anchor of a reply.
    number: Mapped[int]
    # NULL never for a live member; an erased member's posts keep pointing at the "Former member" row.
    author_id: Mapped[int | None] = mapped_column(ForeignKey("member.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    html: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="published")
    # Why a moderator hid it (its author sees this), and who.
    hidden_reason: Mapped[str | None] = mapped_column(Text)
    hidden_by_id: Mapped[int | None] = mapped_column(ForeignKey("member.id", ondelete="SET NULL"))
    # The post it quotes (a reply in the same topic), if any.
    # Indexed: deleting a post (with its topic) sets the quotes of it to NULL, which without an index reads
    # every post once per deleted post.
    quote_of_id: Mapped[int | None] = mapped_column(ForeignKey("post.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    edited_at: Mapped[datetime | None]
    # When it was published (at once, or when a moderator let a held post through).
    published_at: Mapped[datetime | None]
    # When email about it went out (after the edit window); None: not yet.
    mailed_at: Mapped[datetime | None] = mapped_column(index=True)

    topic: Mapped[Topic] = relationship()

    def __repr__(self):
        return f"<Post {self.id} {self.status}>"
