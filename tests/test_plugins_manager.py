"""The plugin manager: built-ins, entry points, installed vs enabled, isolation of failures."""
import pytest

from copractice.audit import AuditEntry
from copractice.extensions import db
from copractice.plugins import get_plugins
from tests.conftest import post_form

PLUGINS = [
    "sample=tests.plugins.sample_plugin",
    "broken=tests.plugins.broken_at_import",
    "noisy=tests.plugins.broken_hooks",
    "typo=tests.plugins.unknown_hook",
]


@pytest.fixture
def app_settings():
    return {"EXTRA_PLUGINS": PLUGINS}


def enable(runner, name):
    result = runner.invoke(args=["plugins", "enable", name])
    assert result.exit_code == 0, result.output


def test_manager_lives_in_app_extensions_with_builtin_and_entry_point_plugins(app):
    plugins = app.extensions["copractice"]
    assert plugins.manager.project_name == "copractice"
    assert plugins.infos["core"].builtin and plugins.infos["core"].loaded
    assert plugins.infos["sample"].loaded and not plugins.infos["sample"].builtin
    assert "copractice_nav_items" in plugins.infos["sample"].hooks


def test_plugin_failing_at_import_is_not_loaded_and_site_keeps_serving(app, client):
    info = get_plugins(app).infos["broken"]
    assert not info.loaded and "this plugin is broken on purpose" in info.error
    assert client.get("/").status_code == 200


def test_plugin_with_unknown_hook_is_refused_at_registration(app):
    info = get_plugins(app).infos["typo"]
    assert not info.loaded and "copractice_nav_itemz" in info.error
    assert get_plugins(app).manager.get_plugin("typo") is None


def test_installed_is_not_enabled(app, client):
    assert client.get("/sample/").status_code == 404
    assert "Sample theme" not in client.get("/").get_data(as_text=True)
    with app.test_request_context():
        assert "sample-theme" not in get_plugins().themes()


def test_enabling_shows_pages_nav_and_themes_to_a_fresh_request(app, client, runner):
    enable(runner, "sample")
    assert client.get("/sample/").status_code == 200
    assert "Sample theme" in client.get("/").get_data(as_text=True)
    with app.test_request_context():
        assert get_plugins().themes()["sample-theme"].name == "Sample Theme"


def test_enabled_state_lives_in_the_database_so_another_worker_sees_it(app, runner):
    from copractice import create_app

    other_worker = create_app(dict(app.config))  # a second app, as another gunicorn worker would be
    enable(runner, "sample")
    assert other_worker.test_client().get("/sample/").status_code == 200
    runner.invoke(args=["plugins", "disable", "sample"])
    assert other_worker.test_client().get("/sample/").status_code == 404


def test_page_adding_hook_that_raises_is_skipped_and_shown_on_the_plugins_page(app, client, runner, make_member):
    enable(runner, "noisy")
    response = client.get("/")
    assert response.status_code == 200 and "Log in" in response.get_data(as_text=True)
    assert client.get("/register").status_code == 200
    make_member(email="admin@example.org", role="admin")
    admin = app.test_client()
    from tests.conftest import AuthActions

    AuthActions(admin).login("admin@example.org")
    page = admin.get("/admin/plugins").get_data(as_text=True)
    assert "Last error" in page and "nav hook exploded" in page


def test_cli_list_shows_version_status_and_error(runner):
    enable(runner, "sample")
    output = runner.invoke(args=["plugins", "list"]).output
    lines = {line.split()[0]: line for line in output.splitlines()[1:]}
    assert "built-in" in lines["core"]
    assert "enabled" in lines["sample"]
    assert "disabled" in lines["noisy"]
    assert "broken" in lines["broken"] and "broken on purpose" in lines["broken"]


def test_cli_check_exits_non_zero_when_an_enabled_plugin_is_broken(app, runner):
    assert runner.invoke(args=["plugins", "check"]).exit_code == 0
    refused = runner.invoke(args=["plugins", "enable", "broken"])
    assert refused.exit_code != 0 and "cannot be enabled" in refused.output
    # A plugin enabled while it worked, then broken by an upgrade:
    from copractice.plugin_models import PluginState

    with app.app_context():
        db.session.add(PluginState(name="broken", enabled=True))
        db.session.commit()
    result = runner.invoke(args=["plugins", "check"])
    assert result.exit_code == 1 and "BROKEN broken" in result.output


