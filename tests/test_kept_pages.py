"""A member's busiest pages are kept while no table they read changes (copractice/kept_pages.py): permission checks
still run on every request, each session gets its own CSRF token, a message waiting is never lost, and a write that
touches what the page read (by the ORM, by ``text()``, by a Core connection, or by another process) shows at once."""
from datetime import timedelta

import pytest
from sqlalchemy import select, text, update

from copractice import create_app, kept_pages
from copractice.attendance.models import Attendance
from copractice.courses import operations as courses
from copractice.courses.models import Course, CourseFacilitator
from copractice.extensions import db
from copractice.library import operations as library
from copractice.members.models import Member
from copractice.testing import _with_plugins, create_member, csrf_from, log_in, test_settings
from tests.factories_courses import create_course
from tests.query_budget import counted_queries
from tests.test_library import add


@pytest.fixture
def app_settings(tmp_path):
    # A cache every process shares (here a directory both test apps use), as Redis is for several workers.
    return {"CACHE_TYPE": "FileSystemCache", "CACHE_DIR": str(tmp_path / "cache")}


@pytest.fixture
def people(app):
    with app.test_request_context():
        course = create_course(title="Kept course", capacity=10, sessions=2, starts_in=timedelta(days=-1))
        trainee = create_member(email="kept-trainee@example.org", name="Kim Kept")
        fac = create_member(email="kept-fac@example.org", role="facilitator")
        db.session.add(CourseFacilitator(course_id=course.id, member_id=fac.id))
        courses.enrol(trainee, course, organiser=create_member(role="admin"))  # its first session is under way
        db.session.commit()
        return {"course": course.id, "slug": course.slug, "session": course.sessions[0].id, "trainee": trainee.id,
                "fac": fac.id}


def visit(app, client, url):
    """(status, page text, statements run)."""
    with counted_queries(app) as statements:
        response = client.get(url)
    return response.status_code, response.get_data(as_text=True), len(statements)


def test_my_learning_is_kept_until_a_table_it_read_changes(app, client, people):
    log_in(client, "kept-trainee@example.org")
    status, first, built = visit(app, client, "/learning")
    assert status == 200 and "Kept course" in first
    status, again, kept = visit(app, client, "/learning")
    assert status == 200 and kept < built and kept <= 2, (built, kept)  # who is asking, and nothing else
    assert _without_tokens(again) == _without_tokens(first)
    with app.test_request_context():
        library.record_download(add(title="A guide"))  # the library and its counter: My learning read neither
        db.session.commit()
    assert visit(app, client, "/learning")[2] == kept
    with app.test_request_context():
        courses.cancel_place(db.session.get(Member, people["trainee"]), db.session.get(Course, people["course"]))
        db.session.commit()
    status, after, rebuilt = visit(app, client, "/learning")
    assert rebuilt > kept and "Places you cancelled" in after and "Places you cancelled" not in again


def test_the_permission_check_runs_on_every_request(app, client, people):
    log_in(client, "kept-fac@example.org")
    url = f"/manage/sessions/{people['session']}/register"
    assert visit(app, client, url)[0] == 200
    assert visit(app, client, url)[0] == 200  # kept
    with app.test_request_context():
        db.session.execute(text("DELETE FROM course_facilitator WHERE member_id = :m"), {"m": people["fac"]})
        db.session.commit()
    assert visit(app, client, url)[0] in (403, 404)
    other = app.test_client()
    log_in(other, "kept-trainee@example.org")
    assert visit(app, other, url)[0] in (403, 404)


def test_each_session_gets_its_own_csrf_token_and_a_message_is_not_lost(app, people):
    url = f"/manage/sessions/{people['session']}/register"
    first, second = app.test_client(), app.test_client()
    for client in (first, second):
        log_in(client, "kept-fac@example.org")
    built, kept = visit(app, first, url), visit(app, second, url)
    assert kept[2] < built[2]
    assert csrf_from(kept[1]) != csrf_from(built[1])
    response = second.post(f"{url}/marks", data={"csrf_token": csrf_from(kept[1]), "late": people["trainee"]})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(Attendance.status).where(Attendance.member_id == people["trainee"])) == "late"
    second.post(f"{url}/marks", data={"csrf_token": csrf_from(kept[1]), "absent": people["trainee"],
                                      f"remark-{people['trainee']}": "x" * 5000})  # refused, with a message
    status, page, _ = visit(app, second, url)
    assert status == 200 and "That mark could not be saved" in page  # the message, not the kept page
    assert "That mark could not be saved" not in visit(app, second, url)[1]


