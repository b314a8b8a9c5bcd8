"""A member's busiest pages are kept while no table they read changes (copractice/kept_pages.py): permission checks
still run on every request, each session gets its own CSRF token, a message waiting is never lost, and a write that
touches what the page read (by the ORM, by ``text()``, by a Core connection, or by another process) shows at once."""
from datetime import UTC, timedelta

import pytest
from sqlalchemy import select, text, update

from copractice import create_app, kept_pages
from copractice.attendance import operations as attendance_ops
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
    # Kept for 5 minutes: a slow host must not see a page expire between two visits a test expects to share it.
    return {"CACHE_TYPE": "FileSystemCache", "CACHE_DIR": str(tmp_path / "cache"), "KEPT_PAGE_SECONDS": 300}


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


def test_statements_are_sorted_into_reads_and_writes(app):
    named = kept_pages._tables_named('SELECT course_session.id FROM course_session JOIN course ON course.id = 1')
    assert named == {"table:course_session", "table:course"}
    for sql in ("UPDATE course SET title = 'x'", "/* note */ WITH t AS (SELECT 1) DELETE FROM attendance",
                "-- a comment\nINSERT INTO member VALUES (1)", "(UPDATE course SET x = 1)", "TRUNCATE attendance",
                "EXPLAIN ANALYZE DELETE FROM attendance",
                "WITH gone AS (DELETE FROM attendance RETURNING id) SELECT count(*) FROM gone"):
        assert kept_pages._is_write(sql, None), sql
    for sql in ("SELECT 1", "select * from course for update", "SAVEPOINT sa_savepoint_1",
                "RELEASE SAVEPOINT sa_savepoint_1", "ROLLBACK TO SAVEPOINT sa_savepoint_1",
                "SELECT title FROM course WHERE summary LIKE '%update%'"):
        assert not kept_pages._is_write(sql, None), sql
    # A delete of a session takes its marks with it (ON DELETE CASCADE): both are written.
    assert "table:attendance" in kept_pages._with_cascades({"table:course_session"})


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


def test_each_member_gets_their_own_page_and_an_address_with_a_query_is_not_kept(app, people):
    with app.test_request_context():
        other = create_member(email="kept-other@example.org", name="Olu Other")
        courses.enrol(other, create_course(title="Olu only course", starts_in=timedelta(days=5)))
        db.session.commit()
    kim, olu = app.test_client(), app.test_client()
    log_in(kim, "kept-trainee@example.org")
    log_in(olu, "kept-other@example.org")
    for _ in range(2):  # built, then kept, for each
        kims, olus = visit(app, kim, "/learning")[1], visit(app, olu, "/learning")[1]
        assert "Kept course" in kims and "Olu only course" not in kims
        assert "Olu only course" in olus and "Kept course" not in olus
    built = visit(app, kim, "/learning?x=1")[2]
    assert visit(app, kim, "/learning?x=2")[2] == built  # each address built: none takes a place in the cache


def _refuse_course_run(monkeypatch):
    from copractice import permissions

    rule = permissions._RULES["course.run"]
    monkeypatch.setitem(permissions._RULES, "course.run", lambda member, obj: False)
    return rule


def test_a_permission_lost_without_any_write_is_still_refused(app, client, people, monkeypatch):
    log_in(client, "kept-fac@example.org")
    url = f"/manage/sessions/{people['session']}/register"
    assert visit(app, client, url)[0] == 200
    assert visit(app, client, url)[0] == 200  # kept now
    _refuse_course_run(monkeypatch)  # nothing written: the kept page is still good, but the rule says no
    assert visit(app, client, url)[0] in (403, 404)


def test_a_feed_address_revoked_behind_the_apps_back_is_not_found(app, client, people):
    token = "kept-feed-revoked-" + "y" * 20
    with app.app_context():
        db.session.execute(update(Member).where(Member.id == people["trainee"]).values(calendar_token=token))
        db.session.commit()
    url = f"/calendar/{token}.ics"
    assert visit(app, client, url)[0] == 200
    assert visit(app, client, url)[0] == 200  # kept now
    with app.app_context():  # straight through the driver: no statement event sees it, no token is renewed
        raw = db.engine.raw_connection()
        try:
            cursor = raw.cursor()
            cursor.execute(f"UPDATE member SET calendar_token = NULL WHERE id = {int(people['trainee'])}")
            raw.commit()
        finally:
            raw.close()
    assert visit(app, client, url)[0] == 404


