"""Issue 12 point 4: the busiest pages' statements are built once a process, not on every request.

Building a SQLAlchemy statement (columns compared, subqueries nested) cost about a millisecond on My learning's
evaluation links, on the register and on the anonymous catalogue's and library's ETag validators: about a fifth
of each page. Each module's ``select`` is watched while the page is asked a second time: none may be built.
"""
from datetime import timedelta

import pytest
from sqlalchemy import select

from copractice.attendance import operations as attendance_ops
from copractice.courses import catalogue
from copractice.courses import operations as course_ops
from copractice.library import operations as library_ops
from copractice.measurement import evaluation
from copractice.testing import create_resource
from tests.conftest import AuthActions, create_member
from tests.factories_courses import create_course
from tests.test_register_one_form import register_course


@pytest.fixture
def app_settings():
    return {"HTTP_CACHE_SECONDS": 5}  # anonymous pages work out their ETag validators


def _built(monkeypatch, module, client, url):
    """How many statements ``module`` builds while ``client`` asks ``url`` (after one request to warm up)."""
    assert client.get(url).status_code == 200
    built = []

    def counting(*args, **kwargs):
        built.append(args)
        return select(*args, **kwargs)

    monkeypatch.setattr(module, "select", counting)
    assert client.get(url).status_code == 200
    return len(built)


def test_my_learning_builds_its_evaluation_links_statement_once(app, monkeypatch):
    with app.test_request_context():
        member = create_member(email="learner@example.org")
        admin = create_member(role="admin")
        course_ops.enrol(member, create_course(sessions=2, starts_in=timedelta(days=3)), organiser=admin)
        from copractice.extensions import db

        db.session.commit()
    client = app.test_client()
    AuthActions(client).login("learner@example.org")
    assert _built(monkeypatch, evaluation, client, "/learning") == 0


def test_the_register_builds_its_statement_once(app, monkeypatch):
    _course_id, session_id, _people = register_course(app, 3)
    client = app.test_client()
    AuthActions(client).login("fac@example.org")
    assert _built(monkeypatch, attendance_ops, client, f"/manage/sessions/{session_id}/register") == 0


@pytest.mark.parametrize(("module", "url"), [(catalogue, "/courses"), (library_ops, "/resources")])
def test_anonymous_validators_are_built_once(app, monkeypatch, module, url):
    with app.test_request_context():
        create_course(sessions=1, starts_in=timedelta(days=3))
        create_resource()
        from copractice.extensions import db

        db.session.commit()
    client = app.test_client()
    response = client.get(url)
    assert response.headers.get("ETag"), "the page has no validator to build"
    assert _built(monkeypatch, module, client, url) == 0
