"""Imports only run down the layers: the import-linter contract in pyproject.toml holds, with at most two
upward imports allowed, each with its reason written beside it."""
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _contract():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    (contract,) = [c for c in config["contracts"] if c["type"] == "layers"]
    return contract


def test_the_layers_cover_views_operations_models_and_base():
    layers = _contract()["layers"]
    assert len(layers) >= 5
    position = {module: n for n, layer in enumerate(layers) for module in layer.split(" : ")}
    assert position["copractice.courses.views"] < position["copractice.courses.operations"] \
        < position["copractice.courses.models"] < position["copractice.extensions"]
    assert position["copractice.permissions"] < position["copractice.library.models"]


def test_at_most_two_upward_imports_each_with_a_reason():
    ignored = _contract().get("ignore_imports", [])
    assert len(ignored) <= 2
    text = (ROOT / "pyproject.toml").read_text()
    for rule in ignored:
        before = text[:text.index(f'"{rule}"')].rstrip().splitlines()[-1].strip()
        assert before.startswith("#"), f"say why {rule} is allowed"


def test_lint_imports_passes():
    lint_imports = Path(sys.executable).with_name("lint-imports")
    done = subprocess.run([str(lint_imports), "--no-cache"], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
