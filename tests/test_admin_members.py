"""Admin: member list with search, filters and pages; roles; switching accounts off; the audit log; CLI."""
import pytest
from sqlalchemy import select

from copractice.admin import operations
from copractice.audit import AuditEntry
from copractice.extensions import db
from copractice.members.models import Member
from tests.conftest import AuthActions, post_form


@pytest.fixture
def admin_client(app, make_member):
    admin = make_member(email="admin@example.org", role="admin", name="Ada Admin", area="surrey")
    client = app.test_client()
    AuthActions(client).login("admin@example.org")
    client.admin = admin
    return client


def names(html):
    import re

    return re.findall(r'/admin/members/\d+">([^<]+)</a>', html)


def test_search_by_name_or_email_and_filter(admin_client, make_member):
    make_member(name="Mary Seacole", email="mary@nhs.example", role="facilitator", stakeholder_type="practitioner",
                area="surrey")
    make_member(name="Maryam Khan", email="mk@example.org", stakeholder_type="young_person", area="kent")
    make_member(name="Bob Brown", email="bob@marywood.example", area="kent")
    page = lambda q: names(admin_client.get("/admin/members" + q).get_data(as_text=True))  # noqa: E731
    assert page("?q=mary") == ["Bob Brown", "Mary Seacole", "Maryam Khan"]  # name or email
    assert page("?q=MARY&role=facilitator") == ["Mary Seacole"]
    assert page("?stakeholder_type=young_person") == ["Maryam Khan"]
    assert page("?area=kent&q=ma") == ["Bob Brown", "Maryam Khan"]
    assert "No members match" in admin_client.get("/admin/members?q=zzz").get_data(as_text=True)


def test_pagination_keeps_filters(app, admin_client, make_member):
    app.config["MEMBERS_PER_PAGE"] = 3
    for i in range(7):
        make_member(name=f"Kent {i}", area="kent")
    first = admin_client.get("/admin/members?area=kent").get_data(as_text=True)
    assert len(names(first)) == 3 and "Page 1 of 3" in first
    assert 'href="/admin/members?page=2&amp;area=kent"' in first
    third = admin_client.get("/admin/members?area=kent&page=3").get_data(as_text=True)
    assert names(third) == ["Kent 6"]


def test_role_change_is_audited_with_before_and_after(app, admin_client, make_member):
    member = make_member(name="Tom Lead")
    response = post_form(admin_client, f"/admin/members/{member.id}/role",
                         {"role": "theme_lead", "themes": ["cross-cutting"], "reason": "Leads the cross-cutting theme"},
                         page=f"/admin/members/{member.id}")
    assert response.status_code == 302
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "member.role_changed"))
        assert entry.actor_id == admin_client.admin.id and entry.target_id == str(member.id)
        assert entry.before == {"role": "trainee", "themes": []}
        assert entry.after == {"role": "theme_lead", "themes": ["cross-cutting"]}
        assert entry.reason == "Leads the cross-cutting theme" and entry.at is not None
    audit = admin_client.get("/admin/audit").get_data(as_text=True)
    assert "member.role_changed" in audit and "Tom Lead" in audit and "Ada Admin" in audit


def test_theme_lead_needs_a_theme(admin_client, make_member):
    member = make_member()
    response = post_form(admin_client, f"/admin/members/{member.id}/role", {"role": "theme_lead"},
                         page=f"/admin/members/{member.id}")
    assert response.status_code == 400
    assert "Choose at least one theme for a theme lead." in response.get_data(as_text=True)


def test_the_last_admin_cannot_be_demoted_or_switched_off(app, make_member):
    only = make_member(role="admin")
    with app.app_context():
        member = db.session.get(Member, only.id)
        with pytest.raises(operations.AdminRuleBroken):
            operations.change_role(None, member, "trainee")
        with pytest.raises(operations.AdminRuleBroken):
            operations.set_active(None, member, False)


