"""iCalendar (RFC 5545) feeds: one per course, and a private one per member.

Speed (issue 12 point 4): a member's feed reads only the columns it writes, in one statement, and only
sessions that start from ``FEED_PAST_DAYS`` ago onwards, as published Google and Outlook calendars do (older
sessions leave subscribers' calendars; the member's attendance page lists every session marked). Serialising is done by icalendar, but once per distinct text, not once per
session: the long lines (summary, description, location: the same for every session of a course) are built
and folded by an ``icalendar.Event`` once per course and reused, and each session adds its own short lines
(UID, DTSTAMP, DTSTART, DTEND) with icalendar's value types. icalendar's line folding costs about 0.2 ms
per event, which was 70% of the feed.
"""
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from functools import cache, lru_cache

from icalendar import Calendar, Event
from sqlalchemy import bindparam, func, select

from copractice.courses.models import HOLDS_PLACE, Course, Enrolment, Session
from copractice.extensions import db
from copractice.kept_pages import shows
from copractice.members.models import Member
from copractice.timeutil import utcnow
from copractice.urls import external_url

PRODID = "-//copractice//co-production courses//EN"
# A member's feed starts with sessions that started this many days ago (from the start of that day, UTC).
FEED_PAST_DAYS = 92

_BEGIN, _END = b"BEGIN:VEVENT\r\n", b"END:VEVENT\r\n"
_CALENDAR_END = b"END:VCALENDAR\r\n"


@dataclass(frozen=True)
class FeedSession:
    """What an event shows of one session and its course."""

    id: int
    starts_at: datetime
    ends_at: datetime
    venue: str | None
    online_link: str | None
    note: str | None
    slug: str
    title: str
    summary: str


@lru_cache(maxsize=512)
def _calendar_head(name):
    """The VCALENDAR's own lines (up to its first component), as icalendar writes them."""
    head = new_calendar(name).to_ical()
    assert head.endswith(_CALENDAR_END)
    return head[:-len(_CALENDAR_END)]


def new_calendar(name):
    """An empty VCALENDAR named ``name``: the head of every calendar the site writes (courses' and meetings')."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    return cal


def _utc(value):
    """A naive-UTC datetime as an RFC 5545 UTC DATE-TIME ("...T...Z"), the form icalendar's vDatetime writes.

    Stored in UTC and written in UTC: correct on both sides of the clock changes. strftime directly: vDatetime
    looks up the time zone's TZID for every value (10 µs each, 2 per event)."""
    return value.strftime("%Y%m%dT%H%M%SZ").encode()


def _shared_lines(session, course_url, with_joining_details):
    """The folded SUMMARY, DESCRIPTION and LOCATION lines, as icalendar writes them."""
    event = Event()
    event.add("summary", session.title)
    description = [session.summary]
    if session.note:
        description.append(session.note)
    if with_joining_details and session.online_link:
        description.append(f"Join online: {session.online_link}")
    description.append(course_url)
    event.add("description", "\n\n".join(description))
    location = session.venue or ""
    if with_joining_details and session.online_link and not location:
        location = session.online_link
    if location:
        event.add("location", location)
    return event.to_ical()[len(_BEGIN):-len(_END)]


def _feed(name, sessions, with_joining_details):
    """The calendar as bytes: icalendar's header, then one VEVENT per session."""
    stamp = b"DTSTAMP:" + _utc(utcnow()) + b"\r\n"
    urls, shared, parts = {}, {}, [_calendar_head(name)]
    for s in sessions:
        if s.slug not in urls:
            urls[s.slug] = external_url("courses.course", slug=s.slug)
        key = (s.slug, s.title, s.summary, s.note, s.venue, s.online_link)
        if key not in shared:
            shared[key] = _shared_lines(s, urls[s.slug], with_joining_details)
        parts += [_BEGIN, b"UID:session-%d@copractice\r\n" % s.id, stamp,
                  b"DTSTART:" + _utc(s.starts_at) + b"\r\nDTEND:" + _utc(s.ends_at) + b"\r\n", shared[key], _END]
    parts.append(_CALENDAR_END)
    return b"".join(parts)


