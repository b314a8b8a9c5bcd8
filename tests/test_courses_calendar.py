"""Calendar feeds: the course .ics, the member's private feed, the enrolment attachment, UK clock changes."""
import re
from datetime import UTC, datetime, timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import select

from copractice.courses.models import Course, Enrolment, Session
from copractice.extensions import db
from copractice.members.models import Member
from copractice.timeutil import NoSuchLocalTime, london_to_utc, utc_to_london, weekly
from tests.conftest import post_form
from tests.factories_courses import create_course

LINK = "https://meet.example/room-42"


def course_with_sessions(times, *, capacity=5, title=None, venue="Canterbury Innovation Centre"):
    """A published course whose sessions are exactly ``times`` (naive UTC (start, end) pairs)."""
    course = create_course(capacity=capacity, sessions=0, title=title)
    for starts_at, ends_at in times:
        course.sessions.append(Session(starts_at=starts_at, ends_at=ends_at, venue=venue, online_link=LINK))
    db.session.commit()
    return course


def place(course, member, status):
    db.session.add(Enrolment(course_id=course.id, member_id=member.id, status=status,
                             queue_key=1.0 if status == "waiting" else None))
    db.session.commit()


def events(ics_bytes):
    """The VEVENTs of a feed, in order of start."""
    calendar = Calendar.from_ical(ics_bytes)
    return sorted(calendar.walk("VEVENT"), key=lambda e: e["dtstart"].dt)


def unfolded(ics_bytes):
    """The feed's text with RFC 5545 line folding undone, so long values can be searched."""
    return ics_bytes.decode().replace("\r\n ", "")


def utc(*args):
    return datetime(*args, tzinfo=UTC)


# -- the course feed -----------------------------------------------------------------------------

TIMES = [(datetime(2027, 1, 12, 10, 0), datetime(2027, 1, 12, 12, 30)),   # GMT: 10am-12:30pm
         (datetime(2027, 6, 15, 13, 0), datetime(2027, 6, 15, 15, 0))]    # BST: 2pm-4pm


@pytest.mark.parametrize("viewer, sees_link", [
    ("anonymous", False),
    ("member without a place", False),
    ("waiting", False),
    ("cancelled", False),
    ("enrolled", True),
    ("offered", True),  # an open offer holds the place
])
def test_course_feed_has_each_session_and_the_link_only_for_people_with_a_place(
        app, client, auth, make_member, viewer, sees_link):
    viewer_email = "viewer@example.org"
    make_member(email=viewer_email)
    with app.app_context():
        course = course_with_sessions(TIMES, title="Co-producing research")
        slug, title = course.slug, course.title
        if viewer not in ("anonymous", "member without a place"):
            place(course, db.session.scalar(select(Member).where(Member.email == viewer_email)), viewer)
    if viewer != "anonymous":
        auth.login(viewer_email)

    response = client.get(f"/courses/{slug}/calendar.ics")

    assert response.status_code == 200 and response.mimetype == "text/calendar"
    body = response.get_data()
    found = events(body)
    assert [(e["dtstart"].dt, e["dtend"].dt) for e in found] == [
        (utc(2027, 1, 12, 10, 0), utc(2027, 1, 12, 12, 30)),
        (utc(2027, 6, 15, 13, 0), utc(2027, 6, 15, 15, 0)),
    ]
    assert [str(e["summary"]) for e in found] == [title, title]
    assert [str(e["location"]) for e in found] == ["Canterbury Innovation Centre"] * 2
    assert "DTSTART:20270112T100000Z" in unfolded(body)  # written in UTC, not floating local time
    descriptions = [str(e["description"]) for e in found]
    assert [f"Join online: {LINK}" in d for d in descriptions] == [sees_link, sees_link]
    assert (LINK in unfolded(body)) is sees_link


def test_an_online_only_session_gives_the_link_as_location_only_to_people_with_a_place(app, client, auth,
                                                                                        make_member):
    make_member(email="in@example.org")
    with app.app_context():
        course = course_with_sessions(TIMES[:1], venue=None)
        place(course, db.session.scalar(select(Member).where(Member.email == "in@example.org")), "enrolled")
        slug = course.slug
    [anonymous] = events(client.get(f"/courses/{slug}/calendar.ics").get_data())
    assert "location" not in anonymous
    auth.login("in@example.org")
    [enrolled] = events(client.get(f"/courses/{slug}/calendar.ics").get_data())
    assert str(enrolled["location"]) == LINK


