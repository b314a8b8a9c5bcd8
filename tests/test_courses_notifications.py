"""Telling members: session reminders, email choices, the notices page, mail while SMTP is down, offers."""
import threading
from datetime import datetime, timedelta

import pytest
from aiosmtpd.controller import Controller
from icalendar import Calendar
from sqlalchemy import func, select

from copractice.courses import operations
from copractice.courses.models import Course, Enrolment, Session
from copractice.courses.reminders import send_reminders
from copractice.extensions import db
from copractice.members.models import Member
from copractice.notifications.models import NOTICE_KINDS, EmailPreference, Notice, OutboxMessage, SessionReminder
from copractice.notifications.operations import deliver_due
from copractice.timeutil import utc_to_london
from tests.conftest import Mailbox, create_member, free_port, post_form
from tests.factories_courses import create_course


@pytest.fixture
def down_port():
    return free_port()  # nothing listens here until a test starts a server on it


@pytest.fixture
def app_settings(request):
    """A test that asks for ``down_port`` gets a site whose mail server is not there."""
    if "down_port" in request.fixturenames:
        return {"MAIL_PORT": request.getfixturevalue("down_port")}
    return {}


@pytest.fixture
def ctx(app):
    """An app and request context, as a view has (operations build links with url_for)."""
    with app.test_request_context():
        yield app


def place(course, member, status):
    db.session.add(Enrolment(course_id=course.id, member_id=member.id, status=status,
                             queue_key=1.0 if status == "waiting" else None))
    db.session.commit()


def count(model, *where):
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def reminder_pairs():
    return sorted(db.session.execute(select(SessionReminder.session_id, SessionReminder.member_id)).all())


def reminder_mail():
    return db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "session_reminder")
                              .order_by(OutboxMessage.id)).all()


def reminder_subject(course, session):
    return f"Reminder: {course.title} on {utc_to_london(session.starts_at):%A %-d %B}"


# -- reminders -------------------------------------------------------------------------------------

def test_one_reminder_for_a_session_within_48_hours_and_none_for_others(ctx, mailbox):
    soon = create_course(starts_in=timedelta(hours=47), sessions=2)  # the second is a week later
    later = create_course(starts_in=timedelta(hours=49))
    draft = create_course(starts_in=timedelta(hours=47), status="draft")
    enrolled, waiting, cancelled = create_member(), create_member(), create_member()
    for status, member in (("enrolled", enrolled), ("waiting", waiting), ("cancelled", cancelled)):
        place(soon, member, status)
    place(later, enrolled, "enrolled")
    place(draft, enrolled, "enrolled")
    first = soon.sessions[0]

    assert send_reminders() == 1

    assert reminder_pairs() == [(first.id, enrolled.id)]
    [message] = reminder_mail()
    assert (message.to_address, message.member_id, message.status) == (enrolled.email, enrolled.id, "queued")
    assert message.subject == reminder_subject(soon, first)
    assert f"Join online: {first.online_link}" in message.body
    assert f"http://localhost/courses/{soon.slug}" in message.body
    [notice] = db.session.scalars(select(Notice).where(Notice.kind == "session_reminder")).all()
    assert (notice.member_id, notice.message) == (enrolled.id, reminder_subject(soon, first))
    assert notice.link == f"http://localhost/courses/{soon.slug}"

    assert send_reminders() == 0  # run again: nobody is reminded twice
    assert reminder_pairs() == [(first.id, enrolled.id)] and len(reminder_mail()) == 1
    assert count(Notice, Notice.kind == "session_reminder") == 1

    assert deliver_due() == (1, 0)
    [mail] = mailbox.to(enrolled.email)
    assert mail["Subject"] == reminder_subject(soon, first)
    assert mailbox.to(waiting.email) == [] and mailbox.to(cancelled.email) == []
    assert len(mailbox.messages) == 1


def test_two_reminder_runs_at_once_never_remind_anyone_twice(app):
    with app.app_context():
        course = create_course(starts_in=timedelta(hours=47))
        members = [create_member() for _ in range(6)]
        for member in members:
            place(course, member, "enrolled")
        session_id, member_ids = course.sessions[0].id, sorted(m.id for m in members)

    barrier = threading.Barrier(2)
    results, errors = [None, None], []

    def run(index):
        try:
            with app.app_context(), app.test_request_context():
                barrier.wait(timeout=30)
                results[index] = send_reminders()
                db.session.commit()  # as the command does
        except BaseException as exc:  # noqa: BLE001  (every failure must reach the test)
            errors.append(exc)
            barrier.abort()

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not any(t.is_alive() for t in threads), "a reminder run is stuck"
    assert errors == []

    assert sum(results) == 6
    with app.app_context():
        assert reminder_pairs() == [(session_id, m) for m in member_ids]
        assert sorted(m.member_id for m in reminder_mail()) == member_ids
        assert count(Notice, Notice.kind == "session_reminder") == 6


