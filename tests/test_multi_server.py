"""Two app servers on one database behave as one site: places, mail, rate limits and sessions.

Each test starts two gunicorn instances on different loopback ports (two worker processes each),
both serving the suite's database: a schema on PostgreSQL with COPRACTICE_TEST_DATABASE_URL set,
otherwise one SQLite file shared by both servers on this machine. Rate limits are shared through
a real redis-server started for the test (skipped when /usr/bin/redis-server is missing). Every
server and redis is stopped in teardown, and every wait is bounded.
"""
import re
import signal
import socket
import subprocess
import time
from collections import Counter, defaultdict
from contextlib import contextmanager, suppress
from pathlib import Path

import pytest
from sqlalchemy import select

from copractice.courses import operations
from copractice.courses.models import CANCELLED, ENROLLED, WAITING, Course
from copractice.extensions import db
from copractice.members.models import Member
from copractice.notifications.models import OutboxMessage
from tests.concurrency_helpers import (
    Browser,
    Gunicorn,
    assert_places_consistent,
    csrf_of_form,
    statuses,
    together,
)
from tests.conftest import PASSWORD, create_member, csrf_from, free_port
from tests.factories_courses import create_course

REDIS_SERVER = Path("/usr/bin/redis-server")
SECRET_KEY = '"multi-server-test-secret-key"'  # JSON, as from_prefixed_env reads it


# -- helpers -------------------------------------------------------------------------------------------

def server_env(database_url, smtp_server, tmp_path, **settings):
    """Environment for a server of the site: the shared database, mail server and secret key."""
    env = {
        "COPRACTICE_ENV": "testing",
        "COPRACTICE_DATABASE_URL": database_url,
        "COPRACTICE_SECRET_KEY": SECRET_KEY,
        "COPRACTICE_MAIL_SERVER": '"127.0.0.1"',
        "COPRACTICE_MAIL_PORT": str(smtp_server.port),
        "COPRACTICE_MAIL_TIMEOUT": "10",
        "COPRACTICE_UPLOAD_FOLDER": str(tmp_path / "uploads"),
        "COPRACTICE_RATELIMIT_STORAGE_URI": "memory://",
        # Every browser comes from 127.0.0.1; only the per-account limit is under test here.
        "COPRACTICE_LOGIN_LIMIT_PER_ADDRESS": '"1000 per minute"',
    }
    env.update({f"COPRACTICE_{name}": value for name, value in settings.items()})
    return env


@contextmanager
def two_servers(env, log_dir, *, workers=2, threads=2):
    """Two gunicorn instances with the same settings on two free ports; both stopped on the way out."""
    servers = []
    try:
        for name in ("a", "b"):  # start both, then wait: they boot side by side
            servers.append(Gunicorn(free_port(), env, Path(log_dir) / f"gunicorn-{name}.log",
                                    workers=workers, threads=threads))
        for server in servers:
            server.wait_until_answering(timeout=30)
        yield servers
    finally:
        for server in servers:  # ask both to quit at once, then make sure each is gone
            if server.process.poll() is None:
                server.process.send_signal(signal.SIGQUIT)
        deadline = time.monotonic() + 10
        for server in servers:
            with suppress(subprocess.TimeoutExpired):
                server.process.wait(timeout=max(0.1, deadline - time.monotonic()))
            server.stop()  # kills whatever is left of its process group


def logs(servers):
    return "\n".join(f"--- {server.url}\n{server.log()}" for server in servers)


def on(browser, server):
    """Send ``browser``'s next requests to ``server``. Its cookies go too: cookies do not depend on the port."""
    browser.base_url = server.url
    return browser


def log_in(browser, email, password=PASSWORD, **extra):
    """Log in through the form; returns the status and headers of the answer to the POST."""
    status, _, html = browser.get("/login")
    assert status == 200
    status, headers, _ = browser.post("/login", {"email": email, "password": password,
                                                 "csrf_token": csrf_from(html), **extra})
    return status, headers


def post_form_on_page(browser, page, action=None):
    """Post the form on ``page`` that goes to ``action`` (None: the page's one form, posting to itself)."""
    status, _, html = browser.get(page)
    assert status == 200, f"GET {page} on {browser.base_url}: {status}"
    token = csrf_from(html) if action is None else csrf_of_form(html, action)
    return browser.post(action or page, {"csrf_token": token})


