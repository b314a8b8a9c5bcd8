"""The page cache never shows a page older than the database, nor one person's page to another."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import text

from copractice import create_app, pagecache
from copractice.courses import operations as course_ops
from copractice.courses.models import Course, CourseFacilitator
from copractice.extensions import db
from tests.conftest import AuthActions, create_member, post_form, test_settings
from tests.factories_courses import create_course
from tests.query_budget import counted_queries


def get(app, client, url):
    """(html, statements run) for one GET that must answer 200."""
    with counted_queries(app) as statements:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.get_data(as_text=True), len(statements)


@pytest.fixture
def course(app):
    with app.app_context():
        made = create_course(title="Listening well", capacity=5)
        return made.id, made.slug


def test_second_view_is_served_from_the_cache_until_something_is_written(app, client, course):
    course_id, slug = course
    first, fresh_statements = get(app, client, f"/courses/{slug}")
    again, cached_statements = get(app, client, f"/courses/{slug}")
    assert again == first and "5 places left" in first
    # Only the look-ups that decide whether the page is still good: the generation and the plugin switches.
    assert cached_statements == 2 < fresh_statements
    with app.test_request_context():
        course_ops.enrol(create_member(), db.session.get(Course, course_id))
        db.session.commit()
    after, statements = get(app, client, f"/courses/{slug}")
    assert "4 places left" in after and statements == fresh_statements


def test_every_committed_write_changes_the_generation_and_a_read_does_not(app):
    with app.app_context():
        postgres = db.engine.dialect.name == "postgresql"
        start = pagecache.current_generation()
        db.session.commit()
        member = create_member()
        after_insert = pagecache.current_generation()
        assert after_insert != start
        db.session.execute(text("UPDATE member SET name = 'Raw SQL counts too' WHERE id = :id"), {"id": member.id})
        db.session.commit()
        after_update = pagecache.current_generation()
        assert after_update != after_insert
        db.session.execute(text("SELECT count(*) FROM member"))
        db.session.commit()
        assert pagecache.current_generation() == after_update
        member.name = "Changed but rolled back"
        db.session.flush()
        db.session.rollback()
        if not postgres:  # PostgreSQL used up a transaction id: a new snapshot, one needless miss
            assert pagecache.current_generation() == after_update
        assert db.session.get(type(member), member.id).name == "Raw SQL counts too"


def test_a_database_without_the_generation_table_still_takes_writes(app):
    """Code deployed before `copractice db upgrade`: writes work and nothing is kept."""
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            pytest.skip("PostgreSQL's generation is its snapshot: no table involved")
        db.session.execute(text("ALTER TABLE page_generation RENAME TO page_generation_away"))
        db.session.commit()
        try:
            member = create_member(name="Still saved")
            assert pagecache.current_generation() is None
        finally:
            db.session.rollback()
            db.session.execute(text("ALTER TABLE page_generation_away RENAME TO page_generation"))
            db.session.commit()
        assert db.session.get(type(member), member.id).name == "Still saved"


def test_a_write_by_another_worker_reaches_pages_cached_here(app, client, course, database_url, smtp_server, tmp_path):
    """A second app (its own engine, its own cache: another worker or server) writes; this one must notice."""
    _, slug = course
    assert "Listening well" in get(app, client, f"/courses/{slug}")[0]
    other = create_app(test_settings(database_url, smtp_server.port, UPLOAD_FOLDER=str(tmp_path / "other")))
    with other.app_context():
        db.session.execute(text("UPDATE course SET title = 'Listening better' WHERE slug = :slug"), {"slug": slug})
        db.session.commit()
        db.engine.dispose()
    html, _ = get(app, client, f"/courses/{slug}")
    assert "Listening better" in html and "Listening well" not in html


def test_one_member_never_sees_anothers_cached_page(app, course):
    _, slug = course
    with app.app_context():
        create_member(email="ann@example.org", name="Ann Able")
        create_member(email="bob@example.org", name="Bob Baker")
    ann, bob, anonymous = app.test_client(), app.test_client(), app.test_client()
    AuthActions(ann).login("ann@example.org")
    AuthActions(bob).login("bob@example.org")
    for _ in range(2):  # the second round is served from the cache
        assert "Log out" in get(app, ann, f"/courses/{slug}")[0]
        public = get(app, anonymous, f"/courses/{slug}")[0]
        assert "Log out" not in public and "Log in to enrol" in public
    for _ in range(2):
        assert "Listening well" not in get(app, bob, "/learning")[0]
    post_form(ann, f"/courses/{slug}/enrol", {}, page=f"/courses/{slug}")
    for _ in range(2):
        assert "Listening well" in get(app, ann, "/learning")[0]
        assert "Listening well" not in get(app, bob, "/learning")[0]


def test_messages_are_shown_even_when_the_page_is_cached(app, client, course):
    _, slug = course
    with app.app_context():
        create_member(email="late@example.org")
        closed = db.session.get(Course, course[0])
        closed.enrolment_closes_at = closed.sessions[0].starts_at - timedelta(days=30)
        db.session.commit()
    AuthActions(client).login("late@example.org")
    get(app, client, f"/courses/{slug}")
    get(app, client, f"/courses/{slug}")  # now cached
    post_form(client, f"/courses/{slug}/enrol", {}, page=f"/courses/{slug}")
    html, _ = get(app, client, f"/courses/{slug}")
    assert 'class="banner banner--error"' in html, "the refusal was swallowed by the cache"
    assert "Enrolment closed on" in html


def test_forms_on_a_cached_register_carry_working_tokens(app, client):
    with app.test_request_context():
        course = create_course(capacity=5, starts_in=timedelta(hours=-1))
        person = create_member(name="Pat Present")
        course_ops.enrol(person, course, organiser=create_member(role="admin"))
        facilitator = create_member(email="fac@example.org", role="facilitator")
        db.session.add(CourseFacilitator(course_id=course.id, member_id=facilitator.id))
        db.session.commit()
        session_id, person_id = course.sessions[0].id, person.id
    AuthActions(client).login("fac@example.org")
    url = f"/manage/sessions/{session_id}/register"
    get(app, client, url)
    page, statements = get(app, client, url)
    assert statements == 2  # served from the cache: only the generation and the plugin switches
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = client.post(f"{url}/{person_id}", data={"csrf_token": token, "status": "present", "remark": ""})
    assert response.status_code == 302
    assert 'value="present" class="mark-button mark-button--present" aria-pressed="true"' in get(app, client, url)[0]


def test_a_facilitator_taken_off_the_course_loses_the_cached_register(app, client):
    with app.test_request_context():
        course = create_course(capacity=5)
        facilitator = create_member(email="fac@example.org", role="facilitator")
        link = CourseFacilitator(course_id=course.id, member_id=facilitator.id)
        db.session.add(link)
        db.session.commit()
        session_id = course.sessions[0].id
    AuthActions(client).login("fac@example.org")
    url = f"/manage/sessions/{session_id}/register"
    get(app, client, url)
    get(app, client, url)
    with app.app_context():
        db.session.execute(text("DELETE FROM course_facilitator"))
        db.session.commit()
    assert client.get(url).status_code == 403


def test_pages_expire_after_the_time_limit(app, client, course, monkeypatch):
    _, slug = course
    clock = [1000.0]
    monkeypatch.setattr(pagecache.time, "monotonic", lambda: clock[0])
    _, fresh = get(app, client, f"/courses/{slug}")
    assert get(app, client, f"/courses/{slug}")[1] < fresh
    clock[0] += app.config["PAGE_CACHE_SECONDS"] + 1
    assert get(app, client, f"/courses/{slug}")[1] == fresh


@pytest.mark.parametrize("app_settings", [{"PAGE_CACHE_SECONDS": 0}])
def test_the_cache_can_be_switched_off(app, client, course):
    _, slug = course
    _, fresh = get(app, client, f"/courses/{slug}")
    assert get(app, client, f"/courses/{slug}")[1] == fresh
    assert len(pagecache.store(app)) == 0


def test_the_store_keeps_to_its_size_dropping_the_least_recently_used():
    entry = pagecache.PageStore.size(("a",), b"x" * 100)  # the page, its key and the overhead
    pages = pagecache.PageStore(max_bytes=8 * entry)
    for name in "abc":
        pages.put((name,), float("inf"), 200, [], b"x" * 100)
    pages.get(("a",))  # used recently: kept
    for name in "defghi":
        pages.put((name,), float("inf"), 200, [], b"x" * 100)
    assert pages.get(("a",)) is not None and pages.get(("b",)) is None and len(pages) == 8
    pages.put(("huge",), float("inf"), 200, [], b"x" * 101)  # more than an eighth of the store: not kept
    assert pages.get(("huge",)) is None


def test_long_addresses_and_exports_are_not_kept(app, client, course):
    """A key's address counts against the store; exports are files, not pages."""
    _, slug = course
    long_url = f"/courses/{slug}?" + "x=" + "y" * 3000
    assert client.get(long_url).status_code == 200 and client.get(long_url).status_code == 200
    with app.app_context():
        admin = create_member(email="admin@example.org", role="admin")
        course_id = course[0]
    assert admin
    AuthActions(client).login("admin@example.org")
    for _ in range(2):
        assert client.get(f"/reports/courses/{course_id}?format=xlsx").status_code == 200
    assert len(pagecache.store(app)) == 0


