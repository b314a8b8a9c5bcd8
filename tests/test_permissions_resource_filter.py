"""``can(member, "resource.view", r)`` and the SQL filter ``visible_resources(member)`` (and the search-row keys
``visible_keys``) are one rule said three ways, all in copractice/permissions.py: for every resource of a varied
set and every kind of member, they agree."""
import itertools

import pytest
from flask_login import AnonymousUserMixin
from sqlalchemy import select

from copractice.courses.models import Enrolment
from copractice.extensions import db
from copractice.library import operations as ops
from copractice.library.models import Resource
from copractice.permissions import can, visible_resources
from tests.conftest import create_member
from tests.factories_courses import create_course

VISIBILITIES = ("public", "members", "theme")
STATUSES = ("draft", "published", "retired")
THEME_SETS = ((), ("dementia",), ("starting-well",), ("dementia", "starting-well"), ("cross-cutting",))


@pytest.fixture
def world(app):
    with app.test_request_context():
        curator = create_member(role="admin", email="curator@example.org")
        for n, (visibility, status, themes) in enumerate(itertools.product(VISIBILITIES, STATUSES, THEME_SETS)):
            ops.save_resource(curator, None, themes=list(themes), audience=[], tags=[],
                              title=f"Resource {n} {visibility} {status} {'+'.join(themes) or 'no theme'}",
                              summary="A resource for the permission check.", type="guide", status=status,
                              visibility=visibility, external_url=f"https://example.org/{n}")
        db.session.commit()
        dementia = create_course(theme_slug="dementia")
        starting = create_course(theme_slug="starting-well")
        members = {
            "anonymous": AnonymousUserMixin(),
            "trainee": create_member(),
            "trainee on a dementia course": create_member(),
            "trainee who left a starting-well course": create_member(),
            "trainee waiting for a dementia course": create_member(),
            "switched-off trainee": create_member(active=False),
            "facilitator": create_member(role="facilitator"),
            "lead of dementia": create_member(role="theme_lead", themes=("dementia",)),
            "lead of no theme": create_member(role="theme_lead"),
            "admin": curator,
        }
        db.session.add_all([
            Enrolment(course_id=dementia.id, member_id=members["trainee on a dementia course"].id, status="enrolled"),
            Enrolment(course_id=starting.id, member_id=members["trainee who left a starting-well course"].id,
                      status="cancelled"),
            Enrolment(course_id=dementia.id, member_id=members["trainee waiting for a dementia course"].id,
                      status="waiting"),
        ])
        db.session.commit()
        yield members, db.session.scalars(select(Resource).order_by(Resource.id)).all()


def test_the_fixture_set_is_varied(world):
    _, resources = world
    assert {(r.visibility, r.status) for r in resources} == set(itertools.product(VISIBILITIES, STATUSES))
    assert {tuple(sorted(r.themes)) for r in resources} == {tuple(sorted(t)) for t in THEME_SETS}


def test_can_view_agrees_with_the_sql_filter_for_every_resource_and_member(world):
    members, resources = world
    seen_somewhere = set()
    for who, member in members.items():
        by_rule = {r.id for r in resources if can(member, "resource.view", r)}
        by_query = set(db.session.scalars(select(Resource.id).where(visible_resources(member))))
        assert by_rule == by_query, who
        seen_somewhere |= by_rule
    # The check means something: some resources are hidden from some people, and the sets differ by role.
    assert {who for who, m in members.items()
            if {r.id for r in resources if can(m, "resource.view", r)} == {r.id for r in resources}} == {"admin"}
    assert len({frozenset(r.id for r in resources if can(m, "resource.view", r)) for m in members.values()}) >= 5


def test_search_shows_the_published_resources_can_view_allows(world):
    members, resources = world
    for who, member in members.items():
        allowed = {r.id for r in resources if r.status == "published" and can(member, "resource.view", r)}
        found = {item.id for item in ops.find(member, ops.LibraryFilters(), per_page=500).page.items}
        assert found == allowed, who


def test_no_other_module_holds_a_resource_visibility_rule():
    assert not hasattr(ops, "visible_to") and not hasattr(ops, "can_see")
