"""Enrolment under load never overbooks and never duplicates: threads, processes, real HTTP.

Each test releases its callers together with a barrier and then counts rows exactly. The same
tests run on SQLite and, with COPRACTICE_TEST_DATABASE_URL set, on PostgreSQL.
"""
import time
from collections import Counter, defaultdict
from datetime import timedelta

import pytest
from sqlalchemy import select

from copractice.courses import operations
from copractice.courses.models import (
    CANCELLED,
    ENROLLED,
    OFFER_EXPIRED,
    OFFERED,
    WAITING,
    Course,
    Enrolment,
)
from copractice.extensions import db
from copractice.members.models import Member
from copractice.notifications.models import Notice, OutboxMessage
from copractice.timeutil import utcnow
from tests.concurrency_helpers import (
    Browser,
    Gunicorn,
    assert_places_consistent,
    at_once,
    csrf_of_form,
    statuses,
    together,
)
from tests.conftest import PASSWORD, create_member, csrf_from, free_port
from tests.factories_courses import create_course


@pytest.fixture
def app_settings():
    # A pool big enough for every thread to hold a connection at once: the most contention.
    return {"SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True, "pool_size": 40, "max_overflow": 0}}


def _ids(members):
    return [m.id for m in members]


def _enrol(member_id, course_id, **kwargs):
    return lambda: operations.enrol(db.session.get(Member, member_id), db.session.get(Course, course_id),
                                    **kwargs).status


def _cancel(member_id, course_id):
    return lambda: operations.cancel_place(db.session.get(Member, member_id), db.session.get(Course, course_id)).status


def _outbox_kinds():
    """{member_id: Counter of email kinds queued for them}."""
    kinds = defaultdict(Counter)
    for member_id, kind in db.session.execute(select(OutboxMessage.member_id, OutboxMessage.kind)):
        kinds[member_id][kind] += 1
    return kinds


def _wait_for_mail(mailbox, count, timeout=10):
    deadline = time.monotonic() + timeout
    while len(mailbox.messages) < count and time.monotonic() < deadline:
        time.sleep(0.05)
    return list(mailbox.messages)


def _queue(course_id, members, start):
    """Enrol ``members`` one after another, a second apart, so the queue order is certain."""
    course = db.session.get(Course, course_id)
    for i, member in enumerate(members):
        operations.enrol(member, course, now=start + timedelta(seconds=i))
    db.session.commit()


# -- 1. many members, one course, threads ----------------------------------------------------------------

def test_thirty_members_at_once_fill_five_places_and_queue_the_rest(app, mailbox):
    with app.app_context():
        course_id = create_course(capacity=5).id
        member_ids = _ids(create_member() for _ in range(30))

    results = at_once(app, [_enrol(m, course_id) for m in member_ids])

    assert Counter(results) == {ENROLLED: 5, WAITING: 25}
    with app.app_context():
        rows = statuses(course_id)
        assert len(rows) == 30 and set(rows) == set(member_ids)
        assert Counter(rows.values()) == {ENROLLED: 5, WAITING: 25}
        assert assert_places_consistent(course_id).places_taken == 5
        # Each thread's answer is what the database holds for that member.
        assert dict(zip(member_ids, results, strict=True)) == rows
        # The waiting list numbers 1..25 with no two people sharing a place in it.
        queue = operations.waiting_list(db.session.get(Course, course_id))
        assert sorted(operations.waiting_position(e) for e in queue) == list(range(1, 26))
        # One email and one notice per member, of the kind that matches what they got.
        outbox = _outbox_kinds()
        assert {m: dict(outbox[m]) for m in member_ids} == {
            m: {"enrolled" if rows[m] == ENROLLED else "waitlist_joined": 1} for m in member_ids}
        notices = Counter(db.session.scalars(select(Notice.member_id)))
        assert notices == Counter(member_ids)
        mailbox.deliver()  # a delivery round, as `copractice send-mail --watch` runs: requests only queue
        assert set(db.session.scalars(select(OutboxMessage.status))) == {"sent"}
        addresses = {m.id: m.email for m in db.session.scalars(select(Member))}
    assert Counter(m["To"] for m in mailbox.messages) == Counter(addresses[m] for m in member_ids)


# -- 2. one member, double click -------------------------------------------------------------------------

def test_one_member_clicking_ten_times_at_once_gets_one_place(app, mailbox):
    with app.app_context():
        course_id = create_course(capacity=5).id
        member = create_member()
        member_id, email = member.id, member.email

    results = at_once(app, [_enrol(member_id, course_id) for _ in range(10)])

    assert results == [ENROLLED] * 10
    with app.app_context():
        assert statuses(course_id) == {member_id: ENROLLED}
        assert assert_places_consistent(course_id).places_taken == 1
        assert _outbox_kinds() == {member_id: Counter(enrolled=1)}
    assert [m["To"] for m in mailbox.messages] == [email]


def test_one_member_clicking_join_waiting_list_ten_times_queues_them_once(app):
    with app.app_context():
        course_id = create_course(capacity=1).id
        first, member = create_member(), create_member()
        first_id, member_id = first.id, member.id
        with app.test_request_context():
            operations.enrol(first, db.session.get(Course, course_id))
            db.session.commit()

    results = at_once(app, [_enrol(member_id, course_id) for _ in range(10)])

    assert results == [WAITING] * 10
    with app.app_context():
        assert statuses(course_id) == {first_id: ENROLLED, member_id: WAITING}
        assert assert_places_consistent(course_id).places_taken == 1
        assert _outbox_kinds()[member_id] == Counter(waitlist_joined=1)


def test_a_member_who_cancelled_and_clicks_enrol_ten_times_comes_back_once(app):
    with app.app_context():
        course_id = create_course(capacity=2).id
        member = create_member()
        member_id = member.id
        with app.test_request_context():
            operations.enrol(member, db.session.get(Course, course_id))
            operations.cancel_place(member, db.session.get(Course, course_id))
            db.session.commit()
        assert assert_places_consistent(course_id).places_taken == 0

    results = at_once(app, [_enrol(member_id, course_id) for _ in range(10)])

    assert results == [ENROLLED] * 10
    with app.app_context():
        assert statuses(course_id) == {member_id: ENROLLED}
        assert assert_places_consistent(course_id).places_taken == 1
        assert _outbox_kinds()[member_id] == Counter(enrolled=2, cancelled=1)


# -- 3. several processes, real HTTP ----------------------------------------------------------------------

@pytest.fixture
def server(app, database_url, smtp_server, tmp_path):
    """gunicorn with three worker processes of two threads each, on the suite's database."""
    env = {
        "COPRACTICE_ENV": "testing",
        "COPRACTICE_DATABASE_URL": database_url,
        "COPRACTICE_SECRET_KEY": '"concurrency-test-secret-key"',
        "COPRACTICE_MAIL_SERVER": '"127.0.0.1"',
        "COPRACTICE_MAIL_PORT": str(smtp_server.port),
        "COPRACTICE_MAIL_TIMEOUT": "10",
        "COPRACTICE_UPLOAD_FOLDER": str(tmp_path / "uploads"),
        # Every browser logs in from 127.0.0.1; the per-address limit is not what is tested here.
        "COPRACTICE_LOGIN_LIMIT_PER_ADDRESS": '"1000 per minute"',
    }
    gunicorn = Gunicorn(free_port(), env, tmp_path / "gunicorn.log", workers=3, threads=2)
    try:
        gunicorn.wait_until_answering(timeout=30)
        yield gunicorn
    finally:
        gunicorn.stop()


def _log_in(browser, email):
    status, _, html = browser.get("/login")
    assert status == 200
    status, headers, _ = browser.post("/login", {"email": email, "password": PASSWORD,
                                                 "csrf_token": csrf_from(html)})
    assert status == 302 and "/login" not in headers["Location"], f"{email} could not log in"


def test_gunicorn_workers_fill_four_places_over_http_and_mail_each_member_once(app, server, mailbox):
    with app.app_context():
        course = create_course(capacity=4)
        course_id, slug = course.id, course.slug
        members = [create_member() for _ in range(24)]
        emails = {m.id: m.email for m in members}

    browsers = {}
    for member_id, email in emails.items():
        browsers[member_id] = browser = Browser(server.url)
        _log_in(browser, email)
    tokens = {}
    for member_id, browser in browsers.items():
        status, _, html = browser.get(f"/courses/{slug}")
        assert status == 200, server.log()
        tokens[member_id] = csrf_of_form(html, f"/courses/{slug}/enrol")

    def post_enrol(member_id):
        return lambda: browsers[member_id].post(f"/courses/{slug}/enrol", {"csrf_token": tokens[member_id]})

    responses = together([post_enrol(m) for m in emails], timeout=60)

    assert [status for status, _, _ in responses] == [302] * 24, server.log()
    assert all(headers["Location"].endswith(f"/courses/{slug}") for _, headers, _ in responses)
    with app.app_context():
        rows = statuses(course_id)
        assert len(rows) == 24 and set(rows) == set(emails)
        assert Counter(rows.values()) == {ENROLLED: 4, WAITING: 20}
        assert assert_places_consistent(course_id).places_taken == 4
        outbox = _outbox_kinds()
        assert {m: dict(outbox[m]) for m in emails} == {
            m: {"enrolled" if rows[m] == ENROLLED else "waitlist_joined": 1} for m in emails}
    # Every message reached the SMTP server exactly once, whichever worker sent it.
    delivered = _wait_for_mail(mailbox, 24)
    assert Counter(m["To"] for m in delivered) == Counter(emails.values()), server.log()
    # Each person's own page agrees with the database.
    for member_id, browser in list(browsers.items())[:3]:
        _, _, html = browser.get(f"/courses/{slug}")
        expected = "You have a place on this course" if rows[member_id] == ENROLLED else "You are on the waiting list"
        assert expected in html


# -- 4. cancellations at once -------------------------------------------------------------------------------

def test_three_cancellations_at_once_offer_the_next_three_in_queue_order(app):
    with app.app_context():
        course_id = create_course(capacity=3).id
        members = [create_member() for _ in range(9)]
        with app.test_request_context():
            _queue(course_id, members, utcnow() - timedelta(hours=1))
        ids = _ids(members)
        assert Counter(statuses(course_id).values()) == {ENROLLED: 3, WAITING: 6}
        db.session.query(OutboxMessage).delete()
        db.session.commit()

    results = at_once(app, [_cancel(m, course_id) for m in ids[:3]])

    assert results == [CANCELLED] * 3
    with app.app_context():
        assert statuses(course_id) == {**{m: CANCELLED for m in ids[:3]}, **{m: OFFERED for m in ids[3:6]},
                                       **{m: WAITING for m in ids[6:]}}
        assert assert_places_consistent(course_id).places_taken == 3
        # Nobody was offered a place twice, and the ones still waiting keep their order.
        assert {m: k["place_offered"] for m, k in _outbox_kinds().items() if k["place_offered"]} == {
            m: 1 for m in ids[3:6]}
        queue = operations.waiting_list(db.session.get(Course, course_id))
        assert [e.member_id for e in queue] == ids[6:]


def test_one_member_cancelling_five_times_at_once_frees_one_place(app):
    with app.app_context():
        course_id = create_course(capacity=1).id
        members = [create_member() for _ in range(3)]
        with app.test_request_context():
            _queue(course_id, members, utcnow() - timedelta(hours=1))
        ids = _ids(members)

    def cancel():
        try:
            return _cancel(ids[0], course_id)()
        except operations.EnrolmentRefused:
            return "refused"

    results = at_once(app, [cancel] * 5)

    assert Counter(results) == {CANCELLED: 1, "refused": 4}
    with app.app_context():
        assert statuses(course_id) == {ids[0]: CANCELLED, ids[1]: OFFERED, ids[2]: WAITING}
        assert assert_places_consistent(course_id).places_taken == 1
        assert _outbox_kinds()[ids[1]]["place_offered"] == 1


def test_new_members_enrolling_while_others_cancel_queue_behind_those_already_waiting(app):
    with app.app_context():
        course_id = create_course(capacity=3).id
        members = [create_member() for _ in range(6)]
        newcomers = _ids(create_member() for _ in range(10))
        with app.test_request_context():
            _queue(course_id, members, utcnow() - timedelta(hours=1))
        ids = _ids(members)

    results = at_once(app, [_cancel(m, course_id) for m in ids[:3]] + [_enrol(m, course_id) for m in newcomers])

    assert results == [CANCELLED] * 3 + [WAITING] * 10
    with app.app_context():
        assert statuses(course_id) == {**{m: CANCELLED for m in ids[:3]}, **{m: OFFERED for m in ids[3:]},
                                       **{m: WAITING for m in newcomers}}
        assert assert_places_consistent(course_id).places_taken == 3
        queue = operations.waiting_list(db.session.get(Course, course_id))
        assert sorted(e.member_id for e in queue) == sorted(newcomers)


# -- 5. offers running out, swept by several workers at once -------------------------------------------------------

def _three_open_offers(app, queued):
    """A course of 3 with ``queued`` people waiting; the 3 enrolled cancelled, so the first 3 waiting hold offers."""
    with app.app_context():
        course_id = create_course(capacity=3).id
        members = [create_member() for _ in range(3 + queued)]
        ids = _ids(members)
        with app.test_request_context():
            _queue(course_id, members, utcnow() - timedelta(hours=1))
            for member in members[:3]:
                operations.cancel_place(member, db.session.get(Course, course_id))
            db.session.commit()
        assert Counter(statuses(course_id).values()) == {CANCELLED: 3, OFFERED: 3, WAITING: queued - 3}
    return course_id, ids


def test_sweeping_expired_offers_from_four_threads_passes_each_place_on_once(app):
    course_id, ids = _three_open_offers(app, queued=9)
    later = utcnow() + timedelta(days=365)

    results = at_once(app, [lambda: operations.expire_offers(now=later)] * 4)

    assert sum(results) == 3
    with app.app_context():
        assert statuses(course_id) == {**{m: CANCELLED for m in ids[:3]}, **{m: OFFER_EXPIRED for m in ids[3:6]},
                                       **{m: OFFERED for m in ids[6:9]}, **{m: WAITING for m in ids[9:]}}
        assert assert_places_consistent(course_id).places_taken == 3
        outbox = _outbox_kinds()
        assert {m: outbox[m]["offer_expired"] for m in ids if outbox[m]["offer_expired"]} == {m: 1 for m in ids[3:6]}
        assert {m: outbox[m]["place_offered"] for m in ids if outbox[m]["place_offered"]} == {m: 1 for m in ids[3:9]}


def test_accepting_while_the_offer_is_swept_ends_one_way_only(app):
    course_id, ids = _three_open_offers(app, queued=6)
    with app.app_context():
        expires = db.session.scalar(select(Enrolment.offer_expires_at).where(Enrolment.member_id == ids[3]))

    def accept(member_id):
        def call():
            try:
                return operations.accept_offer(db.session.get(Member, member_id), db.session.get(Course, course_id),
                                               now=expires - timedelta(seconds=1)).status
            except operations.EnrolmentRefused:
                return "refused"
        return call

    results = at_once(app, [accept(m) for m in ids[3:6]]
                      + [lambda: operations.expire_offers(now=expires + timedelta(seconds=1))] * 2)

    accepted = [m for m, r in zip(ids[3:6], results[:3], strict=True) if r == ENROLLED]
    swept = sum(results[3:])
    assert len(accepted) + swept == 3  # every offer ended exactly one way
    with app.app_context():
        rows = statuses(course_id)
        assert {m for m in ids[3:6] if rows[m] == ENROLLED} == set(accepted)
        assert Counter(rows[m] for m in ids[3:6]) == +Counter({ENROLLED: len(accepted), OFFER_EXPIRED: swept})
        # Each expired offer went to exactly one of the people still waiting, in order.
        assert [rows[m] for m in ids[6:]] == [OFFERED] * swept + [WAITING] * (3 - swept)
        assert assert_places_consistent(course_id).places_taken == 3
