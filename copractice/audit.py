"""The audit log: who did what to what, when, with the state before and after.

Every rule that changes something a person would want to account for calls ``audit()``; the entries are
read on the admin Audit log page and in a member's data download (copractice/members/data_rights.py).
"""
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from copractice.extensions import db
from copractice.members.models import Member
from copractice.timeutil import utcnow


class AuditEntry(db.Model):
    """Who did what to what, when, with the state before and after."""

    __tablename__ = "audit_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("member.id", ondelete="SET NULL"), index=True)
    action: Mapped[str] = mapped_column(String(64), index=True)
    target_type: Mapped[str] = mapped_column(String(32))
    target_id: Mapped[str | None] = mapped_column(String(64))
    target_label: Mapped[str | None] = mapped_column(String(200))
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)
    reason: Mapped[str | None] = mapped_column(Text)

    actor: Mapped[Member | None] = relationship(lazy="joined")


def audit(actor: Member | None, action: str, target_type: str, target_id: object = None, target_label: str | None = None,
          before: dict | None = None, after: dict | None = None, reason: str | None = None) -> AuditEntry:
    """Record who did what, to what, with the state before and after (added to the session; the request commits)."""
    entry = AuditEntry(
        actor_id=getattr(actor, "id", None), action=action, target_type=target_type,
        target_id=None if target_id is None else str(target_id), target_label=target_label,
        before=before, after=after, reason=(reason or "").strip() or None, at=utcnow(),
    )
    db.session.add(entry)
    return entry