def test_a_kept_page_lasts_no_longer_than_its_time_or_the_registers_next_change(app, client, people, monkeypatch):
    log_in(client, "kept-trainee@example.org")
    built = visit(app, client, "/learning")[2]
    kept = visit(app, client, "/learning")[2]
    assert kept < built
    later = kept_pages.time.time() + app.config["KEPT_PAGE_SECONDS"] + 1
    monkeypatch.setattr(kept_pages.time, "time", lambda: later)
    assert visit(app, client, "/learning")[2] == built  # it ran out: built again
    monkeypatch.undo()
    app.config["KEPT_PAGE_SECONDS"] = 7 * 24 * 3600  # long: only the register's own next change ends it
    with app.test_request_context():
        soon = create_course(title="In two days", starts_in=timedelta(days=2))
        db.session.add(CourseFacilitator(course_id=soon.id, member_id=people["fac"]))
        db.session.commit()
        soon_session, opens = soon.sessions[0].id, attendance_ops.checkin_window(soon.sessions[0])[0]
    fac = app.test_client()
    log_in(fac, "kept-fac@example.org")
    url = f"/manage/sessions/{soon_session}/register"
    built = visit(app, fac, url)[2]
    assert visit(app, fac, url)[2] < built  # kept
    when_open = opens.replace(tzinfo=UTC).timestamp() + 1
    monkeypatch.setattr(kept_pages.time, "time", lambda: when_open)
    assert visit(app, fac, url)[2] == built  # check-in has opened: built again, with its buttons


class _Broken:
    """A cache that has gone away: every call fails."""

    def __getattr__(self, name):
        def fail(*args, **kwargs):
            raise ConnectionError("the cache is down")
        return fail


def test_with_the_cache_down_pages_answer_and_writes_are_kept(app, people, monkeypatch):
    from copractice.extensions import cache

    client = app.test_client()
    log_in(client, "kept-fac@example.org")
    url = f"/manage/sessions/{people['session']}/register"
    page = visit(app, client, url)[1]
    monkeypatch.setitem(app.extensions["cache"], cache, _Broken())
    monkeypatch.setattr(kept_pages.pieces, "renew", _Broken().renew)  # the renewals after each transaction fail too
    assert visit(app, client, url)[0] == 200
    response = client.post(f"{url}/marks", data={"csrf_token": csrf_from(page), "late": people["trainee"]})
    assert response.status_code == 302  # the mark was saved and said so, though its tokens could not be renewed
    with app.app_context():
        assert db.session.scalar(select(Attendance.status).where(Attendance.member_id == people["trainee"])) == "late"
    with app.app_context():
        assert db.engine.pool.checkedout() == 0  # every connection went back, though its renewal failed


# -- finer than tables: rows that say whose they are ----------------------------------------------------------------

def _elsewhere(app, email, capacity=10):
    """Another course, under way, with a member of its own on it: (course id, session id, member id)."""
    with app.test_request_context():
        course = create_course(title=f"Elsewhere {email}", capacity=capacity, sessions=1,
                               starts_in=timedelta(hours=-1))
        member = create_member(email=email)
        courses.enrol(member, course, organiser=create_member(role="admin"))
        db.session.commit()
        return course.id, course.sessions[0].id, member.id


def _mark(app, session_id, member_id, status="present"):
    from copractice.courses.models import Session

    with app.test_request_context():
        attendance_ops.mark(None, db.session.get(Session, session_id), member_id, status)
        db.session.commit()


