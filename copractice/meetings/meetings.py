"""A group's meetings: setting one up, changing and cancelling it, members' answers (coming, maybe, not coming)
with their access and support needs, the needs sheet, the register and self check-in, calendars and the
attendance export. Operations flush; the request commits.

What courses already do is reused, not copied: the marks are attendance's MARKS, the check-in codes are
attendance's (``checkin_code`` with the scope "meeting", so a meeting and a course session never share a code),
the wrong-code limits are ratelimits', and calendars are written with icalendar as courses' feeds are.
"""
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

from flask import current_app
from icalendar import Event
from sqlalchemy import and_, func, select
from sqlalchemy.dialects import postgresql, sqlite

from copractice import ratelimits
from copractice.attendance import operations as attendance_ops
from copractice.attendance.models import ATTENDED, EXCUSED, LATE, MARKS, PRESENT
from copractice.audit import audit
from copractice.courses.calendar import new_calendar
from copractice.errors import Refused
from copractice.extensions import db
from copractice.meetings.meeting_models import RSVP_ANSWERS, MeetingAttendance, MeetingRsvp
from copractice.meetings.models import Group, GroupMember, Meeting
from copractice.members.models import ACCESS_NEEDS, Member, need_counts
from copractice.permissions import can, group_part
from copractice.plugins import get_plugins
from copractice.timeutil import uk_time, utcnow
from copractice.urls import external_url

CHECKIN_SCOPE = "meeting"


class MeetingRefused(Refused):
    """A meeting's rule says no; the message is what the person sees."""


def _is_member(member, group):
    part = group_part(member, group)
    return part is not None and part[1] == "active"


# -- setting meetings up ---------------------------------------------------------------------------------------

MEETING_FIELDS = ("title", "starts_at", "ends_at", "venue", "joining_details", "papers_days_before")


def save_meeting(actor: Member, group: Group, meeting: Meeting | None = None, **fields) -> Meeting:
    """Set up a meeting of ``group`` or change one (times in naive UTC); fires ``copractice_meeting_saved``. When the
    time or place changes, those who said they are or may be coming are told."""
    unknown = set(fields) - set(MEETING_FIELDS)
    if unknown:
        raise TypeError(f"not meeting fields: {', '.join(sorted(unknown))}")
    if not can(actor, "group.run", group):
        raise MeetingRefused("Only the group's chair, secretary or theme lead can arrange its meetings.")
    if meeting is not None and meeting.group_id != group.id:
        raise MeetingRefused("That meeting belongs to another group.")
    values = {k: getattr(meeting, k) for k in MEETING_FIELDS} if meeting else {}
    values.update(fields)
    for key in ("title", "venue", "joining_details"):
        values[key] = (values.get(key) or "").strip() or None
    if not values["title"]:
        raise MeetingRefused("Enter the meeting's title.")
    if not values.get("starts_at") or not values.get("ends_at") or values["ends_at"] <= values["starts_at"]:
        raise MeetingRefused("The meeting must end after it starts.")
    if not values["venue"] and not values["joining_details"]:
        raise MeetingRefused("Give a place, joining details for online or by phone, or both.")
    if values.get("papers_days_before") is None:
        values["papers_days_before"] = 7
    if values["papers_days_before"] < 0:
        raise MeetingRefused("Papers cannot go out after the meeting.")
    created = meeting is None
    before = None if created else {k: _plain(getattr(meeting, k)) for k in MEETING_FIELDS}
    if created:
        meeting = Meeting(group_id=group.id, created_by_id=actor.id, status="planned")
        db.session.add(meeting)
    elif meeting.status == "cancelled":
        raise MeetingRefused("This meeting is cancelled, so it cannot be changed.")
    for key in MEETING_FIELDS:
        setattr(meeting, key, values[key])
    db.session.flush()
    if before is not None and any(before[k] != _plain(values[k]) for k in ("starts_at", "ends_at", "venue",
                                                                           "joining_details")):
        _tell_those_coming(meeting, "meeting_changed", old_starts_at=datetime.fromisoformat(before["starts_at"]),
                           old_ends_at=datetime.fromisoformat(before["ends_at"]), old_venue=before["venue"])
    audit(actor, "meeting.created" if created else "meeting.changed", "meeting", meeting.id, meeting.title, before,
          {k: _plain(getattr(meeting, k)) for k in MEETING_FIELDS})
    get_plugins().collect("copractice_meeting_saved", group.theme_slug, meeting=meeting, created=created)
    return meeting