def test_admin_enables_a_plugin_with_confirmation_and_it_is_audited(app, client, auth, make_member):
    make_member(email="admin@example.org", role="admin")
    auth.login("admin@example.org")
    page = client.get("/admin/plugins").get_data(as_text=True)
    assert "Broken" in page and "broken on purpose" in page
    confirm = client.get("/admin/plugins/sample").get_data(as_text=True)
    assert "Enable sample?" in confirm
    response = post_form(client, "/admin/plugins/sample", {"enabled": "yes"})
    assert response.status_code == 302
    assert client.get("/sample/").status_code == 200
    with app.app_context():
        entry = db.session.query(AuditEntry).filter_by(action="plugin.enabled").one()
        assert (entry.target_id, entry.before, entry.after) == ("sample", {"enabled": False}, {"enabled": True})


def test_plugin_profile_question_is_asked_stored_exported_and_erased(app, client, auth, make_member, runner):
    enable(runner, "sample")
    make_member(email="q@example.org")
    auth.login("q@example.org")
    form = client.get("/account/edit").get_data(as_text=True)
    assert "How are you connected to the sample theme?" in form
    post_form(client, "/account/edit", {"name": "Q", "stakeholder_type": "carer", "area": "kent",
                                        "q__sample__relationship": "lived"})
    assert "I have lived experience" in client.get("/account").get_data(as_text=True)
    data = client.get("/account/data.json").get_json()
    assert data["plugin_answers"] == [{"plugin": "sample", "field": "relationship", "value": "lived"}]


class TestCompatibility:
    @pytest.fixture
    def app_settings(self):
        return {"EXTRA_PLUGINS": ["sample=tests.plugins.sample_plugin", "too_new=tests.plugins.too_new",
                                  "old_hooks=tests.plugins.old_hooks", "undeclared=tests.plugins.undeclared"]}

    def test_incompatible_plugins_are_not_loaded_and_say_why(self, app, runner):
        infos = get_plugins(app).infos
        assert infos["sample"].loaded and infos["sample"].compatibility == "copractice >=0.1,<1, hooks v2"
        assert infos["too_new"].incompatible and "needs copractice >=2.0, and this site runs" in infos["too_new"].error
        assert infos["old_hooks"].incompatible and "hook-spec version 0" in infos["old_hooks"].error
        assert infos["undeclared"].incompatible and "does not say which copractice versions" in infos["undeclared"].error
        refused = runner.invoke(args=["plugins", "enable", "too_new"])
        assert refused.exit_code != 0 and "too_new cannot be enabled: It needs copractice >=2.0" in refused.output
        listing = runner.invoke(args=["plugins", "list"]).output
        assert "incompatible" in [line.split()[2] for line in listing.splitlines() if line.startswith("too_new")]

    def test_the_plugins_page_shows_compatibility(self, app, client, auth, make_member):
        make_member(email="admin@example.org", role="admin")
        auth.login("admin@example.org")
        page = client.get("/admin/plugins").get_data(as_text=True)
        assert "Not compatible</strong>: It needs copractice &gt;=2.0" in page
        assert "copractice &gt;=0.1,&lt;1, hooks v2" in page


def test_other_workers_see_a_switch_within_the_cache_time(app, runner):
    import time

    from copractice import create_app

    other_worker = create_app({**dict(app.config), "PLUGIN_STATE_TTL": 60})
    client = other_worker.test_client()
    assert client.get("/sample/").status_code == 404  # read once: sample is off
    enable(runner, "sample")
    assert client.get("/sample/").status_code == 404  # still within its cache time
    # A short cache time from here (the setting is read at each look-up), so only the expiry waits on the clock.
    other_worker.config["PLUGIN_STATE_TTL"] = 0.5
    time.sleep(0.6)
    assert client.get("/sample/").status_code == 200