def test_a_mark_on_another_course_leaves_the_register_and_the_report_kept(app, client, people):
    log_in(client, "kept-fac@example.org")
    pages = (f"/manage/sessions/{people['session']}/register", f"/reports/courses/{people['course']}")
    _, elsewhere_session, elsewhere_member = _elsewhere(app, "kept-elsewhere@example.org")
    built = [visit(app, client, url)[2] for url in pages]
    kept = [visit(app, client, url)[2] for url in pages]
    assert all(k < b for k, b in zip(kept, built, strict=True))
    _mark(app, elsewhere_session, elsewhere_member)  # a check-in in another room
    assert [visit(app, client, url)[2] for url in pages] == kept
    _mark(app, people["session"], people["trainee"], "late")  # this course's own register
    status, page, statements = visit(app, client, pages[0])
    assert status == 200 and statements > kept[0]
    assert visit(app, client, pages[1])[2] > kept[1]
    assert [visit(app, client, url)[2] for url in pages] == kept  # kept again
    with app.test_request_context():  # a write that does not say whose rows: every page of the table is built
        db.session.execute(text("UPDATE attendance SET remark = 'by hand' WHERE member_id = :m"),
                           {"m": elsewhere_member})
        db.session.commit()
    assert all(visit(app, client, url)[2] > k for url, k in zip(pages, kept, strict=True))


def test_my_learning_stays_kept_through_other_members_and_follows_its_own(app, client, people):
    log_in(client, "kept-trainee@example.org")
    full, full_session, first = _elsewhere(app, "kept-first@example.org", capacity=1)
    with app.test_request_context():
        waiting = create_member(email="kept-waiting@example.org")
        courses.enrol(waiting, db.session.get(Course, full))  # number 1 on the waiting list
        db.session.commit()
    visit(app, client, "/learning")
    kept = visit(app, client, "/learning")[2]
    _mark(app, full_session, first)  # other members' rows of a course the trainee is not on
    assert visit(app, client, "/learning")[2] == kept
    with app.test_request_context():  # the trainee joins the waiting list: their own row
        courses.enrol(db.session.get(Member, people["trainee"]), db.session.get(Course, full))
        db.session.commit()
    status, page, _ = visit(app, client, "/learning")
    assert "number 2 on the waiting list" in page
    assert visit(app, client, "/learning")[2] == kept  # kept again
    with app.test_request_context():  # someone ahead leaves: not the trainee's row, but the course they wait for
        courses.leave_waiting_list(db.session.get(Member, _id(app, "kept-waiting@example.org")),
                                   db.session.get(Course, full))
        db.session.commit()
    assert "number 1 on the waiting list" in visit(app, client, "/learning")[1]
    with app.test_request_context():  # the one with the place gives it up: it is offered to the trainee
        courses.cancel_place(db.session.get(Member, first), db.session.get(Course, full))
        db.session.commit()
    assert "number 1 on the waiting list" not in visit(app, client, "/learning")[1]


def _id(app, email):
    with app.app_context():
        return db.session.scalar(select(Member.id).where(Member.email == email))


def test_an_operation_says_whose_rows_it_writes(app):
    with app.test_request_context():
        assert kept_pages.writing_for() is None
        with kept_pages.belongs_to(courses=[7], members=[9]):
            assert kept_pages.writing_for() == {"course:7", "member:9"}
            with kept_pages.belongs_to(members=[10]):  # inside another: both say whose
                assert kept_pages.writing_for() == {"course:7", "member:9", "member:10"}
            with kept_pages.outside_scope():
                assert kept_pages.writing_for() is None
            assert kept_pages.writing_for() == {"course:7", "member:9"}
        assert kept_pages.writing_for() is None
    written = kept_pages._whose({"table:attendance", "table:audit_log"}, {"course:7"})
    assert written == {"table:attendance", "table:attendance:course:7", "table:audit_log"}
    assert kept_pages._whose({"table:attendance"}, None) == {"table:attendance", "table:attendance:anyone"}
    assert kept_pages._showing({"table:attendance", "table:member"}, {"course:7"}) == {
        "table:attendance:anyone", "table:attendance:course:7", "table:member"}
    assert kept_pages._showing({"table:attendance"}, set()) == {"table:attendance"}  # says nobody's: any rows
    assert kept_pages._whose({"table:member", "table:audit_log"}, None, 5) == {"table:member:own:5", "table:audit_log"}
    assert kept_pages._showing({"table:member"}, None, 5) == {"table:member", "table:member:own:5"}
    lasting = {name: kept_pages._lasting(name) for name in (
        "table:course:course:5", "table:attendance:member:9", "table:course:anyone", "table:course", "course:5")}
    assert lasting == {"table:course:course:5": kept_pages.ROWS_SECONDS,
                       "table:attendance:member:9": kept_pages.ROWS_SECONDS,
                       "table:course:anyone": 0, "table:course": 0, "course:5": 0}


