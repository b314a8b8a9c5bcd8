"""docs/plugins.md works as printed: its example plugin installs, migrates, loads and passes its own tests,
and its tables of permission actions and contents are complete.

The example's files are the fenced code blocks that follow a line ``<!-- file: PATH -->`` in the guide.
They are written into a temporary folder, pip-installed into a throwaway target folder (so the plugin is
found through its own entry point, as on a real site), migrated with ``copractice db upgrade`` and tested
with pytest, each in a process of its own: the example's models must not join this process's tables.
"""
import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect

from copractice.permissions import known_actions
from tests.conftest import drop_isolated, isolated_database_url

ROOT = Path(__file__).parent.parent
GUIDE = ROOT / "docs" / "plugins.md"
FILE_BLOCK = re.compile(r"^<!-- file: (\S+) -->\n```[\w+-]*\n(.*?)^```$", re.S | re.M)
EXAMPLE_FILES = {
    "pyproject.toml", "copractice_primary_care/__init__.py", "copractice_primary_care/models.py",
    "copractice_primary_care/views.py", "copractice_primary_care/templates/primary_care/practices.html",
    "copractice_primary_care/migrations/versions/primary_care_0001_practices.py", "tests/test_primary_care.py",
}
COPRACTICE = str(Path(sys.executable).parent / "copractice")

# Until copractice.testing (issue 13, point 6) is merged, the example's tests get its fixtures from this
# stand-in, built on the core's own test fixtures. Once copractice.testing is installed it is not used.
STAND_IN_CONFTEST = '''\
import pytest
from tests.conftest import *  # noqa: F401,F403
from tests.conftest import AuthActions, _schema  # noqa: F401


@pytest.fixture
def login():
    def log_in(client, member):
        assert AuthActions(client).login(member.email).status_code == 302
    return log_in


@pytest.fixture
def enable_plugin(runner):
    def enable(name):
        result = runner.invoke(args=["plugins", "enable", name])
        assert result.exit_code == 0, result.output
    return enable
'''


def guide():
    return GUIDE.read_text()


def example_files():
    return dict(FILE_BLOCK.findall(guide()))


def test_the_guide_holds_every_file_of_its_example():
    assert set(example_files()) == EXAMPLE_FILES


def test_the_example_reaches_the_core_only_through_the_plugin_api():
    for path, text in example_files().items():
        if path.endswith(".py") and not path.startswith("tests/"):
            core = set(re.findall(r"^\s*(?:from|import) (copractice(?:\.\w+)*)\b", text, flags=re.M))
            assert core <= {"copractice.plugin_api"}, f"{path} imports {core - {'copractice.plugin_api'}}"


def test_the_core_revisions_the_guide_names_create_the_tables_it_says():
    section = guide().split("**Which core revision to depend on.**", 1)[1].split("\n\n**", 1)[0]
    rows = re.findall(r"^\| `(\d{4})` \| (.+) \|$", section, flags=re.M)
    assert [revision for revision, _ in rows] == ["0001", "0002", "0003", "0004", "0005"]
    for revision, tables in rows:
        [migration] = (ROOT / "migrations" / "versions").glob(f"*_{revision}_*.py")
        created = set(re.findall(r"create_table\(\s*['\"](\w+)['\"]", migration.read_text()))
        named = set(re.findall(r"`(\w+)`", tables))
        assert named <= created, f"revision {revision} does not create {named - created}"
        assert all(table in named or table.startswith("resource_") for table in created), (revision, created - named)


def test_every_permission_action_is_in_the_guide_with_its_obj():
    section = guide().split("### Permission actions", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| `([\w.]+)` \| ([^|]+) \| ([^|]+) \|$", section, flags=re.M)
    documented = [action for action, _, _ in rows]
    missing = sorted(set(known_actions()) - set(documented))
    assert not missing, f"docs/plugins.md, 'Permission actions', has no row for {missing}"
    stale = sorted(set(documented) - set(known_actions()))
    assert not stale, f"docs/plugins.md lists actions copractice.permissions no longer has: {stale}"
    assert len(documented) == len(set(documented))
    assert all(obj.strip() and who.strip() for _, obj, who in rows)


def test_the_contents_list_every_section():
    text = guide()
    headings = re.findall(r"^## (.+)$", text, flags=re.M)
    contents = re.findall(r"^\d+\. \[(.+)\]\(#([\w-]+)\)$", text, flags=re.M)
    assert [title for title, _ in contents] == [h for h in headings if h != "Contents"]
    for title, anchor in contents:  # GitHub's anchors: lower case, spaces to hyphens, punctuation dropped
        assert anchor == re.sub(r"[^\w\- ]", "", title.lower()).replace(" ", "-")


@pytest.fixture
def example(tmp_path):
    """The example plugin written out of the guide, and a throwaway folder it is pip-installed into."""
    source = tmp_path / "copractice-primary-care"
    for relative, text in example_files().items():
        path = source / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    target = tmp_path / "site-packages"
    pip = [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
           "--target", str(target), str(source)]
    installed = subprocess.run(pip, capture_output=True, text=True, timeout=300)
    assert installed.returncode == 0, installed.stderr
    return source, target


@pytest.fixture
def example_database(tmp_path_factory):
    url = isolated_database_url(tmp_path_factory, "guide")
    yield url
    drop_isolated(url)


def run(args, target, cwd, **env):
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join([str(target), str(ROOT)]), **env}
    return subprocess.run(args, capture_output=True, text=True, timeout=600, cwd=cwd, env=environment)


def test_the_example_installs_migrates_loads_and_passes_its_own_tests(example, example_database):
    source, target = example
    site = {"COPRACTICE_DATABASE_URL": example_database, "COPRACTICE_ENV": "development"}

    upgraded = run([COPRACTICE, "db", "upgrade"], target, source, **site)
    assert upgraded.returncode == 0, upgraded.stderr
    engine = create_engine(example_database)
    try:
        columns = {c["name"] for c in inspect(engine).get_columns("primary_care_practice")}
    finally:
        engine.dispose()
    assert columns == {"id", "name", "town", "added_by_id", "added_at"}

    listed = run([COPRACTICE, "plugins", "list"], target, source, **site)
    row = next(line for line in listed.stdout.splitlines() if line.startswith("primary_care "))
    assert row.split()[1:3] == ["0.1.0", "disabled"], listed.stdout + listed.stderr  # loaded, compatible, off

    if importlib.util.find_spec("copractice.testing") is None:
        (source / "tests" / "conftest.py").write_text(STAND_IN_CONFTEST)
    # -P: the tests import the installed copy (templates and migrations from the wheel), not the source folder.
    tests = run([sys.executable, "-P", "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"], target, source)
    assert tests.returncode == 0, tests.stdout + tests.stderr
    assert re.search(r"\b6 passed\b", tests.stdout), tests.stdout
