"""The member's private iCal feed after issue 12 point 4: a bounded window (sessions from FEED_PAST_DAYS ago on),
still valid iCalendar (parsed by icalendar), stable UIDs, UTC times, text escaped and folded, places given up
and sessions removed leaving the feed, and a fixed, small number of statements."""
from datetime import UTC, timedelta

from icalendar import Calendar
from sqlalchemy import select

from copractice.courses.models import Course, Enrolment, Session
from copractice.extensions import db
from copractice.timeutil import utcnow
from tests.conftest import create_member
from tests.factories_courses import create_course
from tests.query_budget import counted_queries

TOKEN = "f" * 40
FEED_PAST_DAYS = 92  # copractice.courses.calendar.FEED_PAST_DAYS; the test's data sits well clear of its edge
AWKWARD = "Carers, families; and \\ friends: «café» — a day together " * 6  # escapes, non-ASCII, long lines


def seed(app):
    """A member with a place on a course whose sessions run from 200 days ago to 5 weeks ahead, and one they left."""
    with app.app_context():
        member = create_member(calendar_token=TOKEN)
        course = create_course(title="Long, careful course; with «accents»", sessions=30,
                               starts_in=timedelta(days=-200))
        course.summary = AWKWARD
        course.sessions[-1].note = "Bring: a pen, paper; and \\ lunch"
        left = create_course(title="Left course", sessions=2)
        db.session.add_all([Enrolment(course_id=course.id, member_id=member.id, status="enrolled"),
                            Enrolment(course_id=left.id, member_id=member.id, status="cancelled")])
        db.session.commit()
        return member.id, course.id


def feed(client):
    response = client.get(f"/calendar/{TOKEN}.ics")
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    return response.data


def test_feed_keeps_sessions_from_the_window_on_only(app, client):
    member_id, course_id = seed(app)
    events = Calendar.from_ical(feed(client)).walk("VEVENT")
    since = utcnow() - timedelta(days=FEED_PAST_DAYS + 1)
    with app.app_context():
        sessions = db.session.scalars(select(Session).where(Session.course_id == course_id)
                                      .order_by(Session.starts_at)).all()
        kept = [s for s in sessions if s.starts_at >= since]
    assert 0 < len(kept) < len(sessions)  # the data has sessions on both sides of the window
    assert [str(e["UID"]) for e in events] == [f"session-{s.id}@copractice" for s in kept]


def test_feed_is_valid_icalendar_with_utc_times_and_text_intact(app, client):
    member_id, course_id = seed(app)
    body = feed(client)
    assert all(len(line) <= 75 for line in body.split(b"\r\n"))  # folded as RFC 5545 asks
    assert body.endswith(b"END:VCALENDAR\r\n") and b"\n" not in body.replace(b"\r\n", b"")
    calendar = Calendar.from_ical(body)
    assert str(calendar["VERSION"]) == "2.0" and str(calendar["X-WR-CALNAME"]) == "My co-production courses"
    events = calendar.walk("VEVENT")
    with app.app_context():
        sessions = {f"session-{s.id}@copractice": s for s in db.session.scalars(
            select(Session).where(Session.course_id == course_id))}
        course = db.session.get(Course, course_id)
    for event in events:
        session = sessions[str(event["UID"])]
        assert event["DTSTART"].dt == session.starts_at.replace(tzinfo=UTC)  # an aware time, in UTC
        assert event["DTEND"].dt == session.ends_at.replace(tzinfo=UTC)
        assert event["DTSTAMP"].dt.tzinfo is not None
        assert str(event["SUMMARY"]) == course.title
        description = str(event["DESCRIPTION"])
        assert description.startswith(AWKWARD) and f"/courses/{course.slug}" in description
        assert "Join online: https://meet.example/room" in description
        assert str(event["LOCATION"]) == "Canterbury Innovation Centre"
    assert "Bring: a pen, paper; and \\ lunch" in str(events[-1]["DESCRIPTION"])
    assert "Bring" not in str(events[0]["DESCRIPTION"])
    # The same UIDs every time the calendar app asks.
    assert [str(e["UID"]) for e in Calendar.from_ical(feed(client)).walk("VEVENT")] == [str(e["UID"]) for e in events]


def test_places_given_up_and_sessions_removed_leave_the_feed(app, client):
    member_id, course_id = seed(app)
    assert b"Left course" not in feed(client)  # a cancelled place has no events
    with app.app_context():
        course = db.session.get(Course, course_id)
        removed = course.sessions[-1]
        removed_uid = f"session-{removed.id}@copractice"
        course.sessions.remove(removed)
        db.session.commit()
    uids = [str(e["UID"]) for e in Calendar.from_ical(feed(client)).walk("VEVENT")]
    assert uids and removed_uid not in uids
    with app.app_context():
        enrolment = db.session.scalar(select(Enrolment).where(Enrolment.member_id == member_id,
                                                              Enrolment.course_id == course_id))
        enrolment.status = "cancelled"
        db.session.commit()
    assert Calendar.from_ical(feed(client)).walk("VEVENT") == []


def test_the_feeds_validator_moves_on_with_its_window(app):
    from copractice.courses.calendar import feed_owner, member_feed_version

    member_id, _ = seed(app)
    with app.app_context():
        today = member_feed_version(member_id)
        assert feed_owner(TOKEN) == (member_id, today)  # the feed's one statement says the same
        assert feed_owner("x" * 40) is None
        assert member_feed_version(member_id, now=utcnow()) == today
        assert member_feed_version(member_id, now=utcnow() + timedelta(days=1)) != today


def test_feed_runs_two_statements_whatever_the_number_of_courses(app, client):
    seed(app)
    with app.app_context():
        member = db.session.scalar(select(Enrolment.member_id).limit(1))
        for _ in range(5):
            other = create_course(sessions=3)
            db.session.add(Enrolment(course_id=other.id, member_id=member, status="enrolled"))
        db.session.commit()
    client.get(f"/calendar/{TOKEN}.ics")  # plugin switches and the like, once per process
    with counted_queries(app) as statements:
        body = feed(client)
    assert body.count(b"BEGIN:VEVENT") > 15
    feed_statements = [s for s in statements if "plugin_state" not in s and not s.lstrip().startswith(("SAVEPOINT", "RELEASE"))]
    # The member's id from the token with the ETag's version, then their sessions with their courses.
    assert len(feed_statements) == 2, feed_statements


def test_a_bad_token_is_not_found(client):
    assert client.get("/calendar/short.ics").status_code == 404
    assert client.get(f"/calendar/{'x' * 40}.ics").status_code == 404
