"""A plugin that adds to the dementia theme (COPRACTICE_EXTENDS_THEMES) a rule on places and a dashboard widget:
for the tests of switching a plugin for one theme alone."""
from copractice.plugin_api import Widget, hookimpl

COPRACTICE_REQUIRES = ">=0.1,<1"
COPRACTICE_HOOKSPEC_VERSION = 2
COPRACTICE_EXTENDS_THEMES = ("dementia",)


@hookimpl
def copractice_enrolment_check(app, member, course):
    return ["Places are for memory café members."]


@hookimpl
def copractice_certificate_wording(app, course):
    return "has taken part in a memory café course"


@hookimpl
def copractice_dashboard_widgets(app, member):
    return [Widget("Memory café places", "Ask us about places.", "", "")]
