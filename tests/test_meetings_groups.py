"""Groups (issue 15 point 1): setting one up, joining an open group, invitations (a notice and an email through the
outbox; accept or decline), leaving, roles, removing; who sees which group; kinds from plugins (point 7)."""
import pytest
from sqlalchemy import select

from copractice.errors import Refused
from copractice.extensions import db
from copractice.meetings import groups as ops
from copractice.meetings.models import Group, GroupMember
from copractice.members.models import Member
from copractice.notifications.models import Notice, OutboxMessage
from tests.conftest import create_member, post_form
from tests.meetings_factory import make_group


@pytest.fixture
def app_settings():
    return {"EXTRA_PLUGINS": ["meeting_hooks=tests.plugins.meeting_hooks",
                              "meeting_hooks_raising=tests.plugins.meeting_hooks_raising"]}


def part(group, member):
    row = db.session.scalar(select(GroupMember).where(GroupMember.group_id == group.id,
                                                      GroupMember.member_id == member.id))
    return (row.role, row.status) if row else None


def test_a_theme_lead_sets_up_a_group_of_their_theme_and_chairs_it(app):
    with app.test_request_context():
        lead = create_member(role="theme_lead", themes=("cross-cutting",))
        group = ops.save_group(lead, None, name="Steering group", kind="steering", theme_slug="cross-cutting",
                               joining="invite", description="We steer.")
        assert (group.slug, part(group, lead)) == ("steering-group", ("chair", "active"))
        with pytest.raises(Refused, match="theme you lead"):
            ops.save_group(lead, None, name="Not mine", kind="forum", theme_slug="dementia", joining="open")
        # A region-wide group (no theme): theme leads may set one up too (permissions' groups.create).
        assert ops.save_group(lead, None, name="Region", kind="forum", theme_slug=None, joining="open").theme_slug is None
        with pytest.raises(Refused, match="kind of group"):
            ops.save_group(lead, None, name="Odd", kind="book_club", theme_slug="cross-cutting", joining="open")
        trainee = create_member()
        with pytest.raises(Refused):
            ops.save_group(trainee, None, name="Mine", kind="forum", theme_slug=None, joining="open")
        assert ops.save_group(lead, None, name="Steering group", kind="forum", theme_slug="cross-cutting",
                              joining="open").slug == "steering-group-2"
        assert ops.save_group(lead, None, name="New", kind="forum", theme_slug="cross-cutting",
                              joining="open").slug == "new-group"  # /groups/new is the form


def test_join_an_open_group_but_not_an_invitation_only_one(app):
    with app.test_request_context():
        member = create_member()
        open_group, closed = make_group(joining="open"), make_group(joining="invite")
        ops.join(member, open_group)
        assert part(open_group, member) == ("member", "active")
        with pytest.raises(Refused, match="already a member"):
            ops.join(member, open_group)
        with pytest.raises(Refused, match="by invitation"):
            ops.join(member, closed)
        ops.leave(member, open_group)
        assert part(open_group, member) == ("member", "left")
        ops.join(member, open_group)  # back again
        assert part(open_group, member) == ("member", "active")


def test_an_invitation_is_told_through_the_outbox_and_accepted_or_declined(app):
    with app.test_request_context():
        chair, ana, ben, outsider = create_member(), create_member(name="Ana"), create_member(name="Ben"), create_member()
        group = make_group(people=[(chair, "chair", "active")])
        with pytest.raises(Refused, match="Only the group's chair"):
            ops.invite(outsider, group, ana)
        ops.invite(chair, group, ana)
        ops.invite(chair, group, ben)
        with pytest.raises(Refused, match="already invited"):
            ops.invite(chair, group, ana)
        with pytest.raises(Refused, match="no member"):
            ops.invite(chair, group, None)
        db.session.commit()
        assert db.session.scalar(select(Notice.message).where(Notice.member_id == ana.id, Notice.kind == "group_invited"))
        mail = db.session.scalar(select(OutboxMessage).where(OutboxMessage.to_address == ana.email))
        assert group.name in mail.subject and f"/groups/{group.slug}" in mail.body and "http" in mail.body
        ops.join(ana, group)  # accepting
        assert part(group, ana) == ("member", "active")
        ops.decline(ben, group)
        assert part(group, ben) is None
        with pytest.raises(Refused, match="no invitation"):
            ops.decline(ben, group)


