"""Links to the community's tools (review of issue 14): the moderation queue, mentoring, the mentoring report and
reported messages were reachable only by typing their address. The community home page and the admin dashboard
link to each, shown only to those the permission function allows (``community.moderation_link``,
``mentoring.view``, ``mentoring.report``, ``messages.reports``)."""
import pytest

from copractice.community.models import Space, SpaceRole
from copractice.extensions import db
from copractice.permissions import can
from copractice.testing import create_member, log_in

MODERATION, MENTORING = 'href="/community/moderation/"', 'href="/mentoring/"'
REPORT, REPORTED = 'href="/mentoring/report"', 'href="/messages/reports"'


@pytest.fixture
def people(app):
    with app.app_context():
        space = Space(slug="links-space", name="Links space", visibility="members")
        db.session.add(space)
        db.session.flush()
        found = {"moderator": create_member(email="mod@example.org"), "lead": create_member(email="lead@example.org"),
                 "member": create_member(email="member@example.org"),
                 "theme_lead": create_member(email="tl@example.org", role="theme_lead", themes=["cross-cutting"]),
                 "admin": create_member(email="admin@example.org", role="admin")}
        db.session.add_all([SpaceRole(space_id=space.id, member_id=found["moderator"].id, role="moderator"),
                            SpaceRole(space_id=space.id, member_id=found["lead"].id, role="lead"),
                            SpaceRole(space_id=space.id, member_id=found["member"].id, role="member")])
        db.session.commit()
        return {name: member.email for name, member in found.items()}


def community_home(app, email=None):
    client = app.test_client()
    if email:
        log_in(client, email)
    response = client.get("/community/")
    assert response.status_code == 200
    return response.get_data(as_text=True)


@pytest.mark.parametrize("who, shown, hidden", [
    ("moderator", {MODERATION, MENTORING}, {REPORT, REPORTED}),
    ("lead", {MODERATION, MENTORING}, {REPORT, REPORTED}),
    ("member", {MENTORING}, {MODERATION, REPORT, REPORTED}),
    ("theme_lead", {MODERATION, MENTORING, REPORT}, {REPORTED}),
    ("admin", {MODERATION, MENTORING, REPORT, REPORTED}, set()),
    (None, set(), {MODERATION, MENTORING, REPORT, REPORTED}),
])
def test_the_community_home_page_links_each_tool_to_those_who_may_use_it(app, people, who, shown, hidden):
    html = community_home(app, people[who] if who else None)
    assert {link for link in shown | hidden if link in html} == shown


def test_the_admin_dashboard_links_moderation_reported_messages_and_the_mentoring_report(app, people):
    client = app.test_client()
    log_in(client, people["admin"])
    html = client.get("/admin/").get_data(as_text=True)
    assert all(link in html for link in (MODERATION, REPORTED, REPORT))


def test_the_moderation_link_is_the_permission_functions_answer(app, people):
    from sqlalchemy import select

    from copractice.members.models import Member

    with app.app_context():
        answers = {name: can(db.session.scalar(select(Member).where(Member.email == email)),
                             "community.moderation_link") for name, email in people.items()}
        assert answers == {"moderator": True, "lead": True, "member": False, "theme_lead": True, "admin": True}
        assert not can(None, "community.moderation_link")
