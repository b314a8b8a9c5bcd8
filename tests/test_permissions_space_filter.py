"""``can(member, "space.view", space)`` and the SQL filter ``visible_spaces(member)`` are one rule said twice
(copractice/permissions.py): for spaces of every visibility, with and without a theme, and every kind of member
(invited, moderator, lead, theme lead, admin, visitor, switched off), they agree; and the rule says what the
issue says (open: anyone; members only: signed in; private: invited people, the theme's lead and admins)."""
import itertools

import pytest
from flask_login import AnonymousUserMixin
from sqlalchemy import select

from copractice.community.models import Space, SpaceRole
from copractice.extensions import db
from copractice.permissions import can, visible_spaces
from tests.conftest import create_member

VISIBILITIES = ("open", "members", "private")
THEMES = (None, "dementia", "starting-well")


@pytest.fixture
def world(app):
    with app.test_request_context():
        spaces = []
        for n, (visibility, theme) in enumerate(itertools.product(VISIBILITIES, THEMES)):
            spaces.append(Space(slug=f"space-{n}", name=f"Space {n}", visibility=visibility, theme_slug=theme))
            if theme:  # one space a theme: the other combinations get no theme
                spaces[-1].theme_slug = theme if visibility == "private" else None
        db.session.add_all(spaces)
        members = {
            "anonymous": AnonymousUserMixin(),
            "trainee": create_member(),
            "invited trainee": create_member(),
            "moderator": create_member(),
            "space lead": create_member(role="facilitator"),
            "switched-off invited trainee": create_member(active=False),
            "lead of dementia": create_member(role="theme_lead", themes=("dementia",)),
            "lead of no theme": create_member(role="theme_lead"),
            "admin": create_member(role="admin"),
        }
        db.session.flush()
        first_private = next(s for s in spaces if s.visibility == "private")
        for who, role in (("invited trainee", "member"), ("moderator", "moderator"), ("space lead", "lead"),
                          ("switched-off invited trainee", "member")):
            db.session.add(SpaceRole(space_id=first_private.id, member_id=members[who].id, role=role))
        db.session.commit()
        yield members, db.session.scalars(select(Space).order_by(Space.id)).all()


def _visible_ids(member):
    return set(db.session.scalars(select(Space.id).where(visible_spaces(member))))


def test_rule_and_sql_agree_for_every_member_and_space(world):
    members, spaces = world
    for who, member in members.items():
        by_rule = {s.id for s in spaces if can(member, "space.view", s)}
        assert by_rule == _visible_ids(member), who


def test_what_each_person_may_read(world):
    members, spaces = world
    private = [s for s in spaces if s.visibility == "private"]
    invited_to, dementia_space = private[0], next(s for s in private if s.theme_slug == "dementia")
    everything = {s.id for s in spaces}
    public = {s.id for s in spaces if s.visibility != "private"}
    assert _visible_ids(members["anonymous"]) == {s.id for s in spaces if s.visibility == "open"}
    assert _visible_ids(members["trainee"]) == public
    assert _visible_ids(members["switched-off invited trainee"]) == {s.id for s in spaces if s.visibility == "open"}
    for who in ("invited trainee", "moderator", "space lead"):
        assert _visible_ids(members[who]) == public | {invited_to.id}, who
    assert _visible_ids(members["lead of dementia"]) == public | {dementia_space.id}
    assert _visible_ids(members["lead of no theme"]) == public
    assert _visible_ids(members["admin"]) == everything


def test_who_leads_and_moderates(world):
    members, spaces = world
    private = [s for s in spaces if s.visibility == "private"]
    invited_to, dementia_space = private[0], next(s for s in private if s.theme_slug == "dementia")
    assert can(members["space lead"], "space.lead", invited_to)
    assert not can(members["moderator"], "space.lead", invited_to)
    assert can(members["moderator"], "space.moderate", invited_to)
    assert not can(members["invited trainee"], "space.moderate", invited_to)
    assert can(members["lead of dementia"], "space.lead", dementia_space)
    assert not can(members["lead of dementia"], "space.lead", invited_to)
    assert can(members["admin"], "space.lead", invited_to) and can(members["admin"], "spaces.create")
    assert not can(members["space lead"], "spaces.create")
    assert not can(members["anonymous"], "space.moderate", invited_to)
