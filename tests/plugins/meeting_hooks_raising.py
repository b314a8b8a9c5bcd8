"""A plugin whose meeting hooks raise, for tests/test_meetings_*.py: they are skipped, the meeting is saved."""
from copractice.plugin_api import hookimpl

COPRACTICE_REQUIRES = ">=0.1,<1"
COPRACTICE_HOOKSPEC_VERSION = 2


@hookimpl
def copractice_group_kinds(app):
    raise RuntimeError("the kinds list is unreachable")


@hookimpl
def copractice_meeting_saved(app, meeting, created):
    raise RuntimeError("the meeting counter is down")
