"""A group's public "you said, we did" log: what members raised at a meeting, and what changed because of it.

Anyone may read it (``group.public_log``); those who run the group write it. ``impact_entries`` is the reading
the co-production measurement's impact log uses: plain rows, no ORM objects, across groups or for one.
"""
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from copractice.audit import audit
from copractice.errors import Refused
from copractice.extensions import db
from copractice.meetings.agenda_models import SaidWeDid
from copractice.meetings.models import Group, Meeting
from copractice.permissions import can

MAX_TEXT = 2000


class LogRefused(Refused):
    """A rule of the "you said, we did" log says no."""


@dataclass(frozen=True)
class LogEntry:
    """One line of the log as pages and the impact log read it."""

    id: int
    group_id: int
    group_slug: str
    group_name: str
    theme_slug: str | None
    you_said: str
    we_did: str
    changed_on: date | None
    meeting_id: int | None
    meeting_title: str | None
    meeting_at: datetime | None
    recorded_at: datetime


def _check(group, you_said, we_did, meeting_id):
    you_said, we_did = (you_said or "").strip(), (we_did or "").strip()
    if not you_said:
        raise LogRefused("Write what members said.")
    if not we_did:
        raise LogRefused("Write what was done because of it.")
    if len(you_said) > MAX_TEXT or len(we_did) > MAX_TEXT:
        raise LogRefused(f"Use {MAX_TEXT:,} characters or fewer.")
    if meeting_id is not None:
        meeting = db.session.get(Meeting, meeting_id)
        if meeting is None or meeting.group_id != group.id:
            raise LogRefused("Choose one of the group's meetings.")
    return you_said, we_did


def add_entry(actor, group, *, you_said, we_did, meeting_id=None, changed_on=None):
    """Add a line to the group's log, linked to the meeting where it was raised."""
    if not can(actor, "group.run", group):
        raise LogRefused("Only the group's chairs, secretary or theme lead can write its log.")
    you_said, we_did = _check(group, you_said, we_did, meeting_id)
    entry = SaidWeDid(group_id=group.id, meeting_id=meeting_id, you_said=you_said, we_did=we_did,
                      changed_on=changed_on, created_by_id=actor.id)
    db.session.add(entry)
    db.session.flush()
    audit(actor, "group.log_added", "meeting_group", group.id, you_said[:200])
    return entry


def remove_entry(actor, entry):
    if not can(actor, "group.run", entry.group):
        raise LogRefused("Only the group's chairs, secretary or theme lead can change its log.")
    audit(actor, "group.log_removed", "meeting_group", entry.group_id, entry.you_said[:200])
    db.session.delete(entry)
    db.session.flush()


def entry_of(group, entry_id):
    entry = db.session.get(SaidWeDid, entry_id)
    return entry if entry is not None and entry.group_id == group.id else None


def impact_entries(*, group=None, since=None, theme_slug=None, limit=None):
    """The log's lines, newest first, as ``LogEntry`` rows (one query): for a group's page, or for the
    co-production measurement's impact log across groups (``since`` a datetime, ``theme_slug`` a theme)."""
    query = (select(SaidWeDid.id, SaidWeDid.group_id, Group.slug, Group.name, Group.theme_slug, SaidWeDid.you_said,
                    SaidWeDid.we_did, SaidWeDid.changed_on, SaidWeDid.meeting_id, Meeting.title, Meeting.starts_at,
                    SaidWeDid.created_at)
             .join(Group, Group.id == SaidWeDid.group_id)
             .outerjoin(Meeting, Meeting.id == SaidWeDid.meeting_id)
             .order_by(SaidWeDid.created_at.desc(), SaidWeDid.id.desc()))
    if group is not None:
        query = query.where(SaidWeDid.group_id == group.id)
    if since is not None:
        query = query.where(SaidWeDid.created_at >= since)
    if theme_slug is not None:
        query = query.where(Group.theme_slug == theme_slug)
    if limit is not None:
        query = query.limit(limit)
    return [LogEntry(*row) for row in db.session.execute(query)]


def meeting_choices(group):
    """(id, title, starts_at) of the group's meetings, newest first: where something was raised."""
    return db.session.execute(select(Meeting.id, Meeting.title, Meeting.starts_at).where(
        Meeting.group_id == group.id).order_by(Meeting.starts_at.desc())).all()
