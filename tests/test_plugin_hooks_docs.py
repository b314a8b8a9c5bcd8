"""docs/plugin_hooks.md documents every hook in copractice/hookspecs.py, with its signature."""
import inspect
import re
from pathlib import Path

from copractice import hookspecs

DOC = (Path(__file__).parent.parent / "docs" / "plugin_hooks.md").read_text()


def hook_names():
    return sorted(name for name in dir(hookspecs) if name.startswith("copractice_"))


def test_every_hookspec_has_a_heading_with_its_signature():
    headings = set(re.findall(r"^## (copractice_\w+)$", DOC, flags=re.M))
    assert headings == set(hook_names())
    for name in hook_names():
        params = ", ".join(inspect.signature(getattr(hookspecs, name)).parameters)
        assert f"{name}({params})" in DOC, f"{name}: signature in docs differs from the hookspec"


def test_every_hookspec_takes_app_and_has_a_docstring():
    for name in hook_names():
        spec = getattr(hookspecs, name)
        assert "app" in inspect.signature(spec).parameters and spec.__doc__
