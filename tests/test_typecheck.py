"""mypy checks the operations modules (config in pyproject.toml [tool.mypy]; make test runs it too)."""
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_mypy_covers_every_operations_module_inside_untyped_functions_too():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["mypy"]
    assert "copractice/*/operations.py" in config["files"] and config["check_untyped_defs"] is True
    assert len(list(ROOT.glob("copractice/*/operations.py"))) >= 6


def test_mypy_passes_on_the_operations_modules():
    done = subprocess.run([sys.executable, "-m", "mypy"], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "6 source files" in done.stdout or "source files" in done.stdout