def course_calendar(course: Course, *, with_joining_details: bool = False) -> bytes:
    """The course's sessions; joining links only for someone with a place."""
    sessions = [FeedSession(s.id, s.starts_at, s.ends_at, s.venue, s.online_link, s.note,
                            course.slug, course.title, course.summary) for s in course.sessions]
    return _feed(course.title, sessions, with_joining_details)


def course_ics_attachment(course):
    """(filename, mime type, text) to attach to the enrolment email."""
    return (f"{course.slug}.ics", "text/calendar", course_calendar(course, with_joining_details=True).decode())


def feed_window_start(now: datetime | None = None) -> datetime:
    """The earliest start a member's feed shows: the start (UTC) of the day ``FEED_PAST_DAYS`` ago."""
    day = (now or utcnow()).date() - timedelta(days=FEED_PAST_DAYS)
    return datetime.combine(day, time())


@cache
def _statements():
    """Built once per process (the feed is asked for often): only their parameters change."""
    member_id = bindparam("member_id")
    owner = select(Member.id).where(Member.calendar_token == bindparam("token"), Member.active.is_(True),
                                    Member.erased_at.is_(None))
    sessions = (select(Session.id, Session.starts_at, Session.ends_at, Session.venue, Session.online_link,
                       Session.note, Course.slug, Course.title, Course.summary, Session.course_id)
                .join(Enrolment, Enrolment.course_id == Session.course_id)
                .join(Course, Course.id == Session.course_id)
                .where(Enrolment.member_id == member_id, Enrolment.status.in_(HOLDS_PLACE),
                       Session.starts_at >= bindparam("since"))
                .order_by(Session.starts_at, Session.id))
    version = (select(func.count(Enrolment.id), func.max(Enrolment.updated_at), func.max(Course.updated_at))
               .join(Course, Course.id == Enrolment.course_id).where(Enrolment.member_id == member_id))
    owner_with_version = (select(Member.id, func.count(Enrolment.id), func.max(Enrolment.updated_at),
                                 func.max(Course.updated_at))
                          .outerjoin(Enrolment, Enrolment.member_id == Member.id)
                          .outerjoin(Course, Course.id == Enrolment.course_id)
                          .where(Member.calendar_token == bindparam("token"), Member.active.is_(True),
                                 Member.erased_at.is_(None))
                          .group_by(Member.id))
    return owner, sessions, version, owner_with_version


def feed_member_id(token: str) -> int | None:
    """The id of the active member whose private calendar address has this secret, else None (one statement,
    no member object: the feed needs nothing else of them)."""
    if not token or len(token) < 20:
        return None
    return db.session.scalar(_statements()[0], {"token": token})


def feed_owner(token: str, now: datetime | None = None) -> tuple[int, list] | None:
    """(the member id, what :func:`member_feed_version` says of their feed) for a private calendar address, in one
    statement; None when no active member has it."""
    if not token or len(token) < 20:
        return None
    row = db.session.execute(_statements()[3], {"token": token}).first()
    if row is None:
        return None
    member_id, *facts = row
    return member_id, [member_id, feed_window_start(now), *facts]


def member_calendar(member_id: int, now: datetime | None = None) -> bytes:
    """The sessions, from ``FEED_PAST_DAYS`` ago onwards, of every course the member has a place on, with
    joining details (one statement)."""
    rows = db.session.execute(_statements()[1], {"member_id": member_id, "since": feed_window_start(now)}).all()
    shows(courses={row.course_id for row in rows})  # a kept feed stays kept through other courses' writes
    return _feed("My co-production courses", rows, True)  # rows have FeedSession's attributes


def member_feed_version(member_id: int, now: datetime | None = None) -> list:
    """What a member's calendar feed shows: the courses they hold a place on (each touched when its sessions
    change), their enrolments, and the window's start (which moves on once a day)."""
    row = db.session.execute(_statements()[2], {"member_id": member_id}).one()
    return [member_id, feed_window_start(now), *row]
