"""Delivery happens outside web requests, one bad message never blocks the rest, and each message is
claimed before it is sent and carries one Message-ID (issue 11 points 2, 3 and 10)."""
import smtplib
import socket
import threading
import time
import uuid
from datetime import timedelta
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select, text

from copractice import create_app
from copractice.courses.models import Course, Enrolment
from copractice.devmail import saved_messages, start_catcher
from copractice.extensions import db
from copractice.members.models import Member
from copractice.notifications.models import OutboxMessage
from copractice.notifications.operations import deliver_due, deliver_one
from copractice.timeutil import utcnow
from tests.conftest import POSTGRES_URL, Mailbox, free_port, post_form, test_settings
from tests.factories_courses import create_course

REGISTRATION = {"name": "Nia Okafor", "email": "nia@example.org", "stakeholder_type": "patient", "area": "kent",
                "password": "long password", "confirm": "long password"}
MAIL_TIMEOUT = 3


class HungSmtpServer:
    """Accepts connections and never says a word: the worst kind of mail server."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(50)
        self.port = self.sock.getsockname()[1]
        self.connections = []
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections.append(conn)  # held open, never answered

    def close(self):
        for conn in self.connections:
            conn.close()
        self.sock.close()


@pytest.fixture
def hung_smtp():
    server = HungSmtpServer()
    yield server
    server.close()


@pytest.fixture
def app_settings(request):
    settings = {"MAIL_TIMEOUT": MAIL_TIMEOUT, "MAIL_RETRY_SECONDS": 0}
    if "hung_smtp" in request.fixturenames:
        settings["MAIL_PORT"] = request.getfixturevalue("hung_smtp").port
    return settings


@pytest.fixture
def good_smtp():
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", ready_timeout=30, port=free_port())
    controller.start()
    yield controller
    controller.stop()


def outbox():
    return db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()


# -- point 2: no web request waits on the mail server ------------------------------------------------

def test_requests_never_touch_a_hung_mail_server_and_the_mail_goes_out_once_it_recovers(
        app, client, auth, make_member, hung_smtp, good_smtp):
    make_member(email="member@example.org")
    make_member(email="forgetful@example.org")
    with app.app_context():
        slug = create_course(title="Quiet course").slug

    # Each of these would send mail. The hung server accepts every connection, so an empty list of its
    # connections shows that no request tried to reach it (not a stopwatch, which a slow host would fail).
    response = post_form(client, "/register", REGISTRATION)
    assert response.status_code == 200 and "Check your email" in response.get_data(as_text=True)
    response = post_form(client, "/password/forgot", {"email": "forgetful@example.org"})
    assert response.status_code in (200, 302)
    auth.login("member@example.org")
    response = post_form(client, f"/courses/{slug}/enrol", {}, page=f"/courses/{slug}")
    assert response.status_code == 302

    assert hung_smtp.connections == []  # no request even tried to reach the mail server
    with app.app_context():
        assert [(m.to_address, m.status, m.attempts) for m in outbox()] == [
            ("nia@example.org", "queued", 0), ("forgetful@example.org", "queued", 0),
            ("member@example.org", "queued", 0)]

        # The delivery process meets the hung server: the first attempt times out and waits to try
        # again, and the round stops there rather than waiting as long again for each message.
        started = time.monotonic()
        assert deliver_due() == (0, 1)
        assert time.monotonic() - started < 3 * MAIL_TIMEOUT  # not one timeout for each of the three messages
        assert len(hung_smtp.connections) == 1
        assert [(m.status, m.attempts) for m in outbox()] == [("queued", 1), ("queued", 0), ("queued", 0)]
        assert "timed out" in outbox()[0].last_error

    app.config["MAIL_PORT"] = good_smtp.port  # the mail server is back
    with app.app_context():
        assert deliver_due() == (3, 0)
        assert {m.status for m in outbox()} == {"sent"}
    received = sorted(m["To"] for m in good_smtp.handler.messages)
    assert received == ["forgetful@example.org", "member@example.org", "nia@example.org"]


def test_send_mail_watch_delivers_until_told_to_stop(app, good_smtp):
    from copractice.notifications.operations import watch

    app.config["MAIL_PORT"] = good_smtp.port
    with app.app_context():
        db.session.add(OutboxMessage(to_address="w@example.org", kind="test", subject="Watched", body="b"))
        db.session.commit()
    rounds = []
    with app.app_context():
        watch(interval=0.05, should_stop=lambda: bool(rounds), on_round=rounds.append)
    assert rounds[0] == (1, 0)
    assert [m["Subject"] for m in good_smtp.handler.messages] == ["Watched"]


# -- point 3: one bad message never blocks the rest --------------------------------------------------

BAD_SUBJECTS = ["Carriage\rreturn", "Vertical\vtab", "Line\u2028separator"]


def test_a_message_that_cannot_be_built_is_marked_failed_and_the_rest_are_delivered(app, good_smtp):
    app.config["MAIL_PORT"] = good_smtp.port
    with app.app_context():
        db.session.add(OutboxMessage(to_address="first@example.org", kind="test", subject="First", body="b"))
        for n, subject in enumerate(BAD_SUBJECTS):
            db.session.add(OutboxMessage(to_address=f"bad{n}@example.org", kind="test", subject=subject, body="b"))
        db.session.add(OutboxMessage(to_address="last@example.org", kind="test", subject="Last", body="b"))
        db.session.commit()

        result = deliver_due()
        assert result == (2, 3)
        statuses = {m.to_address: (m.status, m.attempts) for m in outbox()}
        assert statuses["first@example.org"] == statuses["last@example.org"] == ("sent", 1)
        for n in range(3):
            message = db.session.scalar(select(OutboxMessage).where(OutboxMessage.to_address == f"bad{n}@example.org"))
            assert message.status == "failed" and message.last_error.startswith("This email could not be made")
        assert deliver_due() == (0, 0)  # failed messages wait for an admin; they never block a round
    assert sorted(m["Subject"] for m in good_smtp.handler.messages) == ["First", "Last"]


def test_enrolling_on_a_course_whose_title_breaks_email_still_succeeds(app, client, auth, make_member, good_smtp):
    """Today such a title makes every enrolment on the course a 500 although the place was saved."""
    make_member(email="keen@example.org")
    with app.app_context():
        course = create_course()
        course.title = "Working\rtogether"  # written straight to the database, past the form
        db.session.commit()
        slug = course.slug
    auth.login("keen@example.org")
    response = post_form(client, f"/courses/{slug}/enrol", {}, page=f"/courses/{slug}")
    assert response.status_code == 302
    app.config["MAIL_PORT"] = good_smtp.port
    with app.app_context():
        assert db.session.scalar(select(Enrolment.status).join(Course).where(Course.slug == slug)) == "enrolled"
        deliver_due()
        [message] = outbox()
        assert message.status == "sent" and message.subject == "You have a place on Working together"


def test_a_message_that_keeps_failing_is_marked_failed_after_the_last_attempt(app):
    app.config.update(MAIL_PORT=free_port(), MAIL_MAX_ATTEMPTS=3)  # nothing listens there
    with app.app_context():
        db.session.add(OutboxMessage(to_address="x@example.org", kind="test", subject="s", body="b"))
        db.session.commit()
        for attempt in (1, 2):
            assert deliver_due() == (0, 1)
            message = outbox()[0]
            assert (message.status, message.attempts) == ("queued", attempt)
        assert deliver_due() == (0, 1)
        message = outbox()[0]
        assert (message.status, message.attempts, message.next_attempt_at) == ("failed", 3, None)
        assert "Connection" in message.last_error


def test_a_failed_attempt_waits_longer_each_time(app):
    app.config.update(MAIL_PORT=free_port(), MAIL_RETRY_SECONDS=60)
    with app.app_context():
        db.session.add(OutboxMessage(to_address="x@example.org", kind="test", subject="s", body="b"))
        db.session.commit()
        message_id = outbox()[0].id
        waits = []
        for _ in range(3):
            before = utcnow()
            assert deliver_one(message_id, now=before + timedelta(days=1)) == "unreachable"  # the wait is over
            message = db.session.get(OutboxMessage, message_id)
            waits.append(round((message.next_attempt_at - before).total_seconds() / 60))
            assert deliver_due() == (0, 0)  # not due yet
        assert waits == [1, 2, 4]


def test_single_line_fields_refuse_line_breaks_with_the_message_beside_the_field(app, client, auth, make_member):
    make_member(email="admin@example.org", role="admin")
    auth.login("admin@example.org")
    response = post_form(client, "/manage/courses/new", {
        "title": "Working\u2028together", "summary": "A summary", "theme_slug": "cross-cutting",
        "level": "introductory", "format": "in_person", "capacity": "10", "status": "draft"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "There is a problem" in html
    assert 'id="title-error"' in html and "Use a single line of text" in html
    with app.app_context():
        assert db.session.scalar(select(Course)) is None

    response = post_form(client, "/account/edit", {"name": "Rosa\vLane", "organisation": "Kent\rCarers",
                                                   "stakeholder_type": "carer", "area": "kent"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and 'id="name-error"' in html and 'id="organisation-error"' in html


def test_a_subject_rendered_from_a_template_is_always_one_line(app):
    from copractice.forms import one_line

    assert one_line("A\r\nB\u2028C\vD\tE  F") == "A B C D E F"


# -- point 10: claimed before sending, one Message-ID -------------------------------------------------

@pytest.mark.parametrize("app_settings", [{"BASE_URL": "https://courses.example.org", "MAIL_RETRY_SECONDS": 0}])
def test_the_message_id_is_made_once_and_kept_across_retries(app, client, good_smtp):
    post_form(client, "/register", REGISTRATION)
    with app.app_context():
        [message] = outbox()
        made = message.message_id
        assert made.startswith("<") and made.endswith("@courses.example.org>")
        app.config["MAIL_PORT"] = free_port()  # down
        assert deliver_due() == (0, 1)
        app.config["MAIL_PORT"] = good_smtp.port  # back
        assert deliver_due() == (1, 0)
        assert outbox()[0].message_id == made
    [received] = good_smtp.handler.messages
    assert received["Message-ID"] == made


def test_a_claim_left_by_a_crash_is_sent_again_with_the_same_message_id_and_a_fresh_claim_is_not(app, good_smtp):
    app.config["MAIL_PORT"] = good_smtp.port
    long_ago = utcnow() - timedelta(seconds=app.config["MAIL_CLAIM_TIMEOUT"] + 60)
    with app.app_context():
        crashed = OutboxMessage(to_address="crash@example.org", kind="test", subject="Crashed", body="b",
                                status="sending", claimed_at=long_ago, attempts=1, message_id="<one@site.example>")
        busy = OutboxMessage(to_address="busy@example.org", kind="test", subject="Busy", body="b",
                             status="sending", claimed_at=utcnow(), attempts=1, message_id="<two@site.example>")
        db.session.add_all([crashed, busy])
        db.session.commit()
        assert deliver_due() == (1, 0)  # the crashed round's message; the busy one belongs to a live round
        assert {m.subject: m.status for m in outbox()} == {"Crashed": "sent", "Busy": "sending"}
    [received] = good_smtp.handler.messages
    assert (received["To"], received["Message-ID"]) == ("crash@example.org", "<one@site.example>")


def test_two_delivery_rounds_at_once_send_each_message_once(app, good_smtp):
    app.config["MAIL_PORT"] = good_smtp.port
    with app.app_context():
        for n in range(20):
            db.session.add(OutboxMessage(to_address=f"r{n}@example.org", kind="test", subject=f"n{n}", body="b"))
        db.session.commit()
    barrier = threading.Barrier(2)
    results, errors = [], []

    def run():
        try:
            with app.app_context():
                barrier.wait(timeout=30)
                results.append(deliver_due())
        except BaseException as exc:  # noqa: BLE001  (every failure must reach the test)
            errors.append(exc)

    threads = [threading.Thread(target=run, daemon=True) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == [] and len(results) == 2
    assert sum(r.sent for r in results) == 20
    received = sorted(m["To"] for m in good_smtp.handler.messages)
    assert received == sorted(f"r{n}@example.org" for n in range(20))  # each exactly once


def test_pooled_connections_are_checked_before_use_whatever_the_settings(_schema, database_url, smtp_server):
    app = create_app(test_settings(database_url, smtp_server.port, SQLALCHEMY_ENGINE_OPTIONS={"pool_recycle": 300}))
    with app.app_context():
        assert db.engine.pool._pre_ping is True
        db.engine.dispose()


# The suite's other pytest-xdist worker uses the same database (its own schema): drop only this app's
# connections, which carry a name of their own, or the other worker's test fails mid-statement.
DROPPED_APP_NAME = "copractice_test_dropped_" + uuid.uuid4().hex[:8]


@pytest.mark.skipif(not POSTGRES_URL, reason="needs PostgreSQL")
@pytest.mark.parametrize("app_settings", [
    {"SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": {"application_name": DROPPED_APP_NAME}}}])
def test_a_request_after_the_database_dropped_every_connection_succeeds(app, client, auth, make_member):
    make_member(email="member@example.org")
    with app.app_context():
        slug = create_course().slug
    auth.login("member@example.org")
    assert client.get(f"/courses/{slug}").status_code == 200  # the pool now holds a connection
    killer = create_app(test_settings(POSTGRES_URL, 1))
    with killer.app_context():
        killed = db.session.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                "WHERE datname = current_database() AND pid <> pg_backend_pid() "
                                "AND application_name = :name"), {"name": DROPPED_APP_NAME}).all()
        assert killed and all(ok for (ok,) in killed)  # the pool's connection was there, and is gone
        db.session.commit()
        db.engine.dispose()
    response = post_form(client, f"/courses/{slug}/enrol", {}, page=f"/courses/{slug}")
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(Enrolment.status)) == "enrolled"
        assert db.session.scalar(select(Member.email).where(Member.id == Enrolment.member_id)) == "member@example.org"


# -- point 16: a newcomer can read the emails the site sends --------------------------------------------

def test_the_development_mail_catcher_saves_each_email_and_says_so(tmp_path):
    lines = []
    port = free_port()
    catcher = start_catcher(str(tmp_path / "mail"), port=port, echo=lines.append)
    try:
        email = EmailMessage()
        email["From"], email["To"], email["Subject"] = "site@example.org", "rosa@example.org", "Confirm your email"
        email.set_content("Open this link: http://127.0.0.1:5000/verify/abc")
        with smtplib.SMTP("127.0.0.1", port, timeout=5) as smtp:
            smtp.send_message(email)
    finally:
        catcher.stop()
    [(name, saved)] = saved_messages(str(tmp_path / "mail"))
    assert name.endswith(".eml") and saved["Subject"] == "Confirm your email"
    assert "http://127.0.0.1:5000/verify/abc" in saved.get_body(("plain",)).get_content()
    [line] = lines
    assert "rosa@example.org" in line and "Confirm your email" in line and name in line


def test_the_development_mail_page_lists_caught_emails_and_is_absent_elsewhere(app, client, tmp_path):
    assert client.get("/dev/mail").status_code == 404  # testing: not there
    dev = create_app(dict(test_settings(app.config["DATABASE_URL"], 1), ENV_NAME="development"))
    dev.instance_path = str(tmp_path)
    os_folder = tmp_path / "mail"
    catcher = start_catcher(str(os_folder), port=free_port(), echo=lambda line: None)
    try:
        email = EmailMessage()
        email["From"], email["To"], email["Subject"] = "site@example.org", "new@example.org", "Confirm your email"
        email.set_content("Confirm: http://127.0.0.1:5000/verify/xyz")
        with smtplib.SMTP("127.0.0.1", catcher.port, timeout=5) as smtp:
            smtp.send_message(email)
    finally:
        catcher.stop()
    page = dev.test_client().get("/dev/mail")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Confirm your email" in html
    assert '<a href="http://127.0.0.1:5000/verify/xyz"' in html
    with dev.app_context():
        db.engine.dispose()


@pytest.mark.parametrize("app_settings", [{"PROPAGATE_EXCEPTIONS": False}])
def test_a_failure_before_any_commit_still_shows_the_error_page(app, client, auth, make_member, monkeypatch):
    from copractice.courses import operations

    def broken(member, course):
        raise RuntimeError("nothing was saved")

    make_member(email="member@example.org")
    with app.app_context():
        slug = create_course().slug
    auth.login("member@example.org")
    monkeypatch.setattr(operations, "enrol", broken)
    response = post_form(client, f"/courses/{slug}/enrol", {}, page=f"/courses/{slug}")
    assert response.status_code == 500 and "Please try again later" in response.get_data(as_text=True)


def test_copractice_develop_serves_the_site_and_catches_its_email(app, database_url, make_member, tmp_path):
    """What `make run` starts: the web server, the job worker and the mail catcher, together."""
    import http.cookiejar
    import os
    import re
    import signal
    import subprocess
    import sys
    import urllib.parse
    import urllib.request

    make_member(email="newcomer@example.org")
    port, mail_port, folder = free_port(), free_port(), tmp_path / "caught"
    env = dict(os.environ, COPRACTICE_ENV="development", COPRACTICE_DATABASE_URL=database_url,
               COPRACTICE_MAIL_POLL_SECONDS="0.2", COPRACTICE_BASE_URL=f'"http://127.0.0.1:{port}"',
               COPRACTICE_JOBS_URL=f"sqlite:///{tmp_path / 'jobs.sqlite3'}")  # not the checkout's own queue
    process = subprocess.Popen(
        [sys.executable, "-m", "copractice.cli", "develop", "--port", str(port), "--mail-port", str(mail_port),
         "--mail-folder", str(folder)], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        deadline = time.monotonic() + 30
        while True:
            try:
                html = opener.open(f"http://127.0.0.1:{port}/password/forgot", timeout=5).read().decode()
                break
            except OSError:
                assert time.monotonic() < deadline and process.poll() is None, "copractice develop did not start"
                time.sleep(0.3)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
        form = urllib.parse.urlencode({"csrf_token": token, "email": "newcomer@example.org"}).encode()
        assert opener.open(f"http://127.0.0.1:{port}/password/forgot", form, timeout=5).status == 200
        deadline = time.monotonic() + 30
        while not (folder.is_dir() and any(folder.iterdir())):
            assert time.monotonic() < deadline, "no email was caught"
            time.sleep(0.3)
        [(name, saved)] = saved_messages(str(folder))
        assert saved["To"] == "newcomer@example.org" and saved["Subject"] == "Reset your copractice password"
        listing = opener.open(f"http://127.0.0.1:{port}/dev/mail", timeout=5).read().decode()
        assert "Reset your copractice password" in listing
        assert f'<a href="http://127.0.0.1:{port}/password/reset/' in listing
    finally:
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=30)
    assert "[mail] to newcomer@example.org: Reset your copractice password" in output


def test_a_nul_byte_in_a_single_line_field_is_refused_beside_the_field(app, client, auth, make_member):
    """copractice.inputs turns a NUL into U+FFFD; a single-line field refuses it instead of saving it."""
    make_member(email="admin@example.org", role="admin")
    auth.login("admin@example.org")
    response = post_form(client, "/manage/courses/new", {
        "title": "Working\x00together", "summary": "A summary", "theme_slug": "cross-cutting",
        "level": "introductory", "format": "in_person", "capacity": "10", "status": "draft"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and 'id="title-error"' in html and "There is a problem" in html
    with app.app_context():
        assert db.session.scalar(select(Course)) is None
