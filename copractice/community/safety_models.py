"""What keeping the community safe records: flags on posts, members stopped from posting, and the moderation log."""
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from copractice.community.models import Post, Space
from copractice.extensions import db
from copractice.members.models import Member
from copractice.timeutil import utcnow

# Why a member flags a post, in the words the flag form shows. A safeguarding concern goes at once to the
# space's safeguarding lead; the others wait in the moderators' queue.
FLAG_REASONS = {
    "off_topic": "It is off-topic",
    "unkind": "It is unkind or rude",
    "personal_information": "It shares someone's personal information",
    "safeguarding": "I am worried someone is at risk of harm (a safeguarding concern)",
}
SAFEGUARDING = "safeguarding"

# What the moderation log records, in plain words for its page.
MODERATION_ACTIONS = {
    "approve": "Published a held post",
    "reject": "Did not publish a held post",
    "hide": "Hid a post",
    "restore": "Showed a hidden post again",
    "stop": "Stopped a member posting",
    "resume": "Let a member post again",
    "flag_raised": "Flagged a post",
    "flag_resolved": "Dealt with a flag",
}


class PostFlag(db.Model):
    """A member's flag on a post: one per member and post (flagging again changes nothing but the reason)."""

    __tablename__ = "post_flag"
    __table_args__ = (UniqueConstraint("post_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("post.id", ondelete="CASCADE"))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id", ondelete="SET NULL"), index=True)
    reason: Mapped[str] = mapped_column(String(32))
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # None: still open, in the moderators' queue.
    resolved_at: Mapped[datetime | None] = mapped_column(index=True)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("member.id", ondelete="SET NULL"))
    outcome: Mapped[str | None] = mapped_column(Text)

    post: Mapped[Post] = relationship()
    member: Mapped[Member | None] = relationship(foreign_keys=[member_id])

    @property
    def reason_label(self):
        return FLAG_REASONS.get(self.reason, self.reason)

    @property
    def is_safeguarding(self):
        return self.reason == SAFEGUARDING


class PostingStop(db.Model):
    """A member stopped from posting in one space (or everywhere, when space_id is None), until an end date or until
    a moderator lets them post again."""

    __tablename__ = "posting_stop"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"), index=True)
    space_id: Mapped[int | None] = mapped_column(ForeignKey("space.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    # None: until a moderator lets them post again.
    until: Mapped[datetime | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("member.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]
    ended_by_id: Mapped[int | None] = mapped_column(ForeignKey("member.id", ondelete="SET NULL"))

    member: Mapped[Member] = relationship(foreign_keys=[member_id])
    space: Mapped[Space | None] = relationship()

    def in_force(self, now):
        return self.ended_at is None and (self.until is None or self.until > now)


class ModerationEntry(db.Model):
    """One line of a space's moderation log: who did what to which post or member, and why."""

    __tablename__ = "moderation_entry"
    __table_args__ = (Index("ix_moderation_entry_space_at", "space_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    # None: a site-wide step (an admin stopping a member posting everywhere).
    space_id: Mapped[int | None] = mapped_column(ForeignKey("space.id", ondelete="CASCADE"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("member.id", ondelete="SET NULL"), index=True)
    action: Mapped[str] = mapped_column(String(32))
    post_id: Mapped[int | None] = mapped_column(ForeignKey("post.id", ondelete="SET NULL"))
    # The member it was about (the post's author, or who was stopped).
    member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id", ondelete="SET NULL"), index=True)
    reason: Mapped[str | None] = mapped_column(Text)

    actor: Mapped[Member | None] = relationship(foreign_keys=[actor_id])
    member: Mapped[Member | None] = relationship(foreign_keys=[member_id])
    post: Mapped[Post | None] = relationship()

    @property
    def action_label(self):
        return MODERATION_ACTIONS.get(self.action, self.action)