# -- UK clock changes ------------------------------------------------------------------------------

def test_a_session_across_the_october_clock_change_lasts_three_hours(app, client):
    # 00:30 BST on Sunday 25 October 2026; the clocks go back at 02:00 BST to 01:00 GMT; ends 02:30 GMT.
    starts_at = london_to_utc(datetime(2026, 10, 25, 0, 30))
    ends_at = london_to_utc(datetime(2026, 10, 25, 2, 30))
    assert (starts_at, ends_at) == (datetime(2026, 10, 24, 23, 30), datetime(2026, 10, 25, 2, 30))
    with app.app_context():
        course = course_with_sessions([(starts_at, ends_at)])
        slug = course.slug
        assert course.sessions[0].hours == 3.0

    body = client.get(f"/courses/{slug}/calendar.ics").get_data()
    [event] = events(body)
    assert event["dtstart"].dt == utc(2026, 10, 24, 23, 30)
    assert event["dtend"].dt == utc(2026, 10, 25, 2, 30)
    assert event["dtend"].dt - event["dtstart"].dt == timedelta(hours=3)
    assert "DTSTART:20261024T233000Z" in unfolded(body) and "DTEND:20261025T023000Z" in unfolded(body)

    page = client.get(f"/courses/{slug}").get_data(as_text=True)
    assert "<strong>Sunday 25 October 2026</strong>, 12:30am to 2:30am" in page


def test_the_repeated_hour_is_taken_as_bst_and_the_skipped_hour_does_not_exist():
    # 01:30 happens twice on 25 October 2026: the documented rule takes the first (BST) one.
    assert london_to_utc(datetime(2026, 10, 25, 1, 30)) == datetime(2026, 10, 25, 0, 30)
    # On 29 March 2026 the clocks jump from 01:00 GMT to 02:00 BST: 01:30 never happens.
    with pytest.raises(NoSuchLocalTime, match="01:30 on 29 March 2026 does not exist"):
        london_to_utc(datetime(2026, 3, 29, 1, 30))
    assert london_to_utc(datetime(2026, 3, 29, 0, 59)) == datetime(2026, 3, 29, 0, 59)
    assert london_to_utc(datetime(2026, 3, 29, 2, 0)) == datetime(2026, 3, 29, 1, 0)


def test_a_weekly_6pm_series_stays_at_6pm_uk_time_across_the_october_change():
    times = weekly(datetime(2026, 10, 13, 18, 0), datetime(2026, 10, 13, 20, 0), 4)
    assert times == [
        (datetime(2026, 10, 13, 17, 0), datetime(2026, 10, 13, 19, 0)),  # BST
        (datetime(2026, 10, 20, 17, 0), datetime(2026, 10, 20, 19, 0)),  # BST
        (datetime(2026, 10, 27, 18, 0), datetime(2026, 10, 27, 20, 0)),  # GMT
        (datetime(2026, 11, 3, 18, 0), datetime(2026, 11, 3, 20, 0)),    # GMT
    ]
    assert {utc_to_london(start).time() for start, _ in times} == {datetime(2026, 1, 1, 18, 0).time()}


def test_a_weekly_series_with_a_week_in_the_spring_gap_is_refused():
    with pytest.raises(NoSuchLocalTime):
        weekly(datetime(2026, 3, 15, 1, 30), datetime(2026, 3, 15, 3, 0), 3)  # third week: 29 March


# -- the member's private feed ----------------------------------------------------------------------

FEED_URL = re.compile(r'value="(http://localhost/calendar/([A-Za-z0-9_-]+)\.ics)"')


def make_feed_address(client):
    response = post_form(client, "/account/calendar", {})
    assert response.status_code == 302 and response.headers["Location"] == "/account/calendar"
    page = client.get("/account/calendar").get_data(as_text=True)
    match = FEED_URL.search(page)
    assert match, "the page shows no calendar address"
    return match.group(1), match.group(2)


