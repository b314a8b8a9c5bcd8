"""A plugin written for a copractice that does not exist yet."""
from copractice.plugin_api import hookimpl

COPRACTICE_REQUIRES = ">=2.0"
COPRACTICE_HOOKSPEC_VERSION = 2


@hookimpl
def copractice_nav_items(app, member):
    return []