def _plain(value):
    return value.isoformat() if isinstance(value, datetime) else value


def cancel_meeting(actor: Member, meeting: Meeting) -> Meeting:
    """Cancel a planned meeting; everyone who said they might come is told. Fires ``copractice_meeting_saved``."""
    group = meeting.group
    if not can(actor, "group.run", group):
        raise MeetingRefused("Only the group's chair, secretary or theme lead can cancel its meetings.")
    if meeting.status == "cancelled":
        raise MeetingRefused("This meeting is already cancelled.")
    meeting.status = "cancelled"
    db.session.flush()
    _tell_those_coming(meeting, "meeting_cancelled")
    audit(actor, "meeting.cancelled", "meeting", meeting.id, meeting.title, {"status": "planned"},
          {"status": "cancelled"})
    get_plugins().collect("copractice_meeting_saved", group.theme_slug, meeting=meeting, created=False)
    return meeting


def _tell_those_coming(meeting, kind, **context):
    """A notice (and an email, unless they said no) to everyone who said they are or may be coming."""
    from copractice.notifications.operations import notify

    coming = db.session.scalars(select(Member).join(MeetingRsvp, MeetingRsvp.member_id == Member.id).where(
        MeetingRsvp.meeting_id == meeting.id, MeetingRsvp.answer.in_(("yes", "maybe")))).all()
    group = meeting.group
    notify(coming, kind, kind, link=external_url("meetings.meeting", slug=group.slug, meeting_id=meeting.id),
           meeting=meeting, group=group, **context)


# -- pages' reads ------------------------------------------------------------------------------------------------

def group_meetings(group: Group) -> tuple[list[Meeting], list[Meeting]]:
    """(coming up, past) meetings of the group: one query."""
    now = utcnow()
    meetings = db.session.scalars(select(Meeting).where(Meeting.group_id == group.id)
                                  .order_by(Meeting.starts_at, Meeting.id)).all()
    return [m for m in meetings if m.ends_at >= now], [m for m in reversed(meetings) if m.ends_at < now]


class Person(NamedTuple):
    member_id: int
    name: str
    role: str
    status: str


def group_people(group: Group) -> list[Person]:
    """The group's members and invitations (not those who left), by name: one query of the columns shown."""
    rows = db.session.execute(
        select(Member.id, Member.name, GroupMember.role, GroupMember.status)
        .join(GroupMember, GroupMember.member_id == Member.id)
        .where(GroupMember.group_id == group.id, GroupMember.status.in_(("active", "invited")),
               Member.erased_at.is_(None))
        .order_by(func.lower(Member.name), Member.id)).all()
    return [Person(*row) for row in rows]


def rsvp_of(member: Member, meeting: Meeting) -> MeetingRsvp | None:
    if not getattr(member, "is_authenticated", False):
        return None
    return db.session.scalar(select(MeetingRsvp).where(MeetingRsvp.meeting_id == meeting.id,
                                                       MeetingRsvp.member_id == member.id))


def rsvp_counts(meeting: Meeting) -> dict[str, int]:
    """{answer: how many}: one query."""
    counts = dict(db.session.execute(select(MeetingRsvp.answer, func.count(MeetingRsvp.id)).where(
        MeetingRsvp.meeting_id == meeting.id).group_by(MeetingRsvp.answer)).all())
    return {answer: counts.get(answer, 0) for answer in RSVP_ANSWERS}


# -- answering: coming, maybe, not coming ------------------------------------------------------------------------

def answer(member: Member, meeting: Meeting, reply: str, *, access_needs=None, access_needs_note=None) -> MeetingRsvp:
    """A member of the group says whether they are coming; with ``access_needs`` (keys of ACCESS_NEEDS) they
    confirm or change the needs on their profile, which the needs sheet reads."""
    from copractice.members.operations import update_profile

    if reply not in RSVP_ANSWERS:
        raise MeetingRefused("Choose coming, maybe or not coming.")
    if not _is_member(member, meeting.group):
        raise MeetingRefused("Only members of the group can say whether they are coming. Join the group first.")
    if meeting.status == "cancelled":
        raise MeetingRefused("This meeting is cancelled.")
    if utcnow() >= meeting.ends_at:
        raise MeetingRefused("This meeting has finished.")
    if access_needs is not None:
        needs = [n for n in access_needs if n in ACCESS_NEEDS]
        update_profile(member, access_needs=needs, access_needs_note=access_needs_note or "")
    db.session.flush()
    return _upsert(MeetingRsvp, meeting_id=meeting.id, member_id=member.id, answer=reply, answered_at=utcnow())


