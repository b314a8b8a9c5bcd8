"""Messages between members (issue 14 point 6): conversations, the people in them, messages, blocks, reports.

Nobody's email address is part of any of this: members write to each other through the site only.
The rules (who may write to whom, blocks, the rate limit, notices) are in community/messages.py.
"""
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from copractice.extensions import db
from copractice.members.models import Member
from copractice.timeutil import utcnow

# Why a member reports a message to the site's admins.
REPORT_REASONS = {
    "unkind": "It is unkind, rude or bullying",
    "unwanted": "I do not want messages from this person",
    "personal_information": "It shares someone's personal information",
    "spam": "It is spam or advertising",
    "safeguarding": "I am worried someone is at risk of harm (safeguarding)",
    "other": "Something else",
}


class Conversation(db.Model):
    """A conversation between two or more members (a small group at most: messages.GROUP_LIMIT people)."""

    __tablename__ = "message_conversation"
    __table_args__ = (
        # The rate limit counts a member's new conversations in the last hour.
        Index("ix_message_conversation_created_by", "created_by_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("member.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_message_at: Mapped[datetime] = mapped_column(default=utcnow)

    participants: Mapped[list["Participant"]] = relationship(back_populates="conversation",
                                                              cascade="all, delete-orphan")

    def current_member_ids(self):
        """The members in the conversation now (not those who left)."""
        return {p.member_id for p in self.participants if p.left_at is None}

    def __repr__(self):
        return f"<Conversation {self.id}>"


class Participant(db.Model):
    """A member in a conversation: when they last read it, the latest message that reached them, whether they left."""

    __tablename__ = "message_participant"
    __table_args__ = (UniqueConstraint("conversation_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("message_conversation.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"), index=True)
    joined_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The latest message delivered to them (not one from someone they blocked), and when they last read the
    # conversation: unread when the first is later than the second.
    last_delivered_at: Mapped[datetime | None]
    last_read_at: Mapped[datetime | None]
    left_at: Mapped[datetime | None]

    conversation: Mapped[Conversation] = relationship(back_populates="participants")
    member: Mapped[Member] = relationship()

    @property
    def unread(self):
        return self.last_delivered_at is not None and (self.last_read_at is None
                                                       or self.last_delivered_at > self.last_read_at)


class Message(db.Model):
    """One message in a conversation: plain text, shown as written (escaped, line breaks kept)."""

    __tablename__ = "message"
    __table_args__ = (Index("ix_message_conversation_created", "conversation_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("message_conversation.id", ondelete="CASCADE"))
    # An erased member's messages keep pointing at their "Former member" row, with the text removed.
    author_id: Mapped[int | None] = mapped_column(ForeignKey("member.id", ondelete="SET NULL"), index=True)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # When the text was removed (its author's account was erased).
    removed_at: Mapped[datetime | None]

    author: Mapped[Member | None] = relationship()


class Block(db.Model):
    """A member blocks another: neither can start a conversation with the other, and the blocker no longer
    receives the blocked person's messages."""

    __tablename__ = "message_block"
    __table_args__ = (UniqueConstraint("blocker_id", "blocked_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    blocker_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"))
    blocked_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Report(db.Model):
    """A message reported to the site's admins, with a reason; an admin marks it dealt with."""

    __tablename__ = "message_report"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("message.id", ondelete="CASCADE"), index=True)
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("member.id", ondelete="SET NULL"), index=True)
    reason: Mapped[str] = mapped_column(String(32))
    details: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None]
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("member.id", ondelete="SET NULL"))

    message: Mapped[Message] = relationship()
