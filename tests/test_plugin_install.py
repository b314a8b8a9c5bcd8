"""Installing plugins without a shell, safely (issue 13 point 2).

Real parts: wheels this module builds, pip installing them into a throwaway virtual environment (never the
test environment), the checking process that builds the app and migrates, and a database of each test's
own (SQLite, or PostgreSQL with COPRACTICE_TEST_DATABASE_URL). Web installs go through the Huey task, run
in-process as tests/test_jobs.py does.
"""
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from flask_migrate import upgrade as migrate_upgrade
from sqlalchemy import inspect, select, text

from copractice import create_app
from copractice.extensions import db
from copractice.jobs import jobs_for
from copractice.plugin_install import (
    InstallRefused,
    PluginInstall,
    catalogue,
    installed_version,
    request_install,
    resolve,
)
from tests.conftest import AuthActions, create_member, csrf_from, drop_isolated, isolated_database_url, test_settings
from tests.plugin_wheels import build_wheels, imports_in, throwaway_python


@pytest.fixture(scope="module")
def wheels(tmp_path_factory):
    return build_wheels(tmp_path_factory.mktemp("wheels"))


@pytest.fixture
def approved(tmp_path, wheels):
    """approved(*variants) -> a folder of approved wheels holding those variants' wheels."""
    folder = tmp_path / "approved"
    folder.mkdir()

    def fill(*variants):
        for variant in variants:
            shutil.copy(wheels[variant], folder)
        return folder

    return fill


@pytest.fixture
def site_python(tmp_path):
    return throwaway_python(tmp_path / "site-env")


@pytest.fixture(scope="module")
def migrated_template(tmp_path_factory, smtp_server):
    """SQLite: one database migrated to every head, copied for each test (PostgreSQL: None, a schema each)."""
    url = isolated_database_url(tmp_path_factory, "install_template")
    if not url.startswith("sqlite"):
        drop_isolated(url)
        return None
    app = create_app(test_settings(url, smtp_server.port))
    with app.app_context():
        migrate_upgrade(revision="heads")
        db.engine.dispose()
    return url[len("sqlite:///"):]


@pytest.fixture
def site_url(tmp_path, tmp_path_factory, migrated_template, smtp_server):
    """A database of this test's own, migrated to every head, that the checking process can reach."""
    if migrated_template:
        path = tmp_path / "site.sqlite3"
        shutil.copy(migrated_template, path)
        yield f"sqlite:///{path}"
        return
    url = isolated_database_url(tmp_path_factory, "install")
    app = create_app(test_settings(url, smtp_server.port))
    with app.app_context():
        migrate_upgrade(revision="heads")
        db.engine.dispose()
    yield url
    drop_isolated(url)


@pytest.fixture
def make_site(site_url, smtp_server, site_python, tmp_path):
    """make_site(**settings) -> an app on the test's database installing into the throwaway environment."""
    apps = []

    def make(**settings):
        app = create_app(test_settings(site_url, smtp_server.port, PLUGIN_PYTHON=site_python,
                                       UPLOAD_FOLDER=str(tmp_path / "uploads"), **settings))
        apps.append(app)
        return app

    yield make
    for app in apps:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def revisions(app):
    with app.app_context():
        found = set(db.session.execute(text("SELECT version_num FROM alembic_version")).scalars())
        db.session.remove()
        return found


def tables(app):
    with app.app_context():
        found = set(inspect(db.engine).get_table_names())
        db.session.remove()
        return found


def installs(app):
    with app.app_context():
        rows = [(r.status, r.message, r.active) for r in db.session.scalars(select(PluginInstall).order_by(PluginInstall.id))]
        db.session.remove()
        return rows


def run_cli(app, *args):
    return app.test_cli_runner().invoke(args=["plugins", "install", *args])


# -- the command line ---------------------------------------------------------------------------------------

