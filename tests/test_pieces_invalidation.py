"""Flask-Caching keeps the catalogue's order and each theme's most-used resources; exactly the writes that change
what they are built from forget them (copractice/pieces.py). A check-in, a mark or a download forgets nothing."""
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from copractice.attendance import operations as attendance
from copractice.courses import catalogue as finder
from copractice.courses import operations as courses
from copractice.courses.models import Course, Session
from copractice.extensions import db
from copractice.library import operations as library
from copractice.members.models import Member
from copractice.timeutil import utcnow
from tests.conftest import create_member
from tests.factories_courses import create_course
from tests.query_budget import counted_queries
from tests.test_library import add


@pytest.fixture
def app_settings():
    return {"CACHE_TYPE": "SimpleCache", "PIECES_IN_PROCESS": True}  # one process: the test's


def titles(html):
    import re

    return re.findall(r'<h2 class="card__title"><a href="/courses/[^"]+">([^<]+)</a>', html)


def visit(app, client, url, marker):
    """(titles or page text, whether the piece was built: a statement containing ``marker`` ran)."""
    with counted_queries(app) as statements:
        response = client.get(url)
    assert response.status_code == 200
    return response.get_data(as_text=True), any(marker in s for s in statements)


def catalogue(app, client, url="/courses"):
    html, built = visit(app, client, url, "candidates")
    return titles(html), built


@pytest.fixture
def courses_with_people(app):
    with app.test_request_context():
        soon = create_course(title="Soon", capacity=2, starts_in=timedelta(days=2), sessions=2)
        later = create_course(title="Later", capacity=5, starts_in=timedelta(days=8))
        member, other = create_member(), create_member()
        courses.enrol(member, soon)
        db.session.commit()
        return {"soon": soon.id, "later": later.id, "member": member.id, "other": other.id}


def test_the_order_is_kept_and_a_check_in_mark_or_download_keeps_it(app, client, courses_with_people):
    ids = courses_with_people
    assert catalogue(app, client) == (["Soon", "Later"], True)
    assert catalogue(app, client) == (["Soon", "Later"], False)  # kept
    with app.test_request_context():
        session = db.session.scalar(select(Session).where(Session.course_id == ids["soon"]).order_by(Session.starts_at))
        now = session.starts_at - timedelta(minutes=5)
        code, _ = attendance.current_checkin_code(session, now)
        member = db.session.get(Member, ids["member"])
        attendance.self_check_in(member, code, now=now)
        attendance.mark(None, session, ids["member"], "late", now=now + timedelta(minutes=20))
        library.record_download(add(title="A guide"))  # adding a resource touches no course either
        db.session.commit()
    assert catalogue(app, client) == (["Soon", "Later"], False)


def test_editing_a_courses_sessions_forgets_the_order(app, client, courses_with_people):
    ids = courses_with_people
    catalogue(app, client)
    with app.test_request_context():
        session = db.session.scalar(select(Session).where(Session.course_id == ids["soon"]).order_by(Session.starts_at))
        moved = utcnow().replace(microsecond=0) + timedelta(days=20)
        courses.update_session(None, session, starts_at=moved, ends_at=moved + timedelta(hours=1), venue=None,
                               online_link=None, note=None)
        db.session.commit()
    assert catalogue(app, client) == (["Later", "Soon"], True)  # Soon's next is now its second (day 9), after day 8
    with app.test_request_context():
        later = db.session.get(Course, ids["later"])
        courses.add_sessions(None, later, [(utcnow() + timedelta(days=1), utcnow() + timedelta(days=1, hours=1))])
        db.session.commit()
    assert catalogue(app, client) == (["Later", "Soon"], True)
    with app.test_request_context():
        soon = db.session.get(Course, ids["soon"])
        for session in list(soon.sessions):
            courses.delete_session(None, session)
        db.session.commit()
    assert catalogue(app, client) == (["Later", "Soon"], True)


def test_editing_a_course_forgets_the_order(app, client, courses_with_people):
    ids = courses_with_people
    catalogue(app, client)
    with app.test_request_context():
        courses.save_course(None, db.session.get(Course, ids["later"]), title="A later course")
        db.session.commit()
    assert catalogue(app, client) == (["Soon", "A later course"], True)