class NeedsRow(NamedTuple):
    name: str
    answer: str
    access_needs: list
    access_needs_note: str | None


def needs_sheet(meeting: Meeting) -> tuple[list[NeedsRow], list[tuple[str, int]]]:
    """Everyone coming or maybe coming with their needs, and how many people have each need (one query)."""
    rows = [NeedsRow(name, reply, list(needs or ()), note) for name, reply, needs, note in db.session.execute(
        select(Member.name, MeetingRsvp.answer, Member.access_needs, Member.access_needs_note)
        .join(MeetingRsvp, MeetingRsvp.member_id == Member.id)
        .where(MeetingRsvp.meeting_id == meeting.id, MeetingRsvp.answer.in_(("yes", "maybe")),
               Member.erased_at.is_(None))
        .order_by(MeetingRsvp.answer.desc(), func.lower(Member.name))).all()]
    return rows, need_counts(row.access_needs for row in rows)


# -- the register ------------------------------------------------------------------------------------------------

class RegisterRow(NamedTuple):
    """One line of a meeting's register, with attendance.operations.RegisterRow's fields (so attendance's
    register markup shows it): ``enrolled`` is "an active member of the group"."""

    member_id: int
    name: str
    enrolled: bool
    status: str | None
    source: str | None
    remark: str | None


def register(meeting: Meeting) -> list[RegisterRow]:
    """The group's active members and anyone already marked, by name: one query."""
    active = and_(GroupMember.group_id == meeting.group_id, GroupMember.member_id == Member.id,
                  GroupMember.status == "active")
    rows = db.session.execute(
        select(Member.id, Member.name, GroupMember.id.is_not(None), MeetingAttendance.status,
               MeetingAttendance.source, MeetingAttendance.remark)
        .outerjoin(GroupMember, active)
        .outerjoin(MeetingAttendance, and_(MeetingAttendance.member_id == Member.id,
                                           MeetingAttendance.meeting_id == meeting.id))
        .where((GroupMember.id.is_not(None)) | (MeetingAttendance.id.is_not(None)), Member.erased_at.is_(None))
        .order_by(func.lower(Member.name), Member.id)).all()
    return [RegisterRow(mid, name, bool(member), status, source, remark)
            for mid, name, member, status, source, remark in rows]


def marking_opens_at(meeting: Meeting) -> datetime:
    return attendance_ops.checkin_window(meeting)[0]


def mark(actor: Member, meeting: Meeting, member_id: int, status: str, *, remark=None, source="register",
         now=None) -> MeetingAttendance:
    """Set one person's mark on the meeting's register (those who run the group; a member's own check-in)."""
    now = now or utcnow()
    if status not in MARKS:
        raise MeetingRefused("Choose present, late, absent or excused.")
    if source == "register" and not can(actor, "group.run", meeting.group):
        raise MeetingRefused("Only the group's chair, secretary or theme lead can take the register.")
    if meeting.status == "cancelled":
        raise MeetingRefused("This meeting is cancelled.")
    row = db.session.scalar(select(MeetingAttendance).where(MeetingAttendance.meeting_id == meeting.id,
                                                            MeetingAttendance.member_id == member_id))
    if row is None and db.session.scalar(select(GroupMember.id).where(
            GroupMember.group_id == meeting.group_id, GroupMember.member_id == member_id,
            GroupMember.status == "active")) is None:
        raise MeetingRefused("They are not a member of this group.")
    if status != EXCUSED and now < marking_opens_at(meeting):
        raise MeetingRefused("This meeting has not started yet, so nobody can be marked for it. You can take "
                             f"the register from {uk_time(marking_opens_at(meeting), 'time_on_day')}.")
    new_remark = (row.remark if row is not None else None) if remark is None else (remark.strip() or None)
    # An upsert on the unique (meeting, member) key: a check-in racing the chair's tap leaves one row, not an error.
    row = _upsert(MeetingAttendance, meeting_id=meeting.id, member_id=member_id, status=status, source=source,
                  remark=new_remark, marked_by_id=getattr(actor, "id", None), marked_at=now)
    from copractice.involvement.claims import claim_for_meeting_mark  # a panel member present is paid (issue 17)

    claim_for_meeting_mark(actor, meeting, member_id, status)
    return row


