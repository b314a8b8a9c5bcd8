"""A plugin that implements a hook copractice does not have (a typo): refused at registration."""
from copractice.plugin_api import hookimpl


@hookimpl
def copractice_nav_itemz(app, member):
    return []
