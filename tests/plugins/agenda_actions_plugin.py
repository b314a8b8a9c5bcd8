"""A plugin for tests/test_agenda_services.py: records the changes of meetings' actions it is told about."""
from copractice.plugin_api import hookimpl

COPRACTICE_REQUIRES = ">=0.1,<1"
COPRACTICE_HOOKSPEC_VERSION = 2

CHANGES = []  # (action id, old status, new status) for every copractice_action_changed call


@hookimpl
def copractice_action_changed(app, action, old_status):
    CHANGES.append((action.id, old_status, action.status))
