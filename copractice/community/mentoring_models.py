"""Mentoring and co-production buddies (issue 14 point 7): offers, requests (which become pairs) and declines.

A member offers to be a mentor or a buddy (one offer row per member and kind, kept when withdrawn so its count of
current pairs stays right). Another member asks for one (a request); the asker picks someone from the site's
suggestions and the request is sent to them ("asked"); they accept (the request becomes an active pair) or
decline (a decline row, and the request is open again). Either side can end a pair. The rules are in
copractice/community/mentoring.py.
"""
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from copractice.extensions import db
from copractice.members.models import Member
from copractice.timeutil import utcnow

MENTORING_KINDS = {
    "mentor": "Mentor",
    "buddy": "Co-production buddy",
}

# A request is "open" (looking: nobody asked yet, or the last person asked said no), "asked" (waiting for the
# chosen person's answer), "active" (accepted: the two are a pair), "ended" (a pair that either side ended) or
# "withdrawn" (the asker stopped looking).
REQUEST_STATUSES = {
    "open": "Looking",
    "asked": "Waiting for an answer",
    "active": "Paired",
    "ended": "Ended",
    "withdrawn": "Withdrawn",
}
LOOKING = ("open", "asked")  # the statuses of a request that is still looking (one per member and kind)


class MentorOffer(db.Model):
    """A member's offer to be a mentor or a co-production buddy, for some themes, with a capacity."""

    __tablename__ = "mentor_offer"
    __table_args__ = (UniqueConstraint("member_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    # "open" or "withdrawn"; the row stays when withdrawn so ``active_pairs`` stays right if they offer again.
    status: Mapped[str] = mapped_column(String(16), default="open")
    # How many people at once; 0 pauses the offer (nobody new is suggested or can be accepted).
    capacity: Mapped[int] = mapped_column(default=1)
    # Active pairs in which this member is the mentor or buddy of this kind: kept by the operations with
    # conditional updates, so two acceptances at once can never take it past ``capacity``.
    active_pairs: Mapped[int] = mapped_column(default=0)
    area: Mapped[str | None] = mapped_column(String(32))
    experience: Mapped[str] = mapped_column(Text, default="")
    # Stakeholder types (members.models.STAKEHOLDER_TYPES) whose experience they bring.
    experience_tags: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    member: Mapped[Member] = relationship()
    themes: Mapped[list["MentorOfferTheme"]] = relationship(cascade="all, delete-orphan",
                                                            order_by="MentorOfferTheme.theme_slug")

    @property
    def theme_slugs(self):
        return [t.theme_slug for t in self.themes]

    @property
    def room(self):
        """How many more people they can take on now."""
        return max(self.capacity - self.active_pairs, 0) if self.status == "open" else 0

    def __repr__(self):
        return f"<MentorOffer {self.id} {self.kind} {self.status}>"


class MentorOfferTheme(db.Model):
    """One theme of an offer (a row each, so suggestions count shared themes in SQL)."""

    __tablename__ = "mentor_offer_theme"

    offer_id: Mapped[int] = mapped_column(ForeignKey("mentor_offer.id", ondelete="CASCADE"), primary_key=True)
    theme_slug: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)


class MentorRequest(db.Model):
    """A member asking for a mentor or buddy; once accepted, the pair they make with the person who said yes."""

    __tablename__ = "mentor_request"
    __table_args__ = (
        # One request still looking per member and kind: ``open_kind`` is the kind while the request is open or
        # asked, NULL otherwise (NULLs never clash), so the database itself refuses a second one.
        UniqueConstraint("member_id", "open_kind"),
        Index("ix_mentor_request_status_created", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="open")
    open_kind: Mapped[str | None] = mapped_column(String(16))
    area: Mapped[str | None] = mapped_column(String(32))
    hopes: Mapped[str] = mapped_column(Text, default="")
    # The person asked (status asked), then their partner in the pair (active, ended).
    mentor_id: Mapped[int | None] = mapped_column(ForeignKey("member.id", ondelete="SET NULL"), index=True)
    asked_at: Mapped[datetime | None]
    answered_at: Mapped[datetime | None]
    # What the mentor or buddy said when they accepted (optional).
    answer_message: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    ended_by_id: Mapped[int | None] = mapped_column(ForeignKey("member.id", ondelete="SET NULL"))
    end_message: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    member: Mapped[Member] = relationship(foreign_keys=[member_id])
    mentor: Mapped[Member | None] = relationship(foreign_keys=[mentor_id])
    themes: Mapped[list["MentorRequestTheme"]] = relationship(cascade="all, delete-orphan",
                                                              order_by="MentorRequestTheme.theme_slug")
    declines: Mapped[list["MentorDecline"]] = relationship(cascade="all, delete-orphan",
                                                           order_by="MentorDecline.at")

    @property
    def theme_slugs(self):
        return [t.theme_slug for t in self.themes]

    @property
    def status_label(self):
        return REQUEST_STATUSES.get(self.status, self.status)

    def __repr__(self):
        return f"<MentorRequest {self.id} {self.kind} {self.status}>"


class MentorRequestTheme(db.Model):
    """One theme of a request."""

    __tablename__ = "mentor_request_theme"

    request_id: Mapped[int] = mapped_column(ForeignKey("mentor_request.id", ondelete="CASCADE"), primary_key=True)
    theme_slug: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)


class MentorDecline(db.Model):
    """Someone asked said no to a request (with an optional message): they are not suggested for it again."""

    __tablename__ = "mentor_decline"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("mentor_request.id", ondelete="CASCADE"), index=True)
    mentor_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"), index=True)
    message: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(default=utcnow)
