"""A well-behaved plugin for tests/test_plugins_calling.py: a report column, certificate wording for its theme, a widget."""
from copractice.plugin_api import RegisterExtra, ReportColumn, Widget, hookimpl

COPRACTICE_REQUIRES = ">=0.1,<1"
COPRACTICE_HOOKSPEC_VERSION = 2

CALLS = []


@hookimpl
def copractice_report_columns(app, report):
    CALLS.append("alpha")
    return [ReportColumn("Alpha column", lambda member: "a")]


@hookimpl
def copractice_certificate_wording(app, course):
    CALLS.append("alpha wording")
    return "completed the Alpha theme's course" if course.theme_slug == "alpha" else None


@hookimpl
def copractice_dashboard_widgets(app, member):
    return [Widget("Alpha widget", "From the alpha plugin.")]


@hookimpl
def copractice_register_extras(app, session):
    return [RegisterExtra("Alex Alpha", "companion")]