def test_command_installs_an_approved_wheel_migrates_it_and_reloads_gunicorn(make_site, approved, site_python,
                                                                             tmp_path):
    # A stand-in for gunicorn's master: it notes the SIGHUP a graceful reload is asked for with.
    marker = tmp_path / "hup"
    master = subprocess.Popen([sys.executable, "-c",
                               "import signal, sys, time\n"
                               "signal.signal(signal.SIGHUP, lambda *a: (open(sys.argv[1], 'w').write('HUP'), sys.exit(0)))\n"
                               "print('ready', flush=True)\ntime.sleep(3600)", str(marker)],
                              stdout=subprocess.PIPE, text=True)
    assert master.stdout.readline().strip() == "ready"
    pidfile = tmp_path / "gunicorn.pid"
    pidfile.write_text(f"{master.pid}\n")
    app = make_site(PLUGIN_WHEELS=str(approved("good-1.0.0")), PLUGIN_RELOAD_PIDFILE=str(pidfile))
    before = revisions(app)
    try:
        result = run_cli(app, "tiny")
        assert result.exit_code == 0, result.output + result.stderr
        master.wait(20)
    finally:
        if master.poll() is None:
            master.kill()
    assert marker.read_text() == "HUP"
    assert "Installed copractice-tiny 1.0.0." in result.output
    assert "installed but not switched on" in result.output
    assert f"process {master.pid}) was asked to reload gracefully" in result.output
    assert imports_in(site_python, "copractice_tiny")  # in the site's environment...
    assert not imports_in(sys.executable, "copractice_tiny")  # ...not in the one running the tests
    assert revisions(app) == before | {"tiny_0001"} and "tiny_note" in tables(app)
    with app.app_context():
        assert db.session.execute(text("SELECT count(*) FROM plugin_state WHERE enabled = true "
                                       "AND name = 'tiny'")).scalar() == 0  # installed is not enabled
    assert [(status, active) for status, _message, active in installs(app)] == [("done", None)]


def test_a_failed_upgrade_puts_the_previous_version_back_and_a_good_one_migrates(make_site, approved, wheels,
                                                                                site_python):
    folder = approved("good-1.0.0", "bad-migration-2.0.0")
    app = make_site(PLUGIN_WHEELS=str(folder))
    assert run_cli(app, "copractice-tiny==1.0.0").exit_code == 0
    before, tables_before = revisions(app), tables(app)

    result = run_cli(app, "tiny")  # the newest in the folder: 2.0.0, whose second migration fails
    assert result.exit_code == 1
    assert "Its database changes failed, so none of them were kept" in result.stderr
    assert "Version 1.0.0 has been put back, and the database is as it was." in result.stderr
    assert "Traceback" not in result.stderr.split("Error:")[-1]
    assert installed_version(site_python, "copractice-tiny") == "1.0.0"
    assert revisions(app) == before and tables(app) == tables_before  # tiny_tag was made, then rolled back
    assert installs(app)[-1][0] == "failed"

    shutil.copy(wheels["good-2.0.0"], folder)  # the admin approves a corrected 2.0.0
    result = run_cli(app, "tiny")
    assert result.exit_code == 0, result.output + result.stderr
    assert "Upgraded copractice-tiny from 1.0.0 to 2.0.0." in result.output
    assert installed_version(site_python, "copractice-tiny") == "2.0.0"
    assert revisions(app) == before - {"tiny_0001"} | {"tiny_0002"} and "tiny_tag" in tables(app)


def test_a_failed_migration_of_a_new_plugin_keeps_none_of_its_changes(make_site, approved, site_python):
    # Its first migration works and its second fails: the first must not be kept either (one transaction).
    app = make_site(PLUGIN_WHEELS=str(approved("bad-migration-2.0.0")))
    before, tables_before = revisions(app), tables(app)
    result = run_cli(app, "tiny")
    assert result.exit_code == 1
    assert "It has been uninstalled again, and the database is as it was." in result.stderr
    assert not imports_in(site_python, "copractice_tiny")
    assert revisions(app) == before and tables(app) == tables_before and "tiny_note" not in tables(app)


def test_a_plugin_that_does_not_load_is_uninstalled_again(make_site, approved, site_python):
    folder = approved()
    app = make_site(PLUGIN_WHEELS=str(folder))
    before = revisions(app)
    for variant, says in [
        ("incompatible-1.0.0", "The plugin tiny does not work with this site: It needs copractice >=99"),
        ("import-error-1.0.0", "The plugin tiny could not be loaded: ImportError: copractice_tiny needs a module"),
    ]:
        for old in folder.iterdir():
            old.unlink()
        approved(variant)
        result = run_cli(app, "tiny")
        assert result.exit_code == 1
        assert says in result.stderr and "It has been uninstalled again" in result.stderr
        assert installed_version(site_python, "copractice-tiny") is None
        assert revisions(app) == before and "tiny_note" not in tables(app)
        status, message, active = installs(app)[-1]
        assert (status, active) == ("failed", None) and says in message