def test_switching_an_account_off_logs_them_out_and_on_again_lets_them_in(app, admin_client, make_member):
    member = make_member(email="target@example.org")
    theirs = app.test_client()
    AuthActions(theirs).login("target@example.org")
    post_form(admin_client, f"/admin/members/{member.id}/active", {"active": "no", "reason": "Left the programme"},
              page=f"/admin/members/{member.id}")
    assert theirs.get("/account").status_code == 302
    assert "switched off" in AuthActions(theirs).login("target@example.org").get_data(as_text=True)
    post_form(admin_client, f"/admin/members/{member.id}/active", {"active": "yes"},
              page=f"/admin/members/{member.id}")
    assert AuthActions(theirs).login("target@example.org").status_code == 302
    with app.app_context():
        actions = db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
        assert actions == ["member.deactivated", "member.reactivated"]


def test_audit_log_filters_by_action(app, admin_client, make_member):
    member = make_member()
    with app.app_context():
        m = db.session.get(Member, member.id)
        operations.change_role(None, m, "facilitator")
        operations.set_active(None, m, False)
        db.session.commit()
    html = admin_client.get("/admin/audit?action=member.deactivated").get_data(as_text=True)
    assert "member.deactivated" in html and "<td>member.role_changed</td>" not in html


def test_create_admin_from_the_command_line(app, runner):
    result = runner.invoke(args=["create-admin", "--email", "First@Example.org", "--password", "long enough"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        admin = db.session.scalar(select(Member).where(Member.email == "first@example.org"))
        assert admin.role == "admin" and admin.is_verified
    again = runner.invoke(args=["create-admin", "--email", "first@example.org"])
    assert again.exit_code == 0 and "is now an admin" in again.output


def test_create_admin_without_a_password_and_no_terminal_fails_clearly(runner):
    result = runner.invoke(args=["create-admin", "--email", "x@example.org"], input=None)
    assert result.exit_code != 0 and "COPRACTICE_ADMIN_PASSWORD" in result.output


def test_demo_data_is_idempotent_and_covers_every_role_and_type(app, runner):
    from copractice.members.models import ROLES, STAKEHOLDER_TYPES

    first = runner.invoke(args=["demo-data"])
    second = runner.invoke(args=["demo-data"])
    assert first.exit_code == 0 and second.exit_code == 0
    assert "(10 new members, 3 new courses, 5 new resources)" in first.output
    assert "(0 new members, 0 new courses, 0 new resources)" in second.output
    assert "copractice-demo" in first.output
    with app.app_context():
        members = db.session.scalars(select(Member)).all()
        assert len(members) == 10
        assert {m.role for m in members} == set(ROLES)
        assert {m.stakeholder_type for m in members} == set(STAKEHOLDER_TYPES)
        from copractice.courses.models import Course

        full = db.session.scalar(select(Course).where(Course.slug == "co-producing-with-carers"))
        assert full.places_taken == full.capacity == 2 and len(full.sessions) == 2
        from copractice.library.models import Resource

        easy_read = db.session.scalar(select(Resource).where(Resource.variant_kind == "easy_read"))
        assert easy_read.variant_of.type == "leaflet" and easy_read.current_file.content_type == "application/pdf"
    assert AuthActions(app.test_client()).login("lead@example.org", "copractice-demo").status_code == 302


def test_demo_data_refused_on_production(monkeypatch, database_url):
    from copractice import create_app

    monkeypatch.setenv("COPRACTICE_SECRET_KEY", "p" * 40)
    monkeypatch.setenv("COPRACTICE_BASE_URL", "https://copractice.example.org")
    prod = create_app({"ENV_NAME": "production", "DATABASE_URL": database_url})
    result = prod.test_cli_runner().invoke(args=["demo-data"])
    assert result.exit_code != 0 and "refusing on production" in result.output


def test_saving_a_role_keeps_themes_whose_plugin_is_switched_off(app, admin_client, make_member):
    lead = make_member(role="theme_lead", themes=("cross-cutting", "switched-off-theme"))
    response = post_form(admin_client, f"/admin/members/{lead.id}/role",
                         {"role": "theme_lead", "themes": ["cross-cutting"], "reason": "Tidy up"},
                         page=f"/admin/members/{lead.id}")
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Member, lead.id).led_themes == {"cross-cutting", "switched-off-theme"}