def test_a_write_by_text_a_core_connection_or_another_process_shows_at_once(app, client, people):
    log_in(client, "kept-trainee@example.org")
    visit(app, client, "/learning")
    kept = visit(app, client, "/learning")[2]
    with app.app_context():  # hand-written SQL through the session
        db.session.execute(text("UPDATE course SET title = 'Renamed by text' WHERE id = :id"), {"id": people["course"]})
        db.session.commit()
    status, page, statements = visit(app, client, "/learning")
    assert "Renamed by text" in page and statements > kept
    with app.app_context(), db.engine.begin() as connection:  # a Core connection, outside the session
        connection.execute(update(Course).where(Course.id == people["course"]).values(title="Renamed by Core"))
    assert "Renamed by Core" in visit(app, client, "/learning")[1]
    worker = create_app(_with_plugins(test_settings(app.config["DATABASE_URL"], app.config["MAIL_PORT"],
                                                    **{k: app.config[k] for k in ("CACHE_TYPE", "CACHE_DIR")}),
                                      app.config.get("EXTRA_PLUGINS", [])))
    try:
        with worker.app_context():  # a second process sharing the cache (another gunicorn worker, a job)
            db.session.execute(update(Course).where(Course.id == people["course"]).values(title="Renamed elsewhere"))
            db.session.commit()
        assert "Renamed elsewhere" in visit(app, client, "/learning")[1]
    finally:
        with worker.app_context():
            db.session.remove()
            db.engine.dispose()


def test_a_write_while_the_page_is_built_keeps_nothing(app, client, people, monkeypatch):
    log_in(client, "kept-trainee@example.org")
    from copractice.attendance import learning

    real = learning.my_learning

    def with_a_write_meanwhile(member, now):
        result = real(member, now)
        with db.engine.begin() as connection:  # another request's write, committed while this page is built
            connection.execute(update(Member).where(Member.id == people["fac"]).values(name="Someone else"))
        return result

    monkeypatch.setattr(learning, "my_learning", with_a_write_meanwhile)
    built = visit(app, client, "/learning")[2]
    monkeypatch.setattr(learning, "my_learning", real)
    again, kept = visit(app, client, "/learning")[2], visit(app, client, "/learning")[2]
    assert built > again > kept  # built again (the first was not kept; it also ran the write), then kept


def test_the_private_calendar_feed_is_kept_and_follows_enrolments(app, client, people):
    with app.test_request_context():
        member = db.session.get(Member, people["trainee"])
        member.calendar_token = "kept-feed-token-" + "x" * 20
        db.session.commit()
    url = f"/calendar/{'kept-feed-token-' + 'x' * 20}.ics"
    status, feed, built = visit(app, client, url)
    assert status == 200 and "Kept course" in feed
    status, again, kept = visit(app, client, url)
    assert again == feed and kept < built
    assert "Set-Cookie" not in client.get(url).headers  # a feed never starts a session
    with app.test_request_context():
        other = create_course(title="Another kept course", starts_in=timedelta(days=9))
        courses.enrol(db.session.get(Member, people["trainee"]), other)
        db.session.commit()
    assert "Another kept course" in visit(app, client, url)[1]


def test_statements_are_sorted_into_reads_and_writes():
    known = frozenset({"course", "session", "attendance", "member"})
    assert kept_pages._tables_named('SELECT "session".id FROM "session" JOIN course ON course.id = 1', known) == \
        {"table:session", "table:course"}
    for sql in ("UPDATE course SET title = 'x'", "/* note */ WITH t AS (SELECT 1) DELETE FROM attendance",
                "-- a comment\nINSERT INTO member VALUES (1)", "(UPDATE course SET x = 1)", "TRUNCATE attendance"):
        assert kept_pages._is_write(sql, None), sql
    for sql in ("SELECT 1", "select * from course for update", "SAVEPOINT sa_savepoint_1",
                "RELEASE SAVEPOINT sa_savepoint_1", "ROLLBACK TO SAVEPOINT sa_savepoint_1"):
        assert not kept_pages._is_write(sql, None), sql


def test_a_piece_from_the_cache_is_part_of_what_the_page_is_kept_under(app):
    from copractice import pieces

    with app.test_request_context():
        token = kept_pages._reads.set(set())
        try:
            assert pieces.remember("a-piece", [1], ["catalogue"], lambda: "built") == "built"
            assert pieces.remember("a-piece", [1], ["catalogue"], lambda: "built again") == "built"  # kept
            assert kept_pages._reads.get() == {"catalogue"}
        finally:
            kept_pages._reads.reset(token)


def test_with_pieces_switched_off_nothing_is_kept(tmp_path, database_url, smtp_server, _extra_plugins):
    app = create_app(_with_plugins(test_settings(database_url, smtp_server.port, CACHE_TYPE="SimpleCache"),
                                   _extra_plugins))  # in-process cache with several workers possible: never kept
    assert not kept_pages.enabled(app)


def _without_tokens(html):
    import re

    return re.sub(r'name="csrf_token" type="hidden" value="[^"]+"', "", html)
