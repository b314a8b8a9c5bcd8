"""A plugin whose enrolment rule crashes: enrolment must be refused, not allowed."""
from copractice.plugin_api import hookimpl

COPRACTICE_REQUIRES = ">=0.1,<1"
COPRACTICE_HOOKSPEC_VERSION = 2


@hookimpl
def copractice_enrolment_check(app, member, course):
    raise ConnectionError("the safeguarding register is unreachable")
