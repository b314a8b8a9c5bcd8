"""Issue 12 point 3: caching that survives writes. No whole-page cache; download counts live in their own
table; anonymous pages and calendar feeds answer 304 from validators that change only when what the page
shows changes; Cache-Control lets a proxy micro-cache anonymous pages and keeps members' pages private."""
from sqlalchemy import select

from copractice.extensions import db
from copractice.library import operations as ops
from copractice.library.models import Resource
from tests.test_library import add


def _resource_row(slug):
    row = db.session.execute(select(Resource.__table__).where(Resource.slug == slug)).mappings().one()
    return dict(row)


def test_a_download_leaves_the_resource_row_alone_and_is_counted(app, client):
    with app.test_request_context():
        slug = add().slug
        before = _resource_row(slug)
    assert client.get(f"/resources/{slug}/download").status_code == 200
    assert client.get(f"/resources/{slug}/download").status_code == 200
    with app.app_context():
        assert _resource_row(slug) == before  # updated_at and every other column as they were
        rid = before["id"]
        assert ops.download_counts([rid]) == {rid: 2}


# -- conditional GET and Cache-Control ----------------------------------------------------------------------------

from datetime import timedelta  # noqa: E402

import pytest  # noqa: E402

from copractice.attendance import operations as attendance_ops  # noqa: E402
from copractice.courses import operations as course_ops  # noqa: E402
from tests.conftest import AuthActions, create_member  # noqa: E402
from tests.factories_courses import create_course  # noqa: E402
from tests.test_attendance import enrolled_course  # noqa: E402

PUBLIC = "public, max-age=0, s-maxage=5"


