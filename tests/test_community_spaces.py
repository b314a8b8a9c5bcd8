"""Spaces (issue 14, point 1): each theme's plugin brings its space (core brings the cross-cutting one), made once
however many workers ask; admins make and change spaces; leads name moderators and invited members; the community
home lists the spaces a member may read; the guidelines come before a member's first post in a space."""
import threading

import pytest
from sqlalchemy import func, select

from copractice.community import spaces
from copractice.community.models import Space, SpaceRole
from copractice.extensions import db
from copractice.members.models import Member
from copractice.permissions import can
from tests.conftest import csrf_from, post_form


@pytest.fixture
def app_settings():
    return {"EXTRA_PLUGINS": ["forum_spaces=tests.plugins.forum_spaces", "forum_raising=tests.plugins.forum_raising"]}


def signed_in(app, member):
    from copractice.testing import log_in

    client = app.test_client()
    log_in(client, member)
    return client


def space_row(app, slug):
    with app.app_context():
        space = db.session.scalar(select(Space).where(Space.slug == slug))
        if space is not None:
            db.session.expunge(space)
        return space


def make_space(app, slug="regional-forum", visibility="members", guidelines="Be kind.", **fields):
    with app.app_context():
        space = Space(slug=slug, name=fields.pop("name", slug.replace("-", " ").title()), visibility=visibility,
                      guidelines=guidelines, **fields)
        db.session.add(space)
        db.session.commit()
        db.session.refresh(space)
        db.session.expunge(space)
        return space


def name_in(app, space, member, role):
    with app.app_context():
        db.session.add(SpaceRole(space_id=space.id, member_id=member.id, role=role))
        db.session.commit()


# -- the themes' spaces --------------------------------------------------------------------------------------

def test_core_brings_the_cross_cutting_space(app, make_member):
    client = signed_in(app, make_member())
    page = client.get("/community/").get_data(as_text=True)
    assert "Co-production in practice" in page
    space = space_row(app, "cross-cutting")
    assert space.theme_slug == "cross-cutting" and space.visibility == "members" and space.guidelines


def test_a_plugin_brings_its_theme_space_once(app, client, enable_plugin):
    assert space_row(app, "memory-walks") is None
    assert client.get("/community/").status_code == 200
    assert space_row(app, "memory-walks") is None  # not enabled: no space
    enable_plugin("forum_spaces")
    enable_plugin("forum_raising")  # its copractice_spaces raises: skipped, the others' spaces are made
    for _ in range(2):
        page = client.get("/community/")
        assert page.status_code == 200
    assert "Memory walks space" in page.get_data(as_text=True)  # open: visitors see it
    space = space_row(app, "memory-walks")
    assert (space.theme_slug, space.visibility, space.guidelines) == ("memory-walks", "open", "Walk **kindly**.")
    with app.app_context():
        app.extensions.pop("copractice_spaces_made", None)  # another worker, which has not looked yet
        spaces.ensure_theme_spaces(app)
        db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(Space).where(Space.theme_slug == "memory-walks")) == 1


def test_two_workers_making_the_spaces_at_once_make_each_once(app, enable_plugin, monkeypatch):
    """Both have looked and found no space; both insert: ON CONFLICT DO NOTHING, no error, one row."""
    enable_plugin("forum_spaces")
    both_looked = threading.Barrier(2, timeout=10)
    real_insert = spaces._insert

    def insert_after_both_looked(dialect):
        both_looked.wait()
        return real_insert(dialect)

    monkeypatch.setattr(spaces, "_insert", insert_after_both_looked)
    errors = []

    def worker():
        try:
            with app.app_context():
                spaces.ensure_theme_spaces(app)
                db.session.commit()
        except Exception as exc:  # noqa: BLE001  (reported below)
            errors.append(exc)

    app.extensions["copractice_spaces_made"] = set()
    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    with app.app_context():
        counts = dict(db.session.execute(select(Space.theme_slug, func.count()).group_by(Space.theme_slug)).all())
    assert counts["memory-walks"] == 1 and counts["cross-cutting"] == 1