def test_what_a_plugins_code_reads_counts_as_the_whole_table(app):
    """A plugin's report column may count every course's marks: the page is then built again by any mark."""
    with app.test_request_context():
        token = kept_pages._reads.set(set())
        try:
            kept_pages.as_plugin(lambda: db.session.execute(select(Attendance.id)).all())
            db.session.execute(select(Course.id)).all()
            reads = kept_pages._reads.get()
        finally:
            kept_pages._reads.reset(token)
    assert kept_pages._showing(reads, {"course:1"}) == {
        "table:attendance", "table:attendance:anyone", "table:attendance:course:1",
        "table:course:anyone", "table:course:course:1"}


class TestPluginsHooks:
    @pytest.fixture
    def app_settings(self, tmp_path):
        return {"CACHE_TYPE": "FileSystemCache", "CACHE_DIR": str(tmp_path / "cache"), "KEPT_PAGE_SECONDS": 300,
                "EXTRA_PLUGINS": ["watcher=tests.plugins.attendance_plugin"]}

    def test_a_plugins_hook_inside_an_operation_does_not_write_for_it(self, app, runner, people):
        """A plugin may write anyone's rows: its writes renew whole tables, whatever the mark it was told of."""
        from tests.plugins import attendance_plugin

        assert runner.invoke(args=["plugins", "enable", "watcher"]).exit_code == 0
        attendance_plugin.WRITING_FOR.clear()
        _mark(app, people["session"], people["trainee"])
        assert attendance_plugin.WRITING_FOR == [None]


def test_a_members_own_settings_build_only_their_own_pages_again(app, client, people):
    """Reading settings, a sign-in token, a calendar address: only the member's own pages show them."""
    from copractice.members.operations import set_password
    from copractice.reading import save_reading_settings

    log_in(client, "kept-trainee@example.org")
    fac = app.test_client()
    log_in(fac, "kept-fac@example.org")
    register = f"/manage/sessions/{people['session']}/register"
    visit(app, client, "/learning")
    visit(app, fac, register)
    mine, theirs = visit(app, client, "/learning")[2], visit(app, fac, register)[2]
    with app.test_request_context():
        save_reading_settings(db.session.get(Member, people["trainee"]), text_size="largest", spacing="standard",
                              contrast="standard", reduced_motion=False)
        db.session.commit()
    assert visit(app, fac, register)[2] == theirs  # the register shows the trainee's name, not their settings
    status, page, statements = visit(app, client, "/learning")
    assert status == 200 and statements > mine and "reading-text-largest" in page
    client.post("/logout", data={"csrf_token": csrf_from(page)})  # a new sign-in token: nobody else's page
    assert visit(app, fac, register)[2] == theirs
    with app.test_request_context():  # a new password (and so a new sign-in token): nobody else's page either
        set_password(db.session.get(Member, people["trainee"]), "another long password")
        db.session.commit()
    assert visit(app, fac, register)[2] == theirs
    with app.test_request_context():  # a name is on other members' pages
        db.session.get(Member, people["trainee"]).name = "Kim Renamed"
        db.session.commit()
    assert "Kim Renamed" in visit(app, fac, register)[1]


def test_one_page_is_kept_under_one_address(app, client, people):
    log_in(client, "kept-fac@example.org")
    url = f"/reports/courses/{people['course']}"
    visit(app, client, url)
    kept = visit(app, client, url)[2]
    padded = f"/reports/courses/00{people['course']}"
    status, _, built = visit(app, client, padded)
    assert status == 200 and built > kept and visit(app, client, padded)[2] == built  # served, never kept


def test_a_site_mounted_under_a_path_keeps_its_pages_too(app, client, people):
    """Behind a proxy that mounts the site at /training (SCRIPT_NAME), the page's own address is the mounted one."""
    log_in(client, "kept-fac@example.org")
    url = f"/reports/courses/{people['course']}"
    mounted = "http://localhost/training"

    def visit_mounted():
        with counted_queries(app) as statements:
            response = client.get(url, base_url=mounted)
        return response.status_code, response.get_data(as_text=True), len(statements)

    status, page, built = visit_mounted()
    assert status == 200 and 'href="/training/' in page  # its links are under the mount point
    status, _, kept = visit_mounted()
    assert status == 200 and kept < built