def test_when_pip_fails_nothing_changes(make_site, site_python, monkeypatch):
    monkeypatch.setenv("PIP_NO_INDEX", "1")  # the package index is "down": no network in tests
    app = make_site()
    before = revisions(app)
    result = run_cli(app, "copractice-no-such-plugin")
    assert result.exit_code == 1
    assert ("pip could not find a package called copractice-no-such-plugin in the package index. "
            "Nothing was changed.") in result.stderr
    assert "Traceback" not in result.output + result.stderr
    assert revisions(app) == before
    assert installs(app)[-1][:1] == ("failed",)


def test_refusals_name_what_is_wrong_without_running_pip(make_site, approved, wheels, tmp_path):
    folder = approved("good-1.0.0")
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    stray = Path(shutil.copy(wheels["good-2.0.0"], outside))
    app = make_site(PLUGIN_WHEELS=str(folder))
    refusals = {
        "unknown": ("copractice-nothing", "There is no plugin called 'copractice-nothing' in the approved folder"),
        "outside": (str(stray), "is not in the approved folder of wheels"),
        "climbing out": (f"{folder}/../elsewhere/{stray.name}", "is not in the approved folder of wheels"),
        "url": ("https://example.org/copractice_tiny-2.0.0-py3-none-any.whl", "not from a web address"),
        "vcs": ("git+https://example.org/tiny.git", "not from a web address"),
    }
    for what, (target, says) in refusals.items():
        result = run_cli(app, target)
        assert result.exit_code == 1 and says in result.stderr, (what, result.stderr)
    assert installs(app) == []  # refused before anything was recorded or run
    with pytest.raises(InstallRefused, match="not a package name"):
        resolve("tiny; echo owned", None)


# -- the approved catalogue -----------------------------------------------------------------------------------

def test_the_catalogue_reads_wheels_without_running_them(approved, tmp_path):
    folder = approved("good-2.0.0", "import-error-1.0.0")
    (folder / "broken-1.0-py3-none-any.whl").write_bytes(b"not a zip")
    with zipfile.ZipFile(folder / "helper-1.0-py3-none-any.whl", "w") as helper:  # a supporting library
        helper.writestr("helper-1.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: helper\nVersion: 1.0\n")
    found = [(w.name, w.version, w.summary, w.plugins) for w in catalogue(folder)]
    assert found == [("copractice-tiny", "2.0.0", "A tiny plugin for the install tests (2.0.0)", ["tiny"]),
                     ("copractice-tiny", "1.0.0", "A tiny plugin for the install tests (1.0.0)", ["tiny"])]
    assert "copractice_tiny" not in sys.modules  # the wheel whose import raises was listed, not imported


@pytest.fixture
def catalogue_site(make_site, approved):
    folder = approved("good-1.0.0")
    return make_site(PLUGIN_WHEELS=str(folder), PLUGIN_INSTALL="catalogue", JOBS_URL="memory://"), folder


def signed_in(app, role="admin"):
    with app.app_context():
        create_member(email=f"{role}@example.org", role=role, themes=("cross-cutting",) if role == "theme_lead" else ())
    client = app.test_client()
    assert AuthActions(client).login(f"{role}@example.org").status_code == 302
    return client


def run_queued_jobs(app):
    """What `copractice worker` does with each queued job, in this process."""
    huey = jobs_for(app).huey
    ran = []
    while (task := huey.dequeue()) is not None:
        huey.execute(task)
        ran.append(task.name)
    return ran


def test_an_admin_installs_from_the_catalogue_through_a_job(catalogue_site, site_python):
    app, _folder = catalogue_site
    client = signed_in(app)
    page = client.get("/admin/plugins/catalogue").get_data(as_text=True)
    assert "copractice-tiny" in page and "A tiny plugin for the install tests (1.0.0)" in page
    assert "Not installed" in page
    response = client.post("/admin/plugins/catalogue", data={"csrf_token": csrf_from(page),
                                                               "wheel": "copractice_tiny-1.0.0-py3-none-any.whl"})
    assert response.status_code == 302
    progress_url = response.headers["Location"]
    queued = client.get(progress_url).get_data(as_text=True)
    assert 'aria-live="polite"' in queued and "Status: Waiting to start." in queued
    assert not imports_in(site_python, "copractice_tiny")  # nothing ran in the request
    # Only one install at a time.
    again = client.post("/admin/plugins/catalogue", data={"csrf_token": csrf_from(page),
                                                            "wheel": "copractice_tiny-1.0.0-py3-none-any.whl"})
    assert again.status_code == 400 and "Another plugin is being installed" in again.get_data(as_text=True)
    assert run_queued_jobs(app) == ["install_plugin"]
    done = client.get(progress_url).get_data(as_text=True)
    assert "Status: Installed." in done and "installed but not switched on" in done
    assert imports_in(site_python, "copractice_tiny") and "tiny_note" in tables(app)
    with app.app_context():
        assert db.session.execute(text("SELECT count(*) FROM audit_entry WHERE action = 'plugin.install_requested'")
                                  ).scalar() == 1