def test_roles_one_secretary_and_someone_always_runs_a_region_wide_group(app):
    with app.test_request_context():
        chair, sam, tia = create_member(), create_member(), create_member()
        group = make_group(theme_slug=None, people=[(chair, "chair", "active"), (sam, "member", "active"),
                                                     (tia, "member", "active")])
        ops.set_role(chair, group, sam.id, "secretary")
        ops.set_role(chair, group, tia.id, "secretary")
        assert (part(group, sam), part(group, tia)) == (("member", "active"), ("secretary", "active"))
        with pytest.raises(Refused, match="Only the group's chair"):
            ops.set_role(sam, group, sam.id, "chair")
        ops.set_role(tia, group, chair.id, "member")  # the secretary still runs it
        with pytest.raises(Refused, match="someone else chair or secretary"):
            ops.leave(tia, group)
        with pytest.raises(Refused, match="someone else chair or secretary"):
            ops.remove(tia, group, tia.id)
        ops.remove(tia, group, sam.id)
        assert part(group, sam) == ("member", "left")
        with pytest.raises(Refused, match="not in this group"):
            ops.remove(tia, group, sam.id)


def test_who_sees_which_group(app):
    with app.test_request_context():
        member, invited, lead = create_member(), create_member(), create_member(role="theme_lead",
                                                                                 themes=("cross-cutting",))
        admin = create_member(role="admin")
        open_group = make_group(joining="open", theme_slug="dementia", name="Open")
        theirs = make_group(name="Theirs", theme_slug="dementia", people=[(member, "member", "active"),
                                                                        (invited, "member", "invited")])
        leads = make_group(name="Leads", theme_slug="cross-cutting")
        hidden = make_group(name="Hidden", theme_slug="dementia")
        names = lambda who: [g.name for g in ops.visible_groups(who)]  # noqa: E731
        assert names(member) == ["Open", "Theirs"]
        assert names(invited) == ["Open", "Theirs"]
        assert names(lead) == ["Leads", "Open"]
        assert names(admin) == ["Hidden", "Leads", "Open", "Theirs"]
        assert {hidden.id, leads.id, open_group.id, theirs.id} == {g.id for g in ops.visible_groups(admin)}


def test_a_plugin_adds_a_kind_of_group_and_a_raising_one_is_skipped(app, enable_plugin):
    with app.test_request_context():
        assert "carers_panel" not in ops.group_kinds()
    enable_plugin("meeting_hooks")
    enable_plugin("meeting_hooks_raising")  # raises: skipped, the others' kinds are offered
    with app.test_request_context():
        kinds = ops.group_kinds()
        assert kinds["carers_panel"] == "Carers' panel" and kinds["forum"] == "Public involvement forum"
        admin = create_member(role="admin")
        group = ops.save_group(admin, None, name="Carers", kind="carers_panel", theme_slug=None, joining="open")
        assert ops.kind_label(group) == "Carers' panel"


def test_setting_up_a_group_through_its_form_and_bad_input(app, client, login):
    with app.app_context():
        create_member(role="theme_lead", themes=("cross-cutting",), email="lead@example.org")
    login(client, "lead@example.org")
    response = post_form(client, "/groups/new", {"name": "", "kind": "forum", "theme_slug": "cross-cutting",
                                                 "joining": "sideways"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "There is a problem" in html and "Enter the group&#39;s name." in html
    response = post_form(client, "/groups/new", {"name": "Kent forum", "kind": "forum", "theme_slug": "dementia",
                                                 "joining": "open"})
    assert response.status_code == 200 and "Not a valid choice" in response.get_data(as_text=True)
    response = post_form(client, "/groups/new", {"name": "Kent forum", "kind": "forum", "theme_slug": "cross-cutting",
                                                 "joining": "open", "description": "**Hello**"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/groups/kent-forum")
    page = client.get("/groups/kent-forum").get_data(as_text=True)
    assert "<strong>Hello</strong>" in page and "Public involvement forum" in page and "Arrange a meeting" in page
    assert "Groups" in client.get("/groups/").get_data(as_text=True)


def test_invite_through_the_page_then_accept(app, client, login):
    with app.app_context():
        chair, guest = create_member(email="chair@example.org"), create_member(email="guest@example.org")
        group = make_group(people=[(chair, "chair", "active")])
        slug, guest_id = group.slug, guest.id
    login(client, "chair@example.org")
    response = post_form(client, f"/groups/{slug}/invite", {"email": "nobody@example.org"}, page=f"/groups/{slug}")
    assert response.status_code == 200 and "There is no member with that email address." in response.get_data(
        as_text=True)
    response = post_form(client, f"/groups/{slug}/invite", {"email": "guest@example.org"}, page=f"/groups/{slug}")
    assert response.status_code == 302
    guest_client = app.test_client()
    login(guest_client, "guest@example.org")
    assert "You have been invited" in guest_client.get(f"/groups/{slug}").get_data(as_text=True)
    post_form(guest_client, f"/groups/{slug}/join", {}, page=f"/groups/{slug}")
    with app.app_context():
        group = db.session.scalar(select(Group).where(Group.slug == slug))
        assert part(group, db.session.get(Member, guest_id)) == ("member", "active")