@pytest.mark.parametrize("app_settings", [{"BASE_URL": "https://courses.example.org"}])
def test_send_reminders_command_prints_its_counts_and_is_idempotent(app, runner, mailbox):
    with app.app_context():
        course = create_course(starts_in=timedelta(hours=47), title="Evening course")
        member = create_member(email="remind@example.org")
        place(course, member, "enrolled")
        slug = course.slug

    result = runner.invoke(args=["send-reminders"])
    assert result.exception is None, result.output
    assert result.output.startswith("reminders queued 1, offers expired 0")
    [mail] = mailbox.to("remind@example.org")
    assert f"Course page: https://courses.example.org/courses/{slug}" in mailbox.body(mail)

    result = runner.invoke(args=["send-reminders"])
    assert result.output.startswith("reminders queued 0, offers expired 0")
    assert len(mailbox.messages) == 1
    with app.app_context():
        assert len(reminder_pairs()) == 1 and len(reminder_mail()) == 1


def test_send_reminders_command_works_with_the_default_settings(app, runner, mailbox):
    """Links come from BASE_URL: no SERVER_NAME and no request needed."""
    with app.app_context():
        place(create_course(starts_in=timedelta(hours=47)), create_member(email="plain@example.org"), "enrolled")
    result = runner.invoke(args=["send-reminders"])
    assert result.exit_code == 0, repr(result.exception)
    [reminder] = mailbox.to("plain@example.org")
    assert app.config["BASE_URL"] + "/courses/" in mailbox.body(reminder)


# -- email choices ------------------------------------------------------------------------------------

def test_switching_off_session_changes_keeps_the_notice_but_stops_the_email(app, client, auth, make_member,
                                                                            mailbox):
    quiet = make_member(email="quiet@example.org")
    keen = make_member(email="keen@example.org")
    auth.login("quiet@example.org")
    keep = [kind for kind in NOTICE_KINDS if kind != "session_changed"]
    response = post_form(client, "/account/notifications", {"email": keep})
    assert response.status_code == 302 and response.headers["Location"] == "/account"
    page = client.get("/account/notifications").get_data(as_text=True)
    assert 'id="email-session_changed" name="email" value="session_changed">' in page
    assert 'id="email-enrolled" name="email" value="enrolled" checked>' in page

    with app.test_request_context():
        assert db.session.execute(select(EmailPreference.member_id, EmailPreference.kind, EmailPreference.email)
                                  ).all() == [(quiet.id, "session_changed", False)]
        course = create_course(title="Changing course", sessions=0)
        course.sessions.append(Session(starts_at=datetime(2031, 3, 4, 14, 0), ends_at=datetime(2031, 3, 4, 16, 0),
                                       venue="Canterbury Innovation Centre"))
        db.session.commit()
        for member in (quiet, keen):
            place(course, db.session.get(Member, member.id), "enrolled")
        # Moved into British Summer Time: 13:30-15:30 UTC is 2:30pm-4:30pm in the UK.
        operations.update_session(None, course.sessions[0], starts_at=datetime(2031, 6, 10, 13, 30),
                                  ends_at=datetime(2031, 6, 10, 15, 30), venue="Canterbury Innovation Centre",
                                  online_link=None, note=None)
        db.session.commit()

        notices = db.session.scalars(select(Notice).where(Notice.kind == "session_changed")
                                     .order_by(Notice.member_id)).all()
        assert [(n.member_id, n.message) for n in notices] == [
            (quiet.id, "A session of Changing course has changed"),
            (keen.id, "A session of Changing course has changed"),
        ]
        [message] = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "session_changed")).all()
        assert (message.to_address, message.member_id) == ("keen@example.org", keen.id)
        assert deliver_due() == (1, 0)

    assert mailbox.to("quiet@example.org") == []
    [mail] = mailbox.to("keen@example.org")
    assert mail["Subject"] == "A session of Changing course has changed"
    lines = mailbox.body(mail).splitlines()
    assert "It was: 4 March 2031, 2:00pm to 4:00pm" in lines
    assert "It is now: 10 June 2031, 2:30pm to 4:30pm, Canterbury Innovation Centre" in lines


def test_a_change_that_moves_nothing_tells_nobody(ctx):
    course = create_course()
    place(course, create_member(), "enrolled")
    session = course.sessions[0]
    operations.update_session(None, session, starts_at=session.starts_at, ends_at=session.ends_at,
                              venue=session.venue, online_link=session.online_link, note="Bring a pen")
    db.session.commit()
    assert count(Notice) == 0 and count(OutboxMessage) == 0


# -- the notices page ---------------------------------------------------------------------------------

def test_notices_are_listed_newest_first_and_marked_read(app, client, auth, make_member):
    me, other = make_member(email="reader@example.org"), make_member()
    with app.app_context():
        for n, text in enumerate(["Oldest notice", "Middle notice", "Newest notice"]):
            db.session.add(Notice(member_id=me.id, kind="enrolled", message=text,
                                  created_at=datetime(2026, 11, 1 + n, 9, 0)))
            db.session.commit()
        db.session.add(Notice(member_id=other.id, kind="enrolled", message="Not yours"))
        db.session.commit()
    auth.login("reader@example.org")

    page = client.get("/notices").get_data(as_text=True)
    positions = [page.index(text) for text in ("Newest notice", "Middle notice", "Oldest notice")]
    assert positions == sorted(positions)
    assert page.count('<strong class="tag">New</strong>') == 3
    assert "Not yours" not in page
    with app.app_context():
        assert count(Notice, Notice.member_id == me.id, Notice.read_at.is_(None)) == 0
        assert count(Notice, Notice.member_id == other.id, Notice.read_at.is_(None)) == 1

    again = client.get("/notices").get_data(as_text=True)
    assert again.count('<strong class="tag">New</strong>') == 0 and "Newest notice" in again


