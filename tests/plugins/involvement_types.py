"""A plugin for tests/test_involvement_*.py: adds a kind of involvement activity."""
from copractice.plugin_api import hookimpl

COPRACTICE_REQUIRES = ">=0.1,<1"
COPRACTICE_HOOKSPEC_VERSION = 2


@hookimpl
def copractice_involvement_activity_types(app):
    return [("focus_group", "Focus group member"), ("reviewer", "Not the core's reviewer")]