@pytest.mark.parametrize("forged", [
    "../approved/copractice_tiny-1.0.0-py3-none-any.whl",
    "/etc/passwd",
    "https://example.org/copractice_evil-1.0-py3-none-any.whl",
    "copractice-tiny",
    "requests",
    "copractice_tiny-9.9.9-py3-none-any.whl",
])
def test_a_forged_form_cannot_install_anything_outside_the_catalogue(catalogue_site, forged):
    app, _folder = catalogue_site
    client = signed_in(app)
    page = client.get("/admin/plugins/catalogue").get_data(as_text=True)
    response = client.post("/admin/plugins/catalogue", data={"csrf_token": csrf_from(page), "wheel": forged})
    assert response.status_code == 400
    assert "That plugin is not in the approved catalogue" in response.get_data(as_text=True)
    assert installs(app) == [] and list(jobs_for(app).huey.pending()) == []
    with app.app_context(), app.test_request_context(), pytest.raises(InstallRefused):
        request_install(None, forged)  # the rule itself refuses too, whatever a form lets through


def test_a_wheel_swapped_after_the_request_is_not_installed(catalogue_site, wheels, site_python):
    app, folder = catalogue_site
    client = signed_in(app)
    page = client.get("/admin/plugins/catalogue").get_data(as_text=True)
    client.post("/admin/plugins/catalogue", data={"csrf_token": csrf_from(page),
                                                  "wheel": "copractice_tiny-1.0.0-py3-none-any.whl"})
    shutil.copy(wheels["import-error-1.0.0"], folder)  # same file name, other contents
    run_queued_jobs(app)
    status, message, active = installs(app)[-1]
    assert (status, active) == ("failed", None) and "changed after the install was asked for" in message
    assert not imports_in(site_python, "copractice_tiny")


@pytest.mark.parametrize("settings, statuses", [
    ({"PLUGIN_INSTALL": "off"}, {"anonymous": 302, "trainee": 403, "facilitator": 403, "theme_lead": 403, "admin": 403}),
    ({"PLUGIN_INSTALL": "catalogue"},
     {"anonymous": 302, "trainee": 403, "facilitator": 403, "theme_lead": 403, "admin": 200}),
    ({"PLUGIN_INSTALL": "catalogue", "PLUGIN_INSTALL_BY_THEME_LEADS": True},
     {"anonymous": 302, "trainee": 403, "facilitator": 403, "theme_lead": 200, "admin": 200}),
])
def test_who_may_install_from_the_web(make_site, approved, settings, statuses):
    app = make_site(PLUGIN_WHEELS=str(approved("good-1.0.0")), **settings)
    for role, status in statuses.items():
        client = app.test_client() if role == "anonymous" else signed_in(app, role)
        assert client.get("/admin/plugins/catalogue").status_code == status, role
        if role == "theme_lead":  # the menu leads a theme lead there when they may install
            menu_link = 'href="/admin/plugins/catalogue"' in client.get("/account").get_data(as_text=True)
            assert menu_link is (status == 200)
        if status == 200 and role == "theme_lead":
            page = client.get("/admin/plugins/catalogue").get_data(as_text=True)
            response = client.post("/admin/plugins/catalogue", data={
                "csrf_token": csrf_from(page), "wheel": "copractice_tiny-1.0.0-py3-none-any.whl"})
            assert response.status_code == 302 and client.get(response.headers["Location"]).status_code == 200


def test_an_install_whose_worker_died_stops_blocking_others(catalogue_site):
    from datetime import timedelta

    from copractice.timeutil import utcnow

    app, _folder = catalogue_site
    with app.app_context():
        db.session.add(PluginInstall(requested="copractice_tiny-1.0.0-py3-none-any.whl", source="catalogue",
                                     status="installing", active=1, created_at=utcnow() - timedelta(days=1)))
        db.session.commit()
    client = signed_in(app)
    page = client.get("/admin/plugins/catalogue").get_data(as_text=True)
    response = client.post("/admin/plugins/catalogue", data={"csrf_token": csrf_from(page),
                                                               "wheel": "copractice_tiny-1.0.0-py3-none-any.whl"})
    assert response.status_code == 302
    (old_status, old_message, old_active), (status, _message, active) = installs(app)
    assert (old_status, old_active) == ("failed", None) and "stopped without finishing" in old_message
    assert (status, active) == ("queued", 1)