def test_private_feed_has_enrolled_sessions_with_links_and_can_be_replaced(app, client, auth, make_member):
    me, someone = make_member(email="me@example.org"), make_member()
    with app.app_context():
        mine = course_with_sessions(TIMES, title="Enrolled course")
        waiting = course_with_sessions(TIMES[:1], title="Waiting course")
        left = course_with_sessions(TIMES[1:], title="Cancelled course")
        other = course_with_sessions(TIMES[:1], title="Somebody else's course")
        member = db.session.get(Member, me.id)
        place(mine, member, "enrolled")
        place(waiting, member, "waiting")
        place(left, member, "cancelled")
        place(other, db.session.get(Member, someone.id), "enrolled")
    auth.login("me@example.org")
    page = client.get("/account/calendar").get_data(as_text=True)
    assert "Make my calendar address" in page and "/calendar/" not in page

    url, token = make_feed_address(client)
    with app.app_context():
        assert db.session.get(Member, me.id).calendar_token == token
    anonymous = app.test_client()
    response = anonymous.get(url)
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    assert response.headers["Cache-Control"] == "private, max-age=300"
    found = events(response.get_data())
    assert [(str(e["summary"]), e["dtstart"].dt, e["dtend"].dt) for e in found] == [
        ("Enrolled course", utc(2027, 1, 12, 10, 0), utc(2027, 1, 12, 12, 30)),
        ("Enrolled course", utc(2027, 6, 15, 13, 0), utc(2027, 6, 15, 15, 0)),
    ]
    assert all(f"Join online: {LINK}" in str(e["description"]) for e in found)

    new_url, new_token = make_feed_address(client)
    assert new_token != token
    assert anonymous.get(url).status_code == 404
    assert len(events(anonymous.get(new_url).get_data())) == 2


@pytest.mark.parametrize("token", ["x" * 43, "short", "A" * 20])
def test_an_unknown_feed_address_is_not_found(client, token):
    assert client.get(f"/calendar/{token}.ics").status_code == 404


def test_a_switched_off_account_loses_its_feed(app, client, auth, make_member):
    me = make_member(email="off@example.org")
    auth.login("off@example.org")
    url, _ = make_feed_address(client)
    with app.app_context():
        db.session.get(Member, me.id).active = False
        db.session.commit()
    assert app.test_client().get(url).status_code == 404


# -- the enrolment email ------------------------------------------------------------------------------

def test_the_enrolment_email_carries_the_course_as_an_ics_attachment(app, client, auth, make_member, mailbox):
    make_member(email="joiner@example.org")
    with app.app_context():
        course = course_with_sessions(TIMES, title="Co-production in Ynys Môn")
        slug = course.slug
    auth.login("joiner@example.org")
    response = post_form(client, f"/courses/{slug}/enrol", {}, page=f"/courses/{slug}")
    assert response.status_code == 302

    with app.app_context():
        [enrolment] = db.session.scalars(select(Enrolment).join(Course).where(Course.slug == slug)).all()
        assert enrolment.status == "enrolled"
    [mail] = mailbox.to("joiner@example.org")
    assert mail["Subject"] == "You have a place on Co-production in Ynys Môn"
    body = mailbox.body(mail)
    assert "- 12 January 2027, 10:00am to 12:30pm, Canterbury Innovation Centre" in body
    assert "- 15 June 2027, 2:00pm to 4:00pm, Canterbury Innovation Centre" in body
    [attachment] = list(mail.iter_attachments())
    assert attachment.get_content_type() == "text/calendar"
    assert attachment.get_filename() == f"{slug}.ics"
    assert attachment.get_content_charset() == "utf-8"  # else mail readers take it as ASCII and mangle "Môn"
    assert "SUMMARY:Co-production in Ynys Môn\r\n" in attachment.get_content()
    found = events(attachment.get_payload(decode=True))
    assert [(str(e["summary"]), e["dtstart"].dt, e["dtend"].dt) for e in found] == [
        ("Co-production in Ynys Môn", utc(2027, 1, 12, 10, 0), utc(2027, 1, 12, 12, 30)),
        ("Co-production in Ynys Môn", utc(2027, 6, 15, 13, 0), utc(2027, 6, 15, 15, 0)),
    ]
    assert all(f"Join online: {LINK}" in str(e["description"]) for e in found)
