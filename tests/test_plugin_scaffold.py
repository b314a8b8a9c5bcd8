"""`copractice plugins new NAME` writes a plugin that installs, migrates, enables and serves its page."""
import importlib
import os
import subprocess
import sys

import pytest
from flask_migrate import upgrade
from sqlalchemy import inspect

from copractice import create_app
from copractice.extensions import db
from tests.conftest import drop_isolated, isolated_database_url, test_settings


@pytest.fixture
def installed(tmp_path, runner):
    """The scaffolded plugin pip-installed into a folder of its own, on sys.path for this test only: never into the
    test environment, which the other test processes (pytest-xdist) share and would see it in."""
    result = runner.invoke(args=["plugins", "new", "scaffolded", "--directory", str(tmp_path)])
    assert result.exit_code == 0, result.output
    path = tmp_path / "scaffolded"
    target = tmp_path / "site-packages"
    pip = [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
           "--target", str(target), str(path)]
    subprocess.run(pip, check=True, capture_output=True, timeout=300)
    sys.path.insert(0, str(target))
    importlib.invalidate_caches()
    try:
        yield path, target
    finally:
        sys.path.remove(str(target))
        importlib.invalidate_caches()
        for name in [m for m in sys.modules if m == "copractice_scaffolded" or m.startswith("copractice_scaffolded.")]:
            sys.modules.pop(name, None)


@pytest.fixture
def fresh_url(tmp_path_factory):
    url = isolated_database_url(tmp_path_factory, "scaffold")
    yield url
    drop_isolated(url)


def test_scaffolded_plugin_installs_migrates_enables_and_serves(installed, fresh_url, smtp_server):
    installed, target = installed
    app = create_app(test_settings(fresh_url, smtp_server.port))
    info = app.extensions["copractice"].infos["scaffolded"]
    assert info.loaded and info.version == "0.1.0", info.error
    with app.app_context():
        upgrade(revision="heads")
        assert "scaffolded_note" in inspect(db.engine).get_table_names()
    client = app.test_client()
    assert client.get("/scaffolded/").status_code == 404  # installed, not yet enabled
    assert app.test_cli_runner().invoke(args=["plugins", "enable", "scaffolded"]).exit_code == 0
    page = client.get("/scaffolded/")
    assert page.status_code == 200 and "<h1>Scaffolded</h1>" in page.get_data(as_text=True)
    assert "Scaffolded" in client.get("/themes").get_data(as_text=True)
    with app.app_context():
        db.engine.dispose()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(target), os.environ.get("PYTHONPATH")]))}
    own_tests = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(installed / "tests")],
                               capture_output=True, text=True, timeout=300, cwd=installed, env=env)
    assert own_tests.returncode == 0, own_tests.stdout + own_tests.stderr
    assert "6 passed" in own_tests.stdout


def test_scaffold_refuses_bad_names_and_existing_folders(tmp_path, runner):
    assert "lower-case letters" in runner.invoke(args=["plugins", "new", "Bad-Name", "--directory", str(tmp_path)]).output
    runner.invoke(args=["plugins", "new", "twice", "--directory", str(tmp_path)])
    again = runner.invoke(args=["plugins", "new", "twice", "--directory", str(tmp_path)])
    assert again.exit_code != 0 and "already exists" in again.output
