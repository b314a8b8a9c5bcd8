"""Community safety hooks that crash: posting is refused, a young-person check counts as young, a flag stands."""
from copractice.plugin_api import hookimpl

COPRACTICE_REQUIRES = ">=0.1,<1"
COPRACTICE_HOOKSPEC_VERSION = 2


@hookimpl
def copractice_may_post(app, member, space):
    raise ConnectionError("the consent register is unreachable")


@hookimpl
def copractice_flag_raised(app, flag):
    raise RuntimeError("the incident tracker is down")


@hookimpl
def copractice_is_young(app, member):
    raise ConnectionError("the age service is unreachable")
