"""The site has one clock: copractice.timeutil.utcnow. No module defines another or borrows it from elsewhere."""
import ast
from pathlib import Path

from copractice import timeutil

ROOT = Path(__file__).resolve().parent.parent
CLOCK_NAMES = {"utcnow", "now_utc"}


def _sources():
    for folder in ("copractice", "plugins", "tests", "bench"):
        for path in (ROOT / folder).rglob("*.py"):
            if ".venv" not in path.parts:
                yield path, ast.parse(path.read_text(), filename=str(path))


def test_only_timeutil_defines_a_clock():
    defined = [f"{path.relative_to(ROOT)}:{node.lineno}" for path, tree in _sources() for node in ast.walk(tree)
               if isinstance(node, ast.FunctionDef) and node.name in CLOCK_NAMES
               and path != ROOT / "copractice" / "timeutil.py"]
    assert defined == []


def test_every_clock_import_comes_from_timeutil():
    # copractice.plugin_api re-exports timeutil's clock for plugins (their one door).
    elsewhere = [f"{path.relative_to(ROOT)}:{node.lineno} from {node.module}" for path, tree in _sources()
                 for node in ast.walk(tree)
                 if isinstance(node, ast.ImportFrom) and node.module not in ("copractice.timeutil", "copractice.plugin_api")
                 and CLOCK_NAMES & {alias.name for alias in node.names}]
    assert elsewhere == []


def test_the_clock_is_naive_utc_and_has_one_name():
    assert not hasattr(timeutil, "now_utc")
    now = timeutil.utcnow()
    assert now.tzinfo is None
