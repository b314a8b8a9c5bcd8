"""A plugin for tests/test_meetings_*.py: adds a kind of group and records the meetings it is told about."""
from copractice.plugin_api import hookimpl

COPRACTICE_REQUIRES = ">=0.1,<1"
COPRACTICE_HOOKSPEC_VERSION = 2

SAVED = []  # (meeting id, title, status, created) for every copractice_meeting_saved call


@hookimpl
def copractice_group_kinds(app):
    return [("carers_panel", "Carers' panel"), ("forum", "Not the core's forum")]


@hookimpl
def copractice_meeting_saved(app, meeting, created):
    SAVED.append((meeting.id, meeting.title, meeting.status, created))
