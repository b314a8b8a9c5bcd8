"""A plugin for tests/test_involvement_eligibility.py: its eligibility rule fails."""
from copractice.plugin_api import hookimpl

COPRACTICE_REQUIRES = ">=0.1,<1"
COPRACTICE_HOOKSPEC_VERSION = 2


@hookimpl
def copractice_involvement_eligibility(app, member, opportunity):
    raise RuntimeError("the consent register is unreachable")
