"""A plugin whose community hooks raise, for tests/test_community_*.py: they are skipped, the post stands."""
from copractice.plugin_api import hookimpl

COPRACTICE_REQUIRES = ">=0.1,<1"
COPRACTICE_HOOKSPEC_VERSION = 2


@hookimpl
def copractice_spaces(app):
    raise RuntimeError("the space list is unreachable")


@hookimpl
def copractice_post_created(app, post):
    raise RuntimeError("the post counter is down")
