"""Issue 13, point 5: one door for plugin authors.

``copractice.plugin_api`` exports everything a plugin needs, and the bundled plugins import nothing
else from the core (their tests may also use ``copractice.testing``, the pytest plugin for authors).
"""
import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import copractice.plugin_api as api

ROOT = Path(__file__).resolve().parent.parent
PLUGINS = ROOT / "plugins"
DOOR = "copractice.plugin_api"
TEST_DOOR = "copractice.testing"


def imported_modules(path):
    """(line, module) of every absolute import in the file, including imports inside functions."""
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.lineno, node.module


def core_imports_outside_the_door(path, is_test):
    """The imports in ``path`` that reach into the core (or its test suite) other than through the door."""
    allowed = {DOOR, TEST_DOOR} if is_test else {DOOR}
    wrong = []
    for line, module in imported_modules(path):
        top = module.split(".")[0]
        if top in ("copractice", "tests", "conftest") and module not in allowed:
            wrong.append(f"{path.relative_to(ROOT)}:{line} imports {module}")
    return wrong


def plugin_files():
    files = sorted(PLUGINS.glob("*/**/*.py")) + sorted(PLUGINS.glob("*.py"))
    return [f for f in files if ".egg-info" not in str(f) and "build" not in f.relative_to(PLUGINS).parts]


def test_the_check_finds_an_import_that_goes_round_the_door(tmp_path):
    """The check itself: it catches a core import in a function body and a test's reach into tests/."""
    (tmp_path / "views.py").write_text("def view():\n    from copractice.members.models import Member\n")
    (tmp_path / "test_x.py").write_text("from tests.conftest import create_member\nfrom copractice.testing import login\n")
    global ROOT
    saved, ROOT = ROOT, tmp_path
    try:
        assert core_imports_outside_the_door(tmp_path / "views.py", is_test=False) == [
            "views.py:2 imports copractice.members.models"]
        assert core_imports_outside_the_door(tmp_path / "test_x.py", is_test=True) == [
            "test_x.py:1 imports tests.conftest"]
    finally:
        ROOT = saved


@pytest.mark.parametrize("plugin", ["dementia", "childrens_mental_health", "social_care"])
def test_bundled_plugins_import_only_the_plugin_api_from_the_core(plugin):
    files = [f for f in plugin_files() if f.relative_to(PLUGINS).parts[0] == plugin]
    assert files, f"no Python files found for {plugin}"
    wrong = []
    for path in files:
        is_test = "tests" in path.relative_to(PLUGINS / plugin).parts or path.name.startswith(("test_", "conftest"))
        wrong += core_imports_outside_the_door(path, is_test)
    assert not wrong, "plugins must import the core only through copractice.plugin_api:\n" + "\n".join(wrong)


def test_plugins_conftest_does_not_reach_into_the_core_tests():
    for path in PLUGINS.glob("*.py"):
        assert core_imports_outside_the_door(path, is_test=True) == []


# -- what the door offers -------------------------------------------------------------------------------

PROMISED = {
    # the database and the model base
    "db", "Model",
    # model classes for foreign keys and read queries
    "Member", "Course", "Session", "Enrolment", "Attendance", "Resource",
    # read access
    "get_member", "find_member_by_email", "get_course", "course_sessions", "get_resource", "visible_resources",
    "profile_answers", "profile_answer", "current_member",
    # permissions, audit, settings
    "can", "require", "permission_required", "audit", "plugin_setting",
    # hooks and the value types they return
    "hookimpl", "Theme", "NavItem", "ProfileField", "SettingField", "Widget",
    # templates
    "FORMS_TEMPLATE", "TABLES_TEMPLATE", "FORM_MACROS", "TABLE_MACROS",
}


def test_plugin_api_exports_what_it_promises_and_nothing_missing():
    assert set(api.__all__) >= PROMISED
    missing = [name for name in api.__all__ if not hasattr(api, name)]
    assert not missing, f"__all__ names what the module lacks: {missing}"
    assert len(api.__all__) == len(set(api.__all__))


def test_every_exported_function_has_type_hints():
    import inspect

    untyped = []
    for name in api.__all__:
        obj = getattr(api, name)
        if inspect.isfunction(obj) and obj.__module__ == api.__name__:
            hints = obj.__annotations__
            params = [p for p in inspect.signature(obj).parameters.values() if p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)]
            if "return" not in hints or any(p.name not in hints for p in params):
                untyped.append(name)
    assert not untyped, f"functions without full type hints: {untyped}"


def test_the_form_and_table_macros_exist(app):
    env = app.jinja_env
    for template, names in ((api.FORMS_TEMPLATE, api.FORM_MACROS), (api.TABLES_TEMPLATE, api.TABLE_MACROS)):
        module = env.get_template(template).module
        for name in names:
            assert callable(getattr(module, name, None)), f"{template} has no macro {name}"


def test_the_table_macro_renders_a_captioned_table(app):
    with app.test_request_context():
        html = app.jinja_env.from_string(
            '{% import "' + api.TABLES_TEMPLATE + '" as tables %}'
            '{{ tables.table(rows, [("Name", "name"), ("County", "county")], caption="Partners", empty="None yet.") }}'
            '{{ tables.table([], [("Name", "name")], caption="Nobody", empty="None yet.") }}'
        ).render(rows=[{"name": "Kent Carers", "county": "Kent"}])
    assert '<table class="table">' in html and "<caption" in html and "Partners" in html
    assert '<th scope="col">Name</th>' in html and "<td>Kent Carers</td>" in html
    assert "None yet." in html  # an empty list says so instead of an empty table


def test_read_access_functions(app, make_member):
    from copractice.testing import create_course, set_profile_answer

    member = make_member(email="reader@example.org")
    with app.test_request_context():
        course = create_course(sessions=2)
        set_profile_answer(api.get_member(member.id), "dementia", "connection", "carer")
        api.db.session.commit()
        assert api.get_member(member.id).email == "reader@example.org"
        assert api.find_member_by_email("READER@example.org").id == member.id
        assert api.get_member(10_000_000) is None
        assert api.get_course(course.id).title == course.title
        assert [s.starts_at for s in api.course_sessions(course)] == sorted(s.starts_at for s in course.sessions)
        assert api.profile_answers(api.get_member(member.id), "dementia") == {"connection": "carer"}
        assert api.profile_answer(api.get_member(member.id), "dementia", "connection") == "carer"
        assert api.profile_answers(api.get_member(member.id), "social_care") == {}
        assert api.current_member() is None  # nobody signed in


@pytest.mark.skipif(shutil.which("mypy", path=str(Path(sys.executable).parent)) is None, reason="mypy not installed")
def test_plugin_api_passes_mypy():
    mypy = shutil.which("mypy", path=str(Path(sys.executable).parent))
    result = subprocess.run([mypy, "copractice/plugin_api.py"], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
