"""The outbox: every email is written here in the same transaction as the change that caused it."""
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from copractice.extensions import db
from copractice.timeutil import utcnow


class OutboxMessage(db.Model):
    """One email waiting for delivery, being sent, sent, or failed and waiting to retry."""

    __tablename__ = "outbox_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id", ondelete="SET NULL"), index=True)
    to_address: Mapped[str | None] = mapped_column(String(254))
    kind: Mapped[str] = mapped_column(String(48))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    # queued -> sending -> sent. A failed attempt goes back to queued with last_error set and a later
    # next_attempt_at; after MAIL_MAX_ATTEMPTS, or when the message cannot be built at all, it is "failed"
    # and waits for an admin to try again (/admin/email). "cancelled": nobody to send it to.
    status: Mapped[str] = mapped_column(String(16), default="queued", index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    # Not before this time (None: at once): failed attempts wait longer each time.
    next_attempt_at: Mapped[datetime | None]
    # Made once, before the first attempt, and sent with every attempt: a message sent twice after a
    # crash carries the same Message-ID, so the receiving side can recognise the copy.
    message_id: Mapped[str | None] = mapped_column(String(255))
    # One optional attachment, e.g. the .ics of a course sent with the enrolment email.
    attachment_name: Mapped[str | None] = mapped_column(String(120))
    attachment_type: Mapped[str | None] = mapped_column(String(80))
    attachment: Mapped[str | None] = mapped_column(Text)
    # Extra headers, e.g. List-Unsubscribe on community email (a JSON object of name: value).
    headers: Mapped[dict | None] = mapped_column(JSON)


# What members can be told about; each can be switched off for email (in-app notices stay).
NOTICE_KINDS = {
    "enrolled": "You get a place on a course",
    "waitlist_joined": "You join a waiting list",
    "place_offered": "A place is offered to you from a waiting list",
    "offer_expired": "An offer of a place runs out",
    "cancelled": "Your place is cancelled",
    "session_changed": "A session's time or place changes",
    "session_reminder": "A reminder 2 days before each session",
    "completion_changed": "A course's sessions change, so your certificate is issued or withdrawn",
    "message_received": "A member sends you a message (one email per conversation until you read it)",
    # The community (issue 14): what you watch decides which posts you hear about, and the community email
    # settings (/community/watch/settings) when the email comes.
    "community_post": "Someone posts in a space or topic you watch",
    "community_mention": "Someone mentions you with @ in the community",
    "community_reply": "Someone replies to one of your posts in the community",
    "community_moderation": "A moderator publishes, hides or shows again a post of yours, or stops you posting",
}
# Mentoring and co-production buddies (copractice/community/mentoring.py).
NOTICE_KINDS.update({
    "mentoring_asked": "Someone asks you to be their mentor or co-production buddy",
    "mentoring_answered": "Your request for a mentor or buddy is accepted or declined",
    "mentoring_ended": "A mentoring or buddy pair you are in ends, or a request to you is withdrawn",
})
# Groups and their meetings (copractice/meetings).
NOTICE_KINDS.update({
    "group_invited": "Someone invites you to join a group, such as the regional forum",
    "meeting_cancelled": "A group meeting you said you would come to is cancelled",
    "meeting_changed": "The time or place of a group meeting you said you would come to changes",
})

# Groups' meetings (copractice/meetings/agenda.py, minutes.py).
NOTICE_KINDS.update({
    "meeting_papers": "The agenda and papers of a meeting of a group you are in",
    "action_reminder": "A reminder a few days before an action of yours from a meeting is due",
})
# Involvement of public contributors (copractice/involvement/, issue 17).
NOTICE_KINDS.update({
    "involvement_interest": "Someone says they are interested in an involvement opportunity you set up",
    "involvement_selected": "You are selected or confirmed for an involvement opportunity",
    "involvement_not_selected": "You are not selected for an involvement opportunity this time",
    "involvement_payment_offered": "Payment is offered for your involvement",
})

# Course evaluation (copractice/measurement/evaluation.py, issue 16 point 3).
NOTICE_KINDS.update({
    "course_evaluation": "A short survey before a course, after it and a few months later",
})


class Notice(db.Model):
    """An in-app notice shown on the member's notices page."""

    __tablename__ = "notice"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(48))
    message: Mapped[str] = mapped_column(Text)
    link: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]


class EmailPreference(db.Model):
    """A member's choice to get (or not) email for one kind of notice. No row means yes."""

    __tablename__ = "email_preference"
    __table_args__ = (UniqueConstraint("member_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(48))
    email: Mapped[bool] = mapped_column(default=True)


class SessionReminder(db.Model):
    """Proof a reminder went out for a session to a member: the unique key stops duplicates."""

    __tablename__ = "session_reminder"
    __table_args__ = (UniqueConstraint("session_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("course_session.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"))
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)

# Claims for payment of public contributors (copractice/involvement/claims.py, finance.py; issue 17).
NOTICE_KINDS.update({
    "claim_queried": "The programme team has a question about one of your claims for payment",
    "claim_paid": "One of your claims for payment has been paid",
})
