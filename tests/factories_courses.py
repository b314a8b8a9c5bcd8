"""Factories for courses and sessions, shared by the course tests (they live in copractice.testing)."""
from copractice.testing import create_course  # noqa: F401