# -- mail while the mail server is down -------------------------------------------------------------------

def test_enrolling_while_smtp_is_down_keeps_the_place_and_sends_the_mail_once_later(app, client, auth, runner,
                                                                                   make_member, down_port):
    make_member(email="patient@example.org")
    with app.app_context():
        course = create_course(title="Patient course", sessions=2)
        slug, starts = course.slug, [s.starts_at for s in course.sessions]
    auth.login("patient@example.org")
    response = post_form(client, f"/courses/{slug}/enrol", {}, page=f"/courses/{slug}")
    assert response.status_code == 302
    assert "You have a place on this course" in client.get(f"/courses/{slug}").get_data(as_text=True)
    with app.app_context():
        [enrolment] = db.session.scalars(select(Enrolment).join(Course).where(Course.slug == slug)).all()
        assert enrolment.status == "enrolled"
        [message] = db.session.scalars(select(OutboxMessage)).all()
        assert (message.kind, message.status, message.attempts) == ("enrolled", "queued", 0)

    result = runner.invoke(args=["send-mail"])  # the mail server is down: it waits to try again
    assert result.exit_code == 1 and result.output.startswith("sent 0, failed 1")
    with app.app_context():
        message = db.session.scalars(select(OutboxMessage)).one()
        assert (message.status, message.attempts) == ("queued", 1) and "Connection" in message.last_error
        message.next_attempt_at = None  # as if the wait is over
        db.session.commit()

    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", ready_timeout=30, port=down_port)
    controller.start()
    try:
        result = runner.invoke(args=["send-mail"])
        assert result.exit_code == 0 and result.output.startswith("sent 1, failed 0")
        result = runner.invoke(args=["send-mail"])
        assert result.exit_code == 0 and result.output.startswith("sent 0, failed 0")
    finally:
        controller.stop()

    [mail] = mailbox.to("patient@example.org")
    assert len(mailbox.messages) == 1
    assert mail["Subject"] == "You have a place on Patient course"
    [attachment] = list(mail.iter_attachments())
    assert (attachment.get_content_type(), attachment.get_filename()) == ("text/calendar", f"{slug}.ics")
    events = Calendar.from_ical(attachment.get_payload(decode=True)).walk("VEVENT")
    assert sorted(e["dtstart"].dt.replace(tzinfo=None) for e in events) == starts
    with app.app_context():
        message = db.session.scalars(select(OutboxMessage)).one()
        assert (message.status, message.attempts, message.last_error) == ("sent", 2, None)


# -- the waiting list ----------------------------------------------------------------------------------------

def test_a_freed_place_is_offered_by_email_with_the_deadline_in_uk_time(ctx, mailbox):
    course = create_course(capacity=1, title="Popular course")
    first, second, third = (create_member(email=f"{n}@example.org") for n in ("first", "second", "third"))
    for member in (first, second, third):
        operations.enrol(member, course)
        db.session.commit()
    mailbox.clear()

    # The offer lasts 48 hours: from 12:00 UTC (12:00pm GMT) on 26 March 2027 to 12:00 UTC on
    # 28 March, by when the clocks have gone forward, so 1:00pm in the UK.
    operations.cancel_place(first, course, now=datetime(2027, 3, 26, 12, 0))

    offer = operations.enrolment_of(second, course)
    assert (offer.status, offer.offer_expires_at) == ("offered", datetime(2027, 3, 28, 12, 0))
    [mail] = mailbox.to("second@example.org")
    assert mail["Subject"] == "A place is free on Popular course: please accept it"
    assert "Please accept it by 28 March 2027, 1:00pm." in mailbox.body(mail)
    assert f"http://localhost/courses/{course.slug}" in mailbox.body(mail)
    assert mailbox.to("third@example.org") == []
    assert len(mailbox.to("first@example.org")) == 1  # told of the cancellation, nothing more
    [notice] = db.session.scalars(select(Notice).where(Notice.kind == "place_offered")).all()
    assert (notice.member_id, notice.message) == (second.id, "A place is free on Popular course: please accept it")


def test_moving_a_session_sends_a_fresh_reminder_for_the_new_time(ctx):
    course = create_course(starts_in=timedelta(hours=40))
    member = create_member()
    place(course, member, "enrolled")
    assert send_reminders() == 1
    session = course.sessions[0]
    operations.update_session(None, session, starts_at=session.starts_at + timedelta(hours=4),
                              ends_at=session.ends_at + timedelta(hours=4), venue=session.venue,
                              online_link=session.online_link, note=None)
    db.session.commit()
    assert send_reminders() == 1  # reminded again, about the new time
    assert send_reminders() == 0