def _upsert(model, *, meeting_id, member_id, **values):
    """Insert the (meeting, member) row of ``model`` or update it in one statement; returns it, fresh."""
    insert = postgresql.insert if db.session.get_bind().dialect.name == "postgresql" else sqlite.insert
    stmt = insert(model).values(meeting_id=meeting_id, member_id=member_id, **values)
    db.session.execute(stmt.on_conflict_do_update(index_elements=["meeting_id", "member_id"],
                                                  set_={key: stmt.excluded[key] for key in values}))
    return db.session.execute(select(model).where(model.meeting_id == meeting_id, model.member_id == member_id)
                              .execution_options(populate_existing=True)).scalar_one()


def save_remarks(actor: Member, meeting: Meeting, remarks: dict) -> list[int]:
    """Save remarks typed on the register, each keeping the person's current mark. Returns the ids of those with
    no mark yet: a remark goes with a mark, so theirs waits until one is chosen."""
    current = dict(db.session.execute(select(MeetingAttendance.member_id, MeetingAttendance.status).where(
        MeetingAttendance.meeting_id == meeting.id, MeetingAttendance.member_id.in_(list(remarks) or [0]))).all())
    for member_id, remark in remarks.items():
        if member_id in current:
            mark(actor, meeting, member_id, current[member_id], remark=remark or "")
    return [member_id for member_id in remarks if member_id not in current]


def mark_everyone_present(actor: Member, meeting: Meeting, now=None) -> int:
    """Mark every active member not yet marked as present. Returns how many."""
    count = 0
    for row in register(meeting):
        if row.status is None and row.enrolled:
            mark(actor, meeting, row.member_id, PRESENT, now=now)
            count += 1
    return count


# -- self check-in -----------------------------------------------------------------------------------------------

class _Limited(NamedTuple):
    """What ratelimits counts wrong codes against: a key that is never a course session's id."""

    id: str


def current_code(meeting: Meeting, now=None) -> tuple[str, int]:
    """The code to show in the room now and the seconds until it changes."""
    return attendance_ops.current_checkin_code(meeting, now, CHECKIN_SCOPE)


def check_in(member: Member, meeting: Meeting, code: str, now=None) -> tuple[MeetingAttendance, bool]:
    """A member checks in with the code the chair shows: present, or late after the late margin.
    Returns (mark, changed)."""
    now = now or utcnow()
    code = "".join(ch for ch in (code or "") if ch.isdigit())
    if not _is_member(member, meeting.group):
        raise MeetingRefused("Only members of the group can check in. Please speak to the chair.")
    if meeting.status == "cancelled":
        raise MeetingRefused("This meeting is cancelled.")
    opens, closes = attendance_ops.checkin_window(meeting)
    if now < opens:
        raise MeetingRefused(f"Check-in for this meeting opens at {uk_time(opens, 'time_on_day')}.")
    if now > closes:
        raise MeetingRefused("Check-in for this meeting has closed. Please speak to the chair.")
    limited = [_Limited(f"meeting-{meeting.id}")]
    blocked = ratelimits.checkin_blocked(member, limited)
    if blocked:
        raise MeetingRefused(blocked)
    if code not in attendance_ops.accepted_codes(meeting, now, CHECKIN_SCOPE):
        ratelimits.checkin_failed(member, limited)
        raise MeetingRefused("That code is not right, or it has changed. Check the code on the screen and try again.")
    existing = db.session.scalar(select(MeetingAttendance).where(MeetingAttendance.meeting_id == meeting.id,
                                                                 MeetingAttendance.member_id == member.id))
    if existing is not None and existing.status in ATTENDED:
        return existing, False
    late_after = meeting.starts_at + timedelta(minutes=current_app.config["CHECKIN_LATE_AFTER_MINUTES"])
    return mark(member, meeting, member.id, LATE if now > late_after else PRESENT, source="self_checkin",
                now=now), True


# -- calendars ---------------------------------------------------------------------------------------------------

def _event(meeting, group, with_joining_details):
    event = Event()
    event.add("uid", f"meeting-{meeting.id}@copractice")
    event.add("dtstamp", utcnow().replace(tzinfo=None))
    event.add("dtstart", meeting.starts_at.replace(tzinfo=UTC))
    event.add("dtend", meeting.ends_at.replace(tzinfo=UTC))
    event.add("summary", f"{meeting.title} ({group.name})")
    description = [group.name]
    if with_joining_details and meeting.joining_details:
        description.append(f"How to join: {meeting.joining_details}")
    description.append(external_url("meetings.meeting", slug=group.slug, meeting_id=meeting.id))
    event.add("description", "\n\n".join(description))
    location = meeting.venue or (meeting.joining_details if with_joining_details else None)
    if location:
        event.add("location", location)
    if meeting.status == "cancelled":
        event.add("status", "CANCELLED")
    return event


