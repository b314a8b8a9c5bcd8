"""A plugin that extends the dementia theme (COPRACTICE_EXTENDS_THEMES) with a setting and a widget."""
from copractice.plugin_api import SettingField, Widget, hookimpl

COPRACTICE_REQUIRES = ">=0.1,<1"
COPRACTICE_HOOKSPEC_VERSION = 2
COPRACTICE_EXTENDS_THEMES = ("dementia",)


@hookimpl
def copractice_settings_form(app):
    return [SettingField("cafes_a_month", "Memory cafés each month", kind="int", default=2, minimum=1, maximum=8,
                         hint="How many memory cafés the theme runs each month.")]


@hookimpl
def copractice_dashboard_widgets(app, member):
    return [Widget("Memory cafés", "Meet others at a memory café near you.", "", "")]