def outbox_kinds():
    """{member_id: Counter of email kinds queued for them}."""
    kinds = defaultdict(Counter)
    for member_id, kind in db.session.execute(select(OutboxMessage.member_id, OutboxMessage.kind)):
        kinds[member_id][kind] += 1
    return kinds


def wait_for_mail(mailbox, count, timeout=10):
    deadline = time.monotonic() + timeout
    while len(mailbox.messages) < count and time.monotonic() < deadline:
        time.sleep(0.05)
    return list(mailbox.messages)


# -- 1. two servers, one database: places, waiting list, mail ----------------------------------------------

@pytest.fixture(scope="module")
def servers(_schema, database_url, smtp_server, tmp_path_factory):
    """Servers A and B, two worker processes of two threads each, on the suite's database."""
    log_dir = tmp_path_factory.mktemp("multi_server")
    with two_servers(server_env(database_url, smtp_server, log_dir), log_dir) as pair:
        yield pair


def test_two_servers_fill_a_nearly_full_course_without_overbooking_or_double_mail(app, servers, mailbox):
    a, b = servers
    with app.app_context():
        course = create_course(capacity=10)
        course_id, slug = course.id, course.slug
        earlier = [create_member() for _ in range(8)]
        with app.test_request_context():
            for member in earlier:
                operations.enrol(member, db.session.get(Course, course_id))
        earlier_ids = [m.id for m in earlier]
        members = [create_member() for _ in range(30)]
        emails = {m.id: m.email for m in members}
    mailbox.clear()
    ids = list(emails)

    # Each person logs in on one server and enrols on the other, taking turns between A and B.
    browsers, tokens = {}, {}
    for i, member_id in enumerate(ids):
        login_on, enrol_on = (a, b) if i % 2 == 0 else (b, a)
        browsers[member_id] = browser = Browser(login_on.url)
        status, headers = log_in(browser, emails[member_id])
        assert status == 302 and "/login" not in headers["Location"], logs(servers)
        status, _, html = on(browser, enrol_on).get(f"/courses/{slug}")
        assert status == 200 and "2 places left of 10" in html, logs(servers)
        tokens[member_id] = csrf_of_form(html, f"/courses/{slug}/enrol")

    def enrol(member_id):
        return lambda: browsers[member_id].post(f"/courses/{slug}/enrol", {"csrf_token": tokens[member_id]})

    responses = together([enrol(m) for m in ids], timeout=60)

    assert [status for status, _, _ in responses] == [302] * 30, logs(servers)
    assert all(headers["Location"].endswith(f"/courses/{slug}") for _, headers, _ in responses)
    with app.app_context():
        rows = statuses(course_id)
        # No overbooking: the 8 who were there keep their places, 2 of the 30 get the last two.
        assert len(rows) == 38 and set(rows) == set(earlier_ids) | set(ids)
        assert all(rows[m] == ENROLLED for m in earlier_ids)
        assert Counter(rows[m] for m in ids) == {ENROLLED: 2, WAITING: 28}
        assert assert_places_consistent(course_id).places_taken == 10
        # Nobody lost from the waiting list, and nobody sharing a place in it.
        queue = operations.waiting_list(db.session.get(Course, course_id))
        assert {e.member_id for e in queue} == {m for m in ids if rows[m] == WAITING}
        assert sorted(operations.waiting_position(e) for e in queue) == list(range(1, 29))
        # One email per person, of the kind that matches what they got; all sent.
        outbox = outbox_kinds()
        assert {m: dict(outbox[m]) for m in earlier_ids + ids} == {
            **{m: {"enrolled": 1} for m in earlier_ids},
            **{m: {"enrolled" if rows[m] == ENROLLED else "waitlist_joined": 1} for m in ids}}
        mailbox.deliver()  # a delivery round, as `copractice send-mail --watch` runs: requests only queue
        assert set(db.session.scalars(select(OutboxMessage.status))) == {"sent"}
        first, second = queue[0].member_id, queue[1].member_id
        winner = next(m for m in ids if rows[m] == ENROLLED)
    # The real SMTP server received each of the 30 messages once, whichever server sent it.
    delivered = wait_for_mail(mailbox, 30)
    assert Counter(m["To"] for m in delivered) == Counter(emails.values()), logs(servers)
    told = []
    for message in delivered:
        member_id = next(m for m, e in emails.items() if e == message["To"])
        expected = "You have a place on" if rows[member_id] == ENROLLED else "You are on the waiting list for"
        assert message["Subject"].startswith(expected)
        if rows[member_id] == WAITING:
            told.append(int(re.search(r"at number (\d+)", mailbox.body(message)).group(1)))
    # Each person waiting was told a different number, and the numbers are the queue's.
    assert sorted(told) == list(range(1, 29)), sorted(told)

    # A place given up on server A is offered to the first person waiting, who sees it on server B.
    mailbox.clear()
    assert "on the waiting list at number 2.</strong>" in on(browsers[second], b).get(f"/courses/{slug}")[2]
    status, _, _ = post_form_on_page(on(browsers[winner], a), f"/courses/{slug}/cancel")
    assert status == 302, logs(servers)
    status, _, html = on(browsers[first], b).get(f"/courses/{slug}")
    assert status == 200 and "A place is free and it is yours if you want it." in html
    assert "on the waiting list at number 1.</strong>" in on(browsers[second], b).get(f"/courses/{slug}")[2]
    status, _, _ = post_form_on_page(browsers[first], f"/courses/{slug}", f"/courses/{slug}/accept")
    assert status == 302, logs(servers)
    assert "You have a place on this course" in on(browsers[first], a).get(f"/courses/{slug}")[2]
    with app.app_context():
        rows = statuses(course_id)
        assert rows[winner] == CANCELLED and rows[first] == ENROLLED
        assert Counter(rows.values()) == {ENROLLED: 10, WAITING: 27, CANCELLED: 1}
        assert assert_places_consistent(course_id).places_taken == 10
        outbox = outbox_kinds()
        assert outbox[winner] == Counter(enrolled=1, cancelled=1)
        assert outbox[first] == Counter(waitlist_joined=1, place_offered=1, enrolled=1)
    delivered = wait_for_mail(mailbox, 3)
    assert sorted((m["To"], m["Subject"].split(" on ")[0]) for m in delivered) == sorted([
        (emails[winner], "Your place"), (emails[first], "A place is free"), (emails[first], "You have a place")])


