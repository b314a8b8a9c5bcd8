"""iCalendar (RFC 5545) feeds: one per course, and a private one per member."""
from datetime import timezone

from icalendar import Calendar, Event
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from copractice.courses.models import HOLDS_PLACE, Course, Enrolment
from copractice.extensions import db
from copractice.timeutil import now_utc
from copractice.urls import external_url

PRODID = "-//copractice//co-production courses//EN"


def _calendar(name):
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    return cal


def _event(session, course, with_joining_details):
    event = Event()
    event.add("uid", f"session-{session.id}@copractice")
    event.add("dtstamp", now_utc().replace(tzinfo=timezone.utc))
    # Stored in UTC and written in UTC: correct on both sides of the clock changes.
    event.add("dtstart", session.starts_at.replace(tzinfo=timezone.utc))
    event.add("dtend", session.ends_at.replace(tzinfo=timezone.utc))
    event.add("summary", course.title)
    description = [course.summary]
    if session.note:
        description.append(session.note)
    if with_joining_details and session.online_link:
        description.append(f"Join online: {session.online_link}")
    description.append(external_url("courses.course", slug=course.slug))
    event.add("description", "\n\n".join(description))
    location = session.venue or ""
    if with_joining_details and session.online_link and not location:
        location = session.online_link
    if location:
        event.add("location", location)
    return event


def course_calendar(course, *, with_joining_details=False):
    """The course's sessions; joining links only for someone with a place."""
    cal = _calendar(course.title)
    for session in course.sessions:
        cal.add_component(_event(session, course, with_joining_details))
    return cal.to_ical()


def course_ics_attachment(course):
    """(filename, mime type, text) to attach to the enrolment email."""
    return (f"{course.slug}.ics", "text/calendar", course_calendar(course, with_joining_details=True).decode())


def member_calendar(member):
    """Every session of every course the member has a place on, with joining details."""
    cal = _calendar("My co-production courses")
    courses = db.session.scalars(
        select(Course).join(Enrolment, Enrolment.course_id == Course.id)
        .where(Enrolment.member_id == member.id, Enrolment.status.in_(HOLDS_PLACE))
        .options(selectinload(Course.sessions))).all()
    for course in courses:
        for session in course.sessions:
            cal.add_component(_event(session, course, True))
    return cal.to_ical()

