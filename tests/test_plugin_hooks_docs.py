"""docs/plugin_hooks.md documents every hook in copractice/hookspecs.py: its typed signature, when it is
called, what it returns, which plugins are asked and what happens when a plugin raises."""
import inspect
import re
from pathlib import Path

import pytest

from copractice import hookspecs

DOC = (Path(__file__).parent.parent / "docs" / "plugin_hooks.md").read_text()


def hook_names():
    return sorted(name for name in dir(hookspecs) if name.startswith("copractice_"))


def sections():
    """{hook name: the text of its entry}."""
    parts = re.split(r"^## (copractice_\w+)$", DOC, flags=re.M)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def split_top_level(params):
    """'a: X, b: dict[str, int]' -> ['a: X', 'b: dict[str, int]']: commas inside brackets stay."""
    items, depth, current = [], 0, ""
    for char in params:
        if char in "[(":
            depth += 1
        elif char in "])":
            depth -= 1
        if char == "," and depth == 0:
            items.append(current.strip())
            current = ""
        else:
            current += char
    return [item for item in items + [current.strip()] if item]


def documented_signature(name):
    """(parameters [(name, type)], return type) from the entry's signature block."""
    match = re.search(rf"^```python\n{name}\((.*)\) -> (.+)\n```$", sections()[name], flags=re.M)
    assert match, f"{name}: no typed signature block '{name}(app: Flask, ...) -> ...' in docs/plugin_hooks.md"
    params = []
    for item in split_top_level(match.group(1)):
        param, _, annotation = item.partition(":")
        params.append((param.strip(), annotation.strip()))
    return params, match.group(2).strip()


def annotation_text(annotation):
    """What the hookspec says, as written (hookspecs use ``from __future__ import annotations``)."""
    return annotation if isinstance(annotation, str) else inspect.formatannotation(annotation)


def test_every_hookspec_has_one_entry_and_every_entry_a_hookspec():
    assert sorted(sections()) == hook_names()


@pytest.mark.parametrize("name", hook_names())
def test_the_documented_signature_is_the_hookspecs(name):
    signature = inspect.signature(getattr(hookspecs, name))
    params, returns = documented_signature(name)
    assert [p for p, _ in params] == list(signature.parameters), f"{name}: parameters differ from the hookspec"
    for param, annotation in params:
        assert annotation, f"{name}: parameter {param} has no type in the docs"
        spec_annotation = signature.parameters[param].annotation
        if spec_annotation is not inspect.Parameter.empty:
            assert annotation == annotation_text(spec_annotation), f"{name}: type of {param} differs from the hookspec"
    if signature.return_annotation is not inspect.Signature.empty:
        assert returns == annotation_text(signature.return_annotation), f"{name}: return type differs from the hookspec"


@pytest.mark.parametrize("name", hook_names())
def test_every_entry_says_when_what_who_and_what_if_it_raises(name):
    text = sections()[name]
    lines = {label: re.search(rf"^\*\*{label}:\*\* (.+?)(?=\n\*\*|\n\n)", text, flags=re.M | re.S) for label in
             ("When", "Returns", "Asked", "If it raises")}
    missing = [label for label, found in lines.items() if not found]
    assert not missing, f"{name}: its entry has no {missing} line"
    asked, raises = (" ".join(lines[label].group(1).split()) for label in ("Asked", "If it raises"))
    spec = getattr(hookspecs, name)

    if spec.copractice_spec.get("firstresult"):
        assert "firstresult" in asked and "Not firstresult" not in asked, f"{name}: it is firstresult"
    else:
        assert "Not firstresult" in asked, f"{name}: say 'Not firstresult'"
    assert raises.startswith(("skipped", "fails closed")), f"{name}: say 'skipped' or 'fails closed'"
    # The hookspec's declared policy, where it declares one (issue 13, point 8).
    policy = getattr(spec, "copractice_on_error", None)
    if policy is not None:
        assert raises.startswith("fails closed" if policy == "refuse" else "skipped"), f"{name}: policy is {policy}"
    plugins = getattr(spec, "copractice_plugins", None)
    if plugins is not None:
        assert asked.startswith("every installed plugin") == (plugins == "installed"), f"{name}: asks {plugins}"


@pytest.mark.parametrize("name", hook_names())
def test_every_entry_has_an_example_implementation(name):
    assert re.search(rf"^@hookimpl\ndef {name}\(", sections()[name], flags=re.M), f"{name}: no example"


def test_every_hookspec_takes_app_and_has_a_docstring():
    for name in hook_names():
        spec = getattr(hookspecs, name)
        assert "app" in inspect.signature(spec).parameters and spec.__doc__