def test_places_forget_only_the_has_places_order(app, client, courses_with_people):
    ids = courses_with_people
    url = "/courses?has_places=y"
    assert catalogue(app, client, url) == (["Soon", "Later"], True)
    catalogue(app, client)
    with app.test_request_context():
        other = db.session.get(Member, ids["other"])
        courses.enrol(other, db.session.get(Course, ids["soon"]))  # the last place
        db.session.commit()
    assert catalogue(app, client) == (["Soon", "Later"], False)
    assert catalogue(app, client, url) == (["Later"], True)


def test_the_kept_order_runs_out_when_its_soonest_session_starts(app):
    with app.test_request_context():
        create_course(title="First", starts_in=timedelta(hours=1), sessions=2)
        create_course(title="Second", starts_in=timedelta(days=3))
        now = utcnow()
        filters = finder.CatalogueFilters()
        assert [c.title for c in finder.catalogue(filters, now=now).items] == ["First", "Second"]
        with counted_queries(app) as statements:
            assert [c.title for c in finder.catalogue(filters, now=now).items] == ["First", "Second"]
        assert not any("candidates" in s for s in statements)
        later = now + timedelta(hours=2)  # First's session has started; its next is in a week
        assert [c.title for c in finder.catalogue(filters, now=later).items] == ["Second", "First"]


def test_a_themes_most_used_resources_are_kept_until_a_resource_of_that_theme_changes(app, client):
    yesterday = date.today() - timedelta(days=1)
    with app.test_request_context():
        popular = add(title="Popular", external_url="https://example.org/p", themes=["cross-cutting"])
        quiet = add(title="Quiet", external_url="https://example.org/q", themes=["cross-cutting"])
        elsewhere = add(title="Elsewhere", external_url="https://example.org/e", themes=["dementia"])
        for _ in range(3):
            library.record_download(popular, today=yesterday)
        db.session.commit()
        ids = {"popular": popular.id, "quiet": quiet.id, "elsewhere": elsewhere.id}

    def theme_page():
        html, built = visit(app, client, "/themes/cross-cutting", "resource_download")
        return html.index("Popular") < html.index("Quiet"), "Renamed" in html, built

    assert theme_page() == (True, False, True)
    assert theme_page() == (True, False, False)  # kept
    with app.test_request_context():
        from copractice.library.models import Resource

        for _ in range(5):
            library.record_download(db.session.get(Resource, ids["quiet"]))  # today's count from tomorrow
        library.save_resource(None, db.session.get(Resource, ids["elsewhere"]), title="Another theme's")
        db.session.commit()
    assert theme_page() == (True, False, False)
    with app.test_request_context():
        library.save_resource(None, db.session.get(Resource, ids["quiet"]), title="Renamed")
        db.session.commit()
    html, built = visit(app, client, "/themes/cross-cutting", "resource_download")
    assert "Renamed" in html and built
    with app.test_request_context():
        library.set_status(None, db.session.get(Resource, ids["popular"]), "retired")
        db.session.commit()
    html, built = visit(app, client, "/themes/cross-cutting", "resource_download")
    assert "Popular" not in html and built


def test_members_are_never_served_a_kept_list(app):
    with app.test_request_context():
        add(title="Kept", external_url="https://example.org/k", themes=["cross-cutting"])
        member = create_member()
        library.most_used(None, "cross-cutting")
        with counted_queries(app) as statements:
            library.most_used(member, "cross-cutting")
        assert any("resource_download" in s for s in statements)


def test_no_cache_keeps_nothing(app):
    app.config["CACHE_TYPE"] = "NullCache"
    from copractice.extensions import cache

    cache.init_app(app, config={"CACHE_TYPE": "NullCache"})
    client = app.test_client()
    with app.test_request_context():
        create_course(title="Only")
    assert catalogue(app, client) == (["Only"], True)
    assert catalogue(app, client) == (["Only"], True)


def test_the_in_process_cache_keeps_no_pieces_unless_one_process_serves_the_site(app):
    """Several gunicorn workers each have their own SimpleCache: a piece kept in one would miss a change made
    through another. So by default only a shared cache (Redis) keeps pieces."""
    from copractice import pieces

    built = []
    app.config["PIECES_IN_PROCESS"] = False
    with app.test_request_context():
        for _ in range(2):
            pieces.remember("probe", [1], ["catalogue"], lambda: built.append(1) or "piece")
    assert len(built) == 2
    app.config["PIECES_IN_PROCESS"] = True
    with app.test_request_context():
        for _ in range(2):
            pieces.remember("probe", [2], ["catalogue"], lambda: built.append(1) or "piece")
    assert len(built) == 3
