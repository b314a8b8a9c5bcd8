"""A plugin that implements a hook copractice does not have (a typo): refused at registration."""
from copractice.plugin_api import hookimpl

COPRACTICE_REQUIRES = ">=0.1,<1"
COPRACTICE_HOOKSPEC_VERSION = 2


@hookimpl
def copractice_nav_itemz(app, member):
    return []