def test_a_page_cached_by_one_server_changes_as_soon_as_the_other_server_writes(app, servers):
    """No worker keeps a page (the whole-page cache is gone, issue 12): a write on B shows on every worker of A."""
    a, b = servers
    with app.app_context():
        course = create_course(capacity=3)
        slug, email = course.slug, create_member().email
    visitor = Browser(a.url)
    for _ in range(8):  # two workers of two threads: every one of them has served (and kept) the page
        status, _, html = visitor.get(f"/courses/{slug}")
        assert status == 200 and "3 places left." in html, logs(servers)
    person = Browser(b.url)
    log_in(person, email)
    status, _, _ = post_form_on_page(person, f"/courses/{slug}", f"/courses/{slug}/enrol")
    assert status == 302, logs(servers)
    for _ in range(8):
        _, _, html = visitor.get(f"/courses/{slug}")
        assert "2 places left." in html, logs(servers)


# -- 2. rate limits shared through Redis --------------------------------------------------------------------

@pytest.fixture
def redis_url(tmp_path):
    """A redis-server of our own on a free loopback port, nothing written to disk; stopped afterwards."""
    if not REDIS_SERVER.exists():
        pytest.skip("needs Debian's redis-server at /usr/bin/redis-server (apt-get install redis-server)")
    pytest.importorskip("redis", reason="needs the redis client: pip install -e '.[redis]'")
    port = free_port()
    workdir = tmp_path / "redis"
    workdir.mkdir()
    with open(workdir / "redis.log", "wb") as log:
        process = subprocess.Popen(
            [str(REDIS_SERVER), "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no",
             "--dir", str(workdir)],
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1) as conn:
                    conn.sendall(b"PING\r\n")
                    if conn.recv(64).startswith(b"+PONG"):
                        break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError("redis-server did not start:\n" + (workdir / "redis.log").read_text())
            time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