def test_every_page_the_benchmark_loads_comes_from_the_cache_the_second_time(app):
    """The pages of bench/run.py, as the benchmark asks for them: a second request runs only the look-ups
    that decide whether the stored page is still good: the generation and the plugin switches (read
    every time in tests, where PLUGIN_STATE_TTL is 0). Logged in, not even the member is loaded."""
    from tests.test_query_budgets import clients, seed, urls

    ids = seed(app, 1)
    made = clients(app)
    pages = dict(urls(ids), home=("anonymous", "/"))
    again = {}
    for page, (who, url) in pages.items():
        first, _ = get(app, made[who], url)
        second, statements = get(app, made[who], url)
        assert second == first, page
        again[page] = statements
    expected = {page: 2 for page in pages}
    assert again == expected, again


def test_a_copied_cookie_gets_no_cached_page_after_logging_out(app, client):
    with app.app_context():
        create_member(email="ann@example.org")
    AuthActions(client).login("ann@example.org")
    get(app, client, "/learning")
    get(app, client, "/learning")
    copy = app.test_client()
    copy.set_cookie("session", client.get_cookie("session").value)
    assert copy.get("/learning").status_code == 200  # the same session, from the cache
    AuthActions(client).logout()
    response = copy.get("/learning")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_remember_me_logs_the_member_in_rather_than_serving_the_public_page(app, client, course):
    _, slug = course
    with app.app_context():
        create_member(email="ann@example.org")
    get(app, app.test_client(), f"/courses/{slug}")  # the public page is in the cache
    AuthActions(client).login("ann@example.org", remember="y")
    client.delete_cookie("session")  # the browser was closed: only the remember-me cookie is left
    html, _ = get(app, client, f"/courses/{slug}")
    assert "Log out" in html and "Log in to enrol" not in html
