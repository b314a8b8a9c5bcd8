"""My learning lives with attendance; the large demo generator lives outside the app package."""
import importlib
import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_my_learning_is_with_attendance():
    learning = importlib.import_module("copractice.attendance.learning")
    assert callable(learning.my_learning) and callable(learning.upcoming_sessions)
    assert importlib.util.find_spec("copractice.courses.learning") is None


def test_the_large_demo_generator_is_outside_the_app_package():
    assert not (ROOT / "copractice" / "demo_large.py").exists()
    assert importlib.util.find_spec("copractice.demo_large") is None
    large = importlib.import_module("copractice_demo.large")
    assert Path(large.__file__).resolve().parent == ROOT / "copractice_demo"
    assert callable(large.create_large) and large.planned()["members"] > 0
