"""A plugin with a rule on private messages (as Starting Well might have), and one whose rule crashes."""
from copractice.plugin_api import hookimpl

COPRACTICE_REQUIRES = ">=0.1,<1"
COPRACTICE_HOOKSPEC_VERSION = 2


@hookimpl
def copractice_may_message(app, sender, recipients):
    if any("Quiet" in person.name for person in recipients):
        return ["This member gets messages only from their group's youth workers."]
    return []