def failed_login(browser, email, password="not the password"):
    """One login attempt on the browser's server: 200 with the form again, or 429."""
    status, _, html = browser.get("/login")
    assert status == 200
    status, _, html = browser.post("/login", {"email": email, "password": password, "csrf_token": csrf_from(html)})
    if status == 200:
        assert "The email address or password is not right." in html
    elif status == 429:
        assert "Too many attempts" in html
    return status


def test_login_limit_per_account_holds_across_servers_with_redis(app, database_url, smtp_server, tmp_path,
                                                                  redis_url):
    with app.app_context():
        alice, bob = create_member().email, create_member().email
    env = server_env(database_url, smtp_server, tmp_path, RATELIMIT_STORAGE_URI=redis_url,
                     LOGIN_LIMIT_PER_ACCOUNT='"3 per 15 minutes"')
    with two_servers(env, tmp_path) as (a, b):
        browser = Browser(a.url)
        # Alternating A, B, A, B...: the 4th attempt is refused wherever it lands, and so is the right password.
        alice_tries = [failed_login(on(browser, server), alice) for server in (a, b, a, b, a)]
        bob_tries = [failed_login(on(browser, server), bob) for server in (b, a, b, a, b)]
        late = [log_in(on(browser, server), alice)[0] for server in (a, b)]
        server_logs = logs((a, b))

    assert alice_tries == [200, 200, 200, 429, 429], server_logs  # 4th on B
    assert bob_tries == [200, 200, 200, 429, 429], server_logs  # 4th on A
    assert late == [429, 429]
    import redis  # an optional extra, present once redis_url has checked for it

    keys = redis.Redis.from_url(redis_url).keys("*")
    assert any(alice.encode() in key for key in keys), keys  # the counter lives in Redis


def test_with_memory_storage_each_server_counts_on_its_own(app, database_url, smtp_server, tmp_path):
    """The contrast: memory:// keeps counters in each process, so two processes let twice the limit through."""
    with app.app_context():
        email = create_member().email
    env = server_env(database_url, smtp_server, tmp_path, RATELIMIT_STORAGE_URI="memory://",
                     LOGIN_LIMIT_PER_ACCOUNT='"3 per 15 minutes"')
    # One worker process per server, so each server is exactly one counter.
    with two_servers(env, tmp_path, workers=1, threads=1) as (a, b):
        browser = Browser(a.url)
        tries = [failed_login(on(browser, server), email) for server in (a, b) * 4]
        server_logs = logs((a, b))

    # The 4th, 5th and 6th attempts pass: each server has seen only 2 or 3. Each refuses its own 4th.
    assert tries == [200] * 6 + [429, 429], server_logs


# -- 3. one session, any server ------------------------------------------------------------------------------

def test_a_session_from_server_a_works_on_b_and_logging_out_on_b_ends_it_on_a(app, servers):
    a, b = servers
    with app.app_context():
        member = create_member(name="Sam Two-Servers")
        member_id, email, token_before = member.id, member.email, member.session_token

    browser_a = Browser(a.url)
    status, headers = log_in(browser_a, email, remember="y")
    assert status == 302 and headers["Location"].endswith("/account"), logs(servers)
    cookie_names = {cookie.name for cookie in browser_a.cookies}
    assert {"session", "remember_token"} <= cookie_names
    assert "Sam Two-Servers" in browser_a.get("/account")[2]

    # Server B accepts the very cookies server A issued: same secret key, same database.
    browser_b = Browser(b.url)
    for cookie in browser_a.cookies:
        browser_b.cookies.set_cookie(cookie)
    status, _, html = browser_b.get("/account")
    assert status == 200 and "Sam Two-Servers" in html, logs(servers)

    status, headers, _ = post_form_on_page(browser_b, "/account", "/logout")
    assert status == 302 and browser_b.get("/account")[0] == 302

    # Browser A still holds the old session and remember-me cookies; server A no longer accepts them,
    # because logging out on B changed the session token stored in the database.
    status, headers, _ = browser_a.get("/account")
    assert status == 302 and "/login" in headers["Location"], logs(servers)
    with app.app_context():
        assert db.session.get(Member, member_id).session_token != token_before