def _calendar(name, meetings_and_groups, with_joining_details):
    cal = new_calendar(name)  # the same VCALENDAR as courses' feeds
    for meeting, group in meetings_and_groups:
        cal.add_component(_event(meeting, group, with_joining_details))
    return cal.to_ical()


def meeting_calendar(meeting: Meeting, viewer) -> bytes:
    """One meeting as an .ics file; its joining details only for the group's members and those who run it."""
    group = meeting.group
    return _calendar(meeting.title, [(meeting, group)], sees_joining_details(viewer, group))


def group_calendar(group: Group, viewer) -> bytes:
    """Every meeting of the group as a calendar feed; joining details only for members and those who run it."""
    meetings = db.session.scalars(select(Meeting).where(Meeting.group_id == group.id)
                                  .order_by(Meeting.starts_at, Meeting.id)).all()
    return _calendar(group.name, [(m, group) for m in meetings], sees_joining_details(viewer, group))


def member_meetings_calendar(member_id: int) -> bytes:
    """The private feed a calendar app subscribes to (the member's secret calendar address, as for courses): the
    meetings, from courses' feed window onwards, of every group they are an active member of, with how to join.
    One query."""
    from copractice.courses.calendar import feed_window_start

    rows = db.session.execute(
        select(Meeting, Group).join(Group, Group.id == Meeting.group_id)
        .join(GroupMember, and_(GroupMember.group_id == Group.id, GroupMember.member_id == member_id,
                                GroupMember.status == "active"))
        .where(Meeting.starts_at >= feed_window_start()).order_by(Meeting.starts_at, Meeting.id)).all()
    return _calendar("My group meetings", [tuple(row) for row in rows], True)


def sees_joining_details(viewer, group: Group) -> bool:
    """The group's members (active) and those who run it see how to join online or by phone."""
    return _is_member(viewer, group) or can(viewer, "group.run", group)


# -- the attendance export ---------------------------------------------------------------------------------------

def attendance_table(group: Group) -> tuple[list[str], list[list]]:
    """(headers, rows) of attendance at the group's meetings: a row per meeting and person marked or answered,
    with their answer and their mark. Four queries whatever the size."""
    meetings = {m.id: m for m in db.session.scalars(select(Meeting).where(Meeting.group_id == group.id))}
    answers = {(mid, member): reply for mid, member, reply in db.session.execute(
        select(MeetingRsvp.meeting_id, MeetingRsvp.member_id, MeetingRsvp.answer).join(
            Meeting, Meeting.id == MeetingRsvp.meeting_id).where(Meeting.group_id == group.id))}
    marks = db.session.execute(
        select(MeetingAttendance.meeting_id, MeetingAttendance.member_id, Member.name, MeetingAttendance.status,
               MeetingAttendance.remark)
        .join(Meeting, Meeting.id == MeetingAttendance.meeting_id)
        .join(Member, Member.id == MeetingAttendance.member_id)
        .where(Meeting.group_id == group.id, Member.erased_at.is_(None))).all()
    names = dict(db.session.execute(select(Member.id, Member.name).join(
        MeetingRsvp, MeetingRsvp.member_id == Member.id).join(Meeting, Meeting.id == MeetingRsvp.meeting_id)
        .where(Meeting.group_id == group.id, Member.erased_at.is_(None))).all())
    rows = {}
    for mid, member_id, name, status, remark in marks:
        rows[(mid, member_id)] = [name, status, remark]
        names.setdefault(member_id, name)
    for key in answers:
        if key[1] in names:
            rows.setdefault(key, [names[key[1]], None, None])
    headers = ["Meeting", "Date (UK time)", "Name", "Said they would come", "Mark", "Remark"]
    out = []
    for (mid, member_id), (name, status, remark) in sorted(
            rows.items(), key=lambda kv: (meetings[kv[0][0]].starts_at, kv[0][0], kv[1][0].lower())):
        meeting = meetings[mid]
        out.append([meeting.title, uk_time(meeting.starts_at), name,
                    RSVP_ANSWERS.get(answers.get((mid, member_id)), ""), MARKS.get(status, ""), remark or ""])
    return headers, out