@pytest.mark.parametrize("plugin, slug, young", [("dementia", "dementia", False),
                                                 ("social_care", "social-care", False),
                                                 ("childrens_mental_health", "young-people", True)])
def test_each_bundled_theme_brings_its_space(app, client, enable_plugin, plugin, slug, young):
    pytest.importorskip(f"copractice_{plugin}")
    enable_plugin(plugin)
    assert client.get("/community/").status_code == 200
    space = space_row(app, slug)
    assert space is not None and space.young_people is young and space.guidelines


def test_a_theme_lead_leads_their_theme_space(app, make_member):
    lead = make_member(role="theme_lead", themes=("cross-cutting",))
    client = signed_in(app, lead)
    client.get("/community/")
    assert client.get("/community/spaces/cross-cutting/settings").status_code == 200
    other = signed_in(app, make_member(role="theme_lead", themes=("dementia",)))
    assert other.get("/community/spaces/cross-cutting/settings").status_code == 403


# -- spaces admins make --------------------------------------------------------------------------------------

def test_an_admin_makes_a_space_and_changes_it(app, make_member):
    admin = signed_in(app, make_member(role="admin"))
    guardian = make_member(email="guardian@example.org")
    response = post_form(admin, "/community/spaces/new", {
        "name": "Public involvement regional forum", "slug": "regional-forum", "description": "For the region.",
        "guidelines": "Be kind.", "visibility": "private", "young_people": "y",
        "safeguarding_lead": "guardian@example.org"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/community/spaces/regional-forum/settings")
    space = space_row(app, "regional-forum")
    assert (space.visibility, space.young_people, space.safeguarding_lead_id) == ("private", True, guardian.id)
    response = post_form(admin, "/community/spaces/regional-forum/edit", {
        "name": "Regional forum", "description": "", "guidelines": "Be very kind.", "visibility": "open",
        "safeguarding_lead": ""})
    assert response.status_code == 302
    space = space_row(app, "regional-forum")
    assert (space.name, space.visibility, space.young_people, space.guidelines, space.safeguarding_lead_id) == (
        "Regional forum", "open", False, "Be very kind.", None)


@pytest.mark.parametrize("fields, error", [
    ({"name": ""}, "Enter a name."),
    ({"name": "Bad\x00name"}, "Use a single line of text"),
    ({"name": "x" * 500}, "Field cannot be longer than 120 characters."),
    ({"slug": "Not A Slug"}, "Lower-case letters, numbers and hyphens"),
    ({"slug": "cross-cutting"}, "A space already uses that web address"),
    ({"slug": "new"}, "Use lower-case letters, numbers and hyphens"),
    ({"guidelines": "bell\x07"}, "Remove characters that cannot be shown"),
    ({"description": "x" * 100_000}, "Keep this to 5,000 characters or fewer."),
    ({"safeguarding_lead": "nobody@example.org"}, "Nobody has an account with that email address."),
    ({"visibility": "secret"}, "Not a valid choice"),
])
def test_bad_space_input_is_shown_beside_the_field(app, make_member, fields, error):
    admin = signed_in(app, make_member(role="admin"))
    admin.get("/community/")
    data = {"name": "A space", "slug": "a-space", "visibility": "members", **fields}
    response = post_form(admin, "/community/spaces/new", data)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "There is a problem" in page and error in page.replace("&#39;", "'")


def test_only_admins_make_and_change_spaces(app, make_member):
    lead = signed_in(app, make_member(role="theme_lead", themes=("cross-cutting",)))
    lead.get("/community/")
    assert lead.get("/community/spaces/new").status_code == 403
    assert lead.get("/community/spaces/cross-cutting/edit").status_code == 403


def test_leads_name_moderators_and_invited_members(app, make_member):
    space = make_space(app, visibility="private")
    lead, invited, moderator = make_member(), make_member(email="inv@example.org"), make_member(email="mod@example.org")
    name_in(app, space, lead, "lead")
    stranger = signed_in(app, make_member())
    assert stranger.get("/community/spaces/regional-forum").status_code == 404  # private: nothing leaks
    assert "Regional Forum" not in stranger.get("/community/").get_data(as_text=True)
    client = signed_in(app, lead)
    page = client.get("/community/spaces/regional-forum/settings")
    assert page.status_code == 200
    for email, role in (("inv@example.org", "member"), ("mod@example.org", "moderator")):
        response = post_form(client, "/community/spaces/regional-forum/people", {"email": email, "role": role},
                             page="/community/spaces/regional-forum/settings")
        assert response.status_code == 302
    bad = post_form(client, "/community/spaces/regional-forum/people", {"email": "who@example.org", "role": "lead"},
                    page="/community/spaces/regional-forum/settings")
    assert bad.status_code == 200 and "Nobody has an account" in bad.get_data(as_text=True)
    with app.app_context():
        roles = dict(db.session.execute(select(SpaceRole.member_id, SpaceRole.role)
                                        .where(SpaceRole.space_id == space.id)).all())
        assert roles == {lead.id: "lead", invited.id: "member", moderator.id: "moderator"}
        stored = db.session.get(Space, space.id)
        assert can(db.session.get(Member, moderator.id), "space.moderate", stored)
        assert not can(db.session.get(Member, invited.id), "space.moderate", stored)
    reader = signed_in(app, invited)
    assert reader.get("/community/spaces/regional-forum").status_code == 200
    assert "Regional Forum" in reader.get("/community/").get_data(as_text=True)
    # Taking a part away
    with app.app_context():
        role_id = db.session.scalar(select(SpaceRole.id).where(SpaceRole.member_id == invited.id))
    response = post_form(client, f"/community/spaces/regional-forum/people/{role_id}/remove", {},
                         page="/community/spaces/regional-forum/settings")
    assert response.status_code == 302
    assert reader.get("/community/spaces/regional-forum").status_code == 404
    # A moderator does not run the settings page
    assert signed_in(app, moderator).get("/community/spaces/regional-forum/settings").status_code == 403


def test_community_home_lists_what_each_person_may_read(app, client, make_member):
    make_space(app, "open-chat", visibility="open", name="Open chat")
    make_space(app, "members-chat", visibility="members", name="Members chat")
    make_space(app, "private-chat", visibility="private", name="Private chat")
    visitor = client.get("/community/").get_data(as_text=True)
    assert "Open chat" in visitor and "Members chat" not in visitor and "Private chat" not in visitor
    assert client.get("/community/spaces/members-chat").status_code == 302  # visitors are asked to log in
    member = signed_in(app, make_member()).get("/community/").get_data(as_text=True)
    assert "Open chat" in member and "Members chat" in member and "Private chat" not in member
    admin = signed_in(app, make_member(role="admin")).get("/community/").get_data(as_text=True)
    assert "Private chat" in admin


def test_guidelines_come_before_a_members_first_post_in_a_space(app, make_member):
    make_space(app, guidelines="Never share **addresses**.")
    client = signed_in(app, make_member())
    form = client.get("/community/spaces/regional-forum/topics/new").get_data(as_text=True)
    assert "<strong>addresses</strong>" in form and "I have read the guidelines" in form
    data = {"title": "Hello", "kind": "discussion", "body": "Hello everyone"}
    refused = post_form(client, "/community/spaces/regional-forum/topics/new", data)
    assert refused.status_code == 200 and "Tick the box to say you have read" in refused.get_data(as_text=True)
    done = post_form(client, "/community/spaces/regional-forum/topics/new", {**data, "agree": "y"})
    assert done.status_code == 302
    again = client.get("/community/spaces/regional-forum/topics/new").get_data(as_text=True)
    assert "I have read the guidelines" not in again
    token = csrf_from(again)
    assert client.post("/community/spaces/regional-forum/topics/new",
                       data={**data, "title": "Second", "csrf_token": token}).status_code == 302
