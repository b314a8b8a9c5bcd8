"""A plugin that loads but whose page-adding hooks raise."""
from copractice.plugin_api import hookimpl

COPRACTICE_REQUIRES = ">=0.1,<1"
COPRACTICE_HOOKSPEC_VERSION = 2


@hookimpl
def copractice_nav_items(app, member):
    raise ValueError("nav hook exploded")


@hookimpl
def copractice_profile_fields(app):
    raise ValueError("profile hook exploded")