def _tag(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return response.headers.get("ETag"), response


@pytest.fixture
def pages(app):
    """A published course, enrolled members with a session starting now (for a check-in), a public resource."""
    with app.test_request_context():
        course, people = enrolled_course(starts_in=timedelta(minutes=5))
        resource = add()
        people[0].calendar_token = "t" * 32
        db.session.commit()
        return {"course": course.slug, "course_id": course.id, "resource": resource.slug, "people": [p.id for p in people],
                "urls": ["/courses", f"/courses/{course.slug}", f"/courses/{course.slug}/calendar.ics",
                         "/resources", f"/resources/{resource.slug}", f"/calendar/{'t' * 32}.ics"]}


def test_anonymous_pages_answer_304_on_a_repeat_and_a_proxy_may_keep_them(client, pages):
    for url in pages["urls"]:
        tag, response = _tag(client, url)
        assert tag, f"{url} has no ETag"
        again = client.get(url, headers={"If-None-Match": tag})
        assert again.status_code == 304 and again.data == b"", url
        assert again.headers["ETag"] == tag
        if "/calendar/" in url:  # a member's own feed: the secret is in the address, no shared cache keeps it
            assert "private" in response.headers["Cache-Control"] and "public" not in response.headers["Cache-Control"]
        else:
            assert response.headers["Cache-Control"] == PUBLIC, url
            assert "Cookie" in response.headers["Vary"]
        other = client.get(url, headers={"If-None-Match": '"something-else"'})
        assert other.status_code == 200


def test_a_change_to_a_course_changes_the_etags_that_show_it(app, client, pages):
    before = {url: _tag(client, url)[0] for url in pages["urls"][:3]}
    with app.test_request_context():
        from copractice.courses.models import Course

        course = db.session.get(Course, pages["course_id"])
        course_ops.save_course(create_member(role="admin"), course, title="A new title for the course")
        db.session.commit()
    after = {url: _tag(client, url)[0] for url in pages["urls"][:3]}
    assert all(before[url] != after[url] for url in before), (before, after)


def test_an_enrolment_changes_the_course_page_and_catalogue(app, client, pages):
    before = {url: _tag(client, url)[0] for url in pages["urls"][:2]}
    with app.test_request_context():
        from copractice.courses.models import Course

        course_ops.enrol(create_member(), db.session.get(Course, pages["course_id"]))
        db.session.commit()
    assert all(_tag(client, url)[0] != before[url] for url in before)


def test_a_check_in_or_a_download_changes_no_etag(app, client, pages):
    before = {url: _tag(client, url)[0] for url in pages["urls"]}
    assert all(before.values())
    with app.test_request_context():
        from copractice.courses.models import Course
        from copractice.members.models import Member

        session = db.session.get(Course, pages["course_id"]).sessions[0]
        code, _ = attendance_ops.current_checkin_code(session)
        attendance, changed = attendance_ops.self_check_in(db.session.get(Member, pages["people"][1]), code)
        assert changed
        db.session.commit()
    assert client.get(f"/resources/{pages['resource']}/download").status_code == 200
    after = {url: _tag(client, url)[0] for url in pages["urls"]}
    assert after == before


def test_logged_in_pages_are_private_and_get_no_etag(app, client, pages):
    with app.test_request_context():
        email = create_member(email="reader@example.org").email
    AuthActions(client).login(email)
    for url in pages["urls"][:5] + ["/learning"]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.headers["Cache-Control"] == "private, no-store", url
        assert "ETag" not in response.headers, url


def test_a_draft_course_never_gets_a_shared_cacheable_response(app, client):
    with app.test_request_context():
        slug = create_course(status="draft").slug
        organiser = create_member(role="admin", email="organiser@example.org").email
    for url in (f"/courses/{slug}", f"/courses/{slug}/calendar.ics"):
        response = client.get(url)
        assert response.status_code == 404
        assert "public" not in response.headers.get("Cache-Control", "") and "ETag" not in response.headers
    AuthActions(client).login(organiser)
    for url in (f"/courses/{slug}", f"/courses/{slug}/calendar.ics"):
        response = client.get(url)
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "private, no-store" and "ETag" not in response.headers


def test_a_members_only_resource_is_never_shared(app, client):
    with app.test_request_context():
        slug = add(visibility="members", title="For members").slug
        email = create_member(email="m@example.org").email
    assert client.get(f"/resources/{slug}").status_code == 404
    AuthActions(client).login(email)
    response = client.get(f"/resources/{slug}")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "private, no-store"


def test_permission_checks_still_run_when_the_etag_matches(app, client, pages):
    tag, _ = _tag(client, f"/courses/{pages['course']}")
    assert client.get(f"/courses/{pages['course']}", headers={"If-None-Match": tag}).status_code == 304
    with app.test_request_context():
        from copractice.courses.models import Course

        db.session.get(Course, pages["course_id"]).status = "draft"
        db.session.commit()
    assert client.get(f"/courses/{pages['course']}", headers={"If-None-Match": tag}).status_code == 404


@pytest.mark.parametrize("app_settings", [{"HTTP_CACHE_SECONDS": 0}])
def test_switched_off_there_are_no_etags_and_no_shared_caching(client, pages):
    for url in pages["urls"]:
        response = client.get(url)
        assert "ETag" not in response.headers and "public" not in response.headers.get("Cache-Control", "")


# -- Flask-Caching: the library's facet counts for visitors ---------------------------------------------------------

def test_visitors_facet_counts_are_kept_until_a_resource_changes_and_a_download_keeps_them(app, client):
    from tests.query_budget import counted_queries, queries_for

    with app.test_request_context():
        slug = add(title="Counted guide", type="guide").slug
    url = "/resources?q=guide"
    status, first = queries_for(app, client, url)
    assert status == 200
    with counted_queries(app) as statements:
        client.get(url)
    second = len(statements)
    # The facet counts came from the cache: the search's one statement fetches the page alone.
    assert second == first and not [s for s in statements if "count(" in s.lower()], statements
    assert client.get(f"/resources/{slug}/download").status_code == 200
    assert queries_for(app, client, url)[1] == second  # a download changes nothing the counts are built from
    assert "Toolkit" not in client.get(url).get_data(as_text=True)
    with app.test_request_context():
        add(title="Another guide", type="toolkit")
    html = client.get(url).get_data(as_text=True)
    assert "Toolkit" in html  # the new resource's type is counted at once: a change is never hidden
    assert queries_for(app, client, url)[1] == second


def test_a_course_taken_off_the_catalogue_changes_its_etag(app, client, pages):
    url = pages["urls"][0]
    before = _tag(client, url)[0]
    with app.test_request_context():
        from copractice.courses.models import Course

        course = db.session.get(Course, pages["course_id"])
        course_ops.save_course(create_member(role="admin"), course, status="draft")
        db.session.commit()
    assert _tag(client, url)[0] != before
