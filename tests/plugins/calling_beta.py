"""A plugin whose hooks raise, for tests/test_plugins_calling.py: page hooks are skipped, rule hooks refuse."""
from copractice.plugin_api import ReportColumn, hookimpl

COPRACTICE_REQUIRES = ">=0.1,<1"
COPRACTICE_HOOKSPEC_VERSION = 2

CALLS = []


@hookimpl
def copractice_report_columns(app, report):
    CALLS.append("beta")
    return [ReportColumn("Beta column", lambda member: "b")]


@hookimpl
def copractice_register_extras(app, session):
    raise RuntimeError("beta's companion list is unreachable")


@hookimpl
def copractice_certificate_wording(app, course):
    CALLS.append("beta wording")
    raise RuntimeError("beta's wording file is missing")


@hookimpl
def copractice_enrolment_check(app, member, course):
    raise ConnectionError("beta's rule service is down")


@hookimpl
def copractice_member_data(app, member):
    raise ConnectionError("beta's records service is down")
