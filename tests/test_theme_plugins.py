"""Theme leads run their themes' plugins (issue 13, point 1): a theme's Plugins page lists the plugins that provide
or extend it with their status, errors and slow hooks; its lead switches them, edits their settings and previews
them when an admin allows it; every change is audited; the lead of another theme is refused."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from copractice.audit import AuditEntry
from copractice.extensions import db
from copractice.members.models import Member
from copractice.permissions import can
from copractice.plugin_models import PluginSetting, PluginState
from copractice.plugins import get_plugins
from copractice.slow_hooks import PluginSlowHook
from copractice.theme_plugins import ThemePlugin, plugins_of_theme
from copractice.timeutil import utcnow
from tests.conftest import AuthActions, csrf_from, post_form

pytest.importorskip("copractice_dementia")
pytest.importorskip("copractice_social_care")


@pytest.fixture
def app_settings():
    return {"EXTRA_PLUGINS": ["memory_cafes=tests.plugins.memory_cafes",
                              "incompatible_extension=tests.plugins.incompatible_extension"]}


@pytest.fixture
def people(make_member):
    return {"lead": make_member(email="lead@example.org", role="theme_lead", themes=("dementia",)),
            "other": make_member(email="other@example.org", role="theme_lead", themes=("social-care",)),
            "admin": make_member(email="admin@example.org", role="admin"),
            "member": make_member(email="member@example.org", role="trainee")}


def signed_in(app, email):
    client = app.test_client()
    assert AuthActions(client).login(email).status_code == 302
    return client


def allow_leads(app, *names, enabled=False):
    """As an admin did earlier on Admin -> Plugins: theme leads may manage these plugins."""
    with app.app_context():
        for name in names:
            db.session.merge(PluginState(name=name, enabled=enabled, theme_leads_may_manage=True))
        db.session.commit()


def post(client, url, data):
    token = csrf_from(client.get("/password/forgot").get_data(as_text=True))
    return client.post(url, data={"csrf_token": token, **data})


def audit_actions(app):
    with app.app_context():
        return db.session.execute(select(AuditEntry.action, AuditEntry.target_id, AuditEntry.before, AuditEntry.after,
                                         AuditEntry.reason).order_by(AuditEntry.id)).all()


def test_a_theme_has_the_plugins_that_provide_or_extend_it(app):
    with app.test_request_context():
        found = {tp.name: tp.relation for tp in plugins_of_theme(get_plugins(), "dementia")}
        assert found == {"dementia": "provides", "memory_cafes": "extends", "incompatible_extension": "extends"}
        assert {tp.name for tp in plugins_of_theme(get_plugins(), "social-care")} == {"social_care"}


def test_the_lead_reaches_a_switched_off_theme_and_its_plugins_and_members_do_not(app, people):
    lead = signed_in(app, "lead@example.org")
    assert "Living with Dementia" in lead.get("/themes").get_data(as_text=True)
    page = lead.get("/themes/dementia")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "This theme is switched off: members cannot see this page." in html
    assert 'href="/themes/dementia/plugins"' in html
    member = signed_in(app, "member@example.org")
    assert member.get("/themes/dementia").status_code == 404
    assert "Living with Dementia" not in member.get("/themes").get_data(as_text=True)
    assert 'href="/themes/cross-cutting/plugins"' not in member.get("/themes/cross-cutting").get_data(as_text=True)


def test_the_plugins_page_shows_status_errors_and_slow_hooks(app, people):
    with app.app_context():
        db.session.add(PluginState(name="memory_cafes", enabled=True, last_error="copractice_dashboard_widgets: "
                                   "KeyError: 'cafe'", last_error_at=utcnow()))
        db.session.add(PluginSlowHook(plugin="memory_cafes", hook="copractice_dashboard_widgets", ms=812,
                                      at=utcnow() - timedelta(minutes=2)))
        db.session.commit()
    html = signed_in(app, "lead@example.org").get("/themes/dementia/plugins").get_data(as_text=True)
    rows = {name: html.split(f"<td>{name}</td>")[1].split("</tr>")[0]
            for name in ("dementia", "memory_cafes", "incompatible_extension")}
    assert "<td>Switched off</td>" in rows["dementia"] and "makes this theme" in rows["dementia"]
    assert "<td>Switched on for Living with Dementia courses (as for the rest of the site)</td>" in rows["memory_cafes"]
    assert "adds to this theme" in rows["memory_cafes"]
    assert "KeyError: &#39;cafe&#39;" in rows["memory_cafes"] and "copractice_dashboard_widgets: 812 ms" in rows["memory_cafes"]
    assert "<td>Not compatible</td>" in rows["incompatible_extension"] and "It needs copractice &gt;=99" in html
    assert "social_care" not in html
    # No admin has let theme leads manage them yet.
    assert html.count("Only an admin can change it") == 3 and "/switch" not in html


def test_an_admin_lets_theme_leads_manage_a_plugin_and_it_is_audited(app, people):
    admin = signed_in(app, "admin@example.org")
    assert 'action="/admin/plugins/dementia/theme-leads"' in admin.get("/admin/plugins").get_data(as_text=True)
    assert post(admin, "/admin/plugins/dementia/theme-leads", {"allowed": "maybe"}).status_code == 302
    assert audit_actions(app) == []  # not understood: nothing changed
    assert post(admin, "/admin/plugins/dementia/theme-leads", {"allowed": "yes"}).status_code == 302
    with app.app_context():
        state = db.session.get(PluginState, "dementia")
        assert state.theme_leads_may_manage and not state.enabled
    assert audit_actions(app)[-1] == ("plugin.theme_leads_allowed", "dementia", {"theme_leads_may_manage": False},
                                      {"theme_leads_may_manage": True}, None)
    assert "May switch it and change its settings" in admin.get("/admin/plugins").get_data(as_text=True)
    assert post(admin, "/admin/plugins/dementia/theme-leads", {"allowed": "no"}).status_code == 302
    assert audit_actions(app)[-1][0] == "plugin.theme_leads_refused"
    lead = signed_in(app, "lead@example.org")
    assert post(lead, "/admin/plugins/dementia/theme-leads", {"allowed": "yes"}).status_code == 403


def test_the_lead_switches_a_plugin_through_the_admin_operation_and_it_is_audited(app, people):
    lead = signed_in(app, "lead@example.org")
    assert lead.get("/themes/dementia/plugins/dementia/switch").status_code == 403  # not allowed yet
    allow_leads(app, "dementia")
    confirm = lead.get("/themes/dementia/plugins/dementia/switch")
    assert confirm.status_code == 200 and "Yes, switch it on" in confirm.get_data(as_text=True)
    response = post_form(lead, "/themes/dementia/plugins/dementia/switch", {"enabled": "yes"})
    assert response.status_code == 302 and response.headers["Location"] == "/themes/dementia/plugins"
    with app.app_context():
        assert db.session.get(PluginState, "dementia").enabled
    action, target, before, after, reason = audit_actions(app)[-1]
    assert (action, target, before, after) == ("plugin.enabled", "dementia", {"enabled": False}, {"enabled": True})
    assert reason == "From the Living with Dementia theme's plugins page"
    member = signed_in(app, "member@example.org")
    assert member.get("/themes/dementia").status_code == 200  # on for everyone
    page = lead.get("/themes/dementia/plugins").get_data(as_text=True)
    assert "dementia is now switched on for everyone." in page and "plugin.enabled" not in page
    assert "enabled (dementia): enabled True" in page  # the recent changes list


def test_the_lead_edits_settings_with_the_same_checked_form(app, people):
    lead = signed_in(app, "lead@example.org")
    assert lead.get("/themes/dementia/plugins/memory_cafes/settings").status_code == 403
    allow_leads(app, "memory_cafes")
    page = lead.get("/themes/dementia/plugins/memory_cafes/settings").get_data(as_text=True)
    assert "Memory cafés each month" in page and 'href="/themes/dementia/plugins"' in page
    wrong = post_form(lead, "/themes/dementia/plugins/memory_cafes/settings", {"cafes_a_month": "20"})
    html = wrong.get_data(as_text=True)
    assert wrong.status_code == 400 and 'id="cafes_a_month-error"' in html and "Enter a number from 1 to 8." in html
    with app.app_context():
        assert db.session.scalar(select(func.count(PluginSetting.id))) == 0
    saved = post_form(lead, "/themes/dementia/plugins/memory_cafes/settings", {"cafes_a_month": "4"})
    assert saved.status_code == 302 and saved.headers["Location"] == "/themes/dementia/plugins/memory_cafes/settings"
    with app.app_context():
        from copractice.plugin_settings import settings_of

        assert settings_of("memory_cafes") == {"cafes_a_month": 4}
    action, target, before, after, _reason = audit_actions(app)[-1]
    assert (action, target, before, after) == ("plugin.settings_changed", "memory_cafes", {}, {"cafes_a_month": "4"})


def main_nav(html):
    return html.split('aria-label="Main"')[1].split("</nav>")[0]


def table_rows(app):
    """Everything stored that a preview could have changed."""
    with app.app_context():
        return [db.session.execute(select(*model.__table__.c)).all() for model in (PluginState, PluginSetting, AuditEntry)]


def test_a_preview_shows_the_plugin_for_that_request_only_and_writes_nothing(app, people):
    allow_leads(app, "dementia", "memory_cafes")
    lead = signed_in(app, "lead@example.org")
    member = signed_in(app, "member@example.org")
    assert "Reading settings" not in main_nav(member.get("/account").get_data(as_text=True))
    before = [[tuple(row) for row in rows] for rows in table_rows(app)]

    preview = lead.get("/themes/dementia/plugins/dementia/preview")
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200
    assert "Preview — members do not see this yet." in html and "<h1>Living with Dementia</h1>" in html
    assert '<a href="/account/reading">Reading settings</a>' in main_nav(html)  # the nav link dementia adds
    assert "Easier reading" in html  # the account-page widget it adds
    cafes = lead.get("/themes/dementia/plugins/memory_cafes/preview").get_data(as_text=True)
    assert "Memory cafés" in cafes and "Easier reading" not in cafes

    assert [[tuple(row) for row in rows] for rows in table_rows(app)] == before
    assert member.get("/themes/dementia").status_code == 404
    assert "Reading settings" not in main_nav(member.get("/account").get_data(as_text=True))
    after = lead.get("/themes/dementia").get_data(as_text=True)
    assert "This theme is switched off" in after and "Preview" not in after
    with app.test_request_context():
        assert not get_plugins().is_enabled("dementia")


def test_a_preview_is_only_of_a_loaded_plugin(app):
    with app.test_request_context():
        with pytest.raises(ValueError):
            get_plugins().preview("incompatible_extension")
        with pytest.raises(ValueError):
            get_plugins().preview("no_such_plugin")


def test_the_lead_of_another_theme_is_refused_everything_of_this_theme(app, people):
    allow_leads(app, "dementia", "memory_cafes")
    other = signed_in(app, "other@example.org")
    for url in ("/themes/dementia/plugins", "/themes/dementia/plugins/dementia/switch",
                "/themes/dementia/plugins/memory_cafes/settings", "/themes/dementia/plugins/dementia/preview",
                "/themes/dementia/plugins/memory_cafes/preview"):
        assert other.get(url).status_code == 403, url
    assert post(other, "/themes/dementia/plugins/dementia/switch", {"enabled": "yes"}).status_code == 403
    assert post(other, "/themes/dementia/plugins/memory_cafes/settings", {"cafes_a_month": "3"}).status_code == 403
    # Nor through their own theme's address: the plugin does not belong to it.
    assert other.get("/themes/social-care/plugins/dementia/switch").status_code == 404
    assert other.get("/admin/plugins/dementia/settings").status_code == 403
    with app.app_context():
        assert not db.session.get(PluginState, "dementia").enabled
        assert db.session.scalar(select(func.count(PluginSetting.id))) == 0


def test_admins_manage_every_themes_plugins_whatever_the_flag(app, people):
    admin = signed_in(app, "admin@example.org")
    assert admin.get("/themes/dementia/plugins").status_code == 200
    assert admin.get("/themes/dementia/plugins/dementia/switch").status_code == 200
    assert admin.get("/themes/dementia/plugins/memory_cafes/settings").status_code == 200
    assert admin.get("/themes/social-care/plugins/social_care/preview").status_code == 200


def test_the_permission_rules_for_a_themes_plugins(app, people):
    with app.app_context():
        lead, other = db.session.get(Member, people["lead"].id), db.session.get(Member, people["other"].id)
        allowed = ThemePlugin("dementia", "dementia", "provides", True)
        for action in ("plugin.manage", "plugin.configure"):
            assert can(lead, action, allowed)
            assert not can(lead, action, ThemePlugin("dementia", "dementia", "provides", False))
            assert not can(other, action, allowed)
            assert not can(lead, action, ThemePlugin("dementia", "dementia", "", True))
            assert not can(lead, action, "dementia")  # the admin page's settings: admins only
            assert not can(None, action, allowed)
        admin = db.session.get(Member, people["admin"].id)
        assert can(admin, "plugin.manage", allowed) and can(admin, "plugin.configure", "dementia")
