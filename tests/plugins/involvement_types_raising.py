"""A plugin whose involvement activity types hook raises, for tests/test_involvement_*.py: it is skipped."""
from copractice.plugin_api import hookimpl

COPRACTICE_REQUIRES = ">=0.1,<1"
COPRACTICE_HOOKSPEC_VERSION = 2


@hookimpl
def copractice_involvement_activity_types(app):
    raise RuntimeError("the activity list is unreachable")
