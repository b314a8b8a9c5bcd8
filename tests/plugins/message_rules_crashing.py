"""A plugin whose rule on private messages crashes: the message must be refused, not sent."""
from copractice.plugin_api import hookimpl

COPRACTICE_REQUIRES = ">=0.1,<1"
COPRACTICE_HOOKSPEC_VERSION = 2


@hookimpl
def copractice_may_message(app, sender, recipients):
    raise ConnectionError("the youth service's register is unreachable")
