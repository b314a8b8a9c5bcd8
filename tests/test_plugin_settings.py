"""Plugins' settings (issue 13, point 3): typed fields with defaults, checked answers with errors beside the
fields, one function to read them, audited saves; and (point 7) a plugin's command group is refused while
the plugin is disabled."""
import pytest
from sqlalchemy import select

from copractice.audit import AuditEntry
from copractice.extensions import db
from copractice.plugin_models import PluginSetting
from tests.conftest import AuthActions, create_member, post_form
from tests.plugins import typed_settings_plugin

GOOD = {"places": "20", "contact": "lead@example.org", "tone": "formal", "topics": "Sleep\nWalking", "motto": "Hi"}


@pytest.fixture
def app_settings():
    return {"EXTRA_PLUGINS": ["typed=tests.plugins.typed_settings_plugin"]}


@pytest.fixture
def admin(app, make_member):
    """A test client signed in as an admin."""
    make_member(email="admin@example.org", role="admin")
    client = app.test_client()
    AuthActions(client).login("admin@example.org")
    return client


def settings_of(plugin):
    from copractice.plugin_settings import settings_of

    return settings_of(plugin)


def test_settings_read_typed_defaults_until_saved(app):
    from copractice.plugin_api import plugin_setting

    with app.app_context():
        assert settings_of("typed") == {"places": 12, "contact": "team@example.org", "tone": "plain",
                                        "topics": ("Sleep", "Food"), "motto": "Together"}
        assert plugin_setting("typed", "places") == 12


def test_a_saved_form_is_typed_audited_and_read_back(app, admin):
    page = admin.get("/admin/plugins/typed/settings").get_data(as_text=True)
    assert "Places on each course" in page and 'value="12"' in page and "Sleep\nFood" in page
    response = post_form(admin, "/admin/plugins/typed/settings", GOOD)
    assert response.status_code == 302
    with app.app_context():
        assert settings_of("typed") == {"places": 20, "contact": "lead@example.org", "tone": "formal",
                                        "topics": ("Sleep", "Walking"), "motto": "Hi"}
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "plugin.settings_changed"))
        assert entry.after["places"] == "20" and entry.actor.email == "admin@example.org"


@pytest.mark.parametrize("field, answer, message", [
    ("places", "lots", "Enter a whole number, like 12."),
    ("places", "41", "Enter a number from 1 to 40."),
    ("places", "0", "Enter a number from 1 to 40."),
    ("contact", "not an address", "Enter an email address in the right form, like name@example.org."),
    ("contact", "", "Enter contact email address."),
    ("tone", "shouting", "Choose one of the options."),
    ("topics", "Sleep\nsleep", "“sleep” is listed twice. List each one once."),
    ("topics", "A\nB\nC\nD", "Enter no more than 3, one on each line."),
    ("topics", "x" * 21, "is too long: use 20 characters or fewer."),
    ("motto", "two\nlines", "Enter this on one line."),
])
def test_wrong_answers_are_shown_beside_the_field_and_nothing_is_saved(app, admin, field, answer, message):
    response = post_form(admin, "/admin/plugins/typed/settings", {**GOOD, field: answer})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "There is a problem" in page and f'href="#{field}' in page
    assert f'id="{field}-error"' in page and message in page
    with app.app_context():
        assert db.session.scalar(select(PluginSetting.id)) is None
        assert db.session.scalar(select(AuditEntry.id).where(AuditEntry.action == "plugin.settings_changed")) is None


def test_the_operation_refuses_what_the_form_refuses(app):
    from copractice.plugin_settings import SettingsInvalid, save_settings

    with app.app_context():
        with pytest.raises(SettingsInvalid) as refused:
            save_settings(None, "typed", {**GOOD, "places": "99"})
        assert refused.value.errors == {"places": "Enter a number from 1 to 40."}


def test_a_value_saved_by_an_older_version_falls_back_to_the_default(app):
    with app.app_context():
        db.session.add(PluginSetting(plugin="typed", name="places", value="many"))
        db.session.commit()
        assert settings_of("typed")["places"] == 12


def test_only_admins_open_settings_pages(app, client):
    assert client.get("/admin/plugins/typed/settings").status_code == 302
    with app.app_context():
        create_member(email="lead@example.org", role="theme_lead", themes=("cross-cutting",))
    AuthActions(client).login("lead@example.org")
    assert client.get("/admin/plugins/typed/settings").status_code == 403
    assert client.post("/admin/plugins/typed/settings", data=GOOD).status_code in (400, 403)


def test_a_plugins_command_group_refuses_to_run_while_the_plugin_is_disabled(app, runner):
    typed_settings_plugin.RAN.clear()
    for args in (["typed", "count"], ["typed", "deeper", "down"]):
        refused = runner.invoke(args=args)
        assert refused.exit_code != 0 and "the typed plugin is disabled" in refused.output
    assert typed_settings_plugin.RAN == []
    assert runner.invoke(args=["plugins", "enable", "typed"]).exit_code == 0
    result = runner.invoke(args=["typed", "count"])
    assert result.exit_code == 0 and result.output == "places: 12\n"
    assert runner.invoke(args=["typed", "deeper", "down"]).exit_code == 0
    assert typed_settings_plugin.RAN == ["count", "down"]


def test_the_dementia_command_group_is_refused_while_dementia_is_disabled(app, runner):
    pytest.importorskip("copractice_dementia")
    refused = runner.invoke(args=["dementia", "seed"])
    assert refused.exit_code != 0 and "the dementia plugin is disabled" in refused.output
    with app.app_context():
        assert db.session.query(db.Model.metadata.tables["course"]).count() == 0


BUNDLED_SETTINGS = {
    "dementia": ["Which courses offer companion places?", "Suggested text size", "Suggested spacing"],
    "childrens_mental_health": ["Age below which a parent&#39;s or guardian&#39;s consent is needed",
                                "Safeguarding lead&#39;s email address"],
    "social_care": ["Groups partners serve"],
}


@pytest.mark.parametrize("name", sorted(BUNDLED_SETTINGS))
def test_every_bundled_plugin_has_a_settings_page(app, admin, name):
    pytest.importorskip(f"copractice_{name}")
    assert f'href="/admin/plugins/{name}/settings"' in admin.get("/admin/plugins").get_data(as_text=True)
    page = admin.get(f"/admin/plugins/{name}/settings").get_data(as_text=True)
    for label in BUNDLED_SETTINGS[name]:
        assert label in page
