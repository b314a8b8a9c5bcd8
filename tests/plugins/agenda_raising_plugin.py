"""A plugin for tests/test_agenda_services.py whose copractice_action_changed raises: it is skipped."""
from copractice.plugin_api import hookimpl

COPRACTICE_REQUIRES = ">=0.1,<1"
COPRACTICE_HOOKSPEC_VERSION = 2


@hookimpl
def copractice_action_changed(app, action, old_status):
    raise RuntimeError("this plugin always fails")
