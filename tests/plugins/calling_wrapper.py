"""A plugin with a pluggy wrapper (wrapper=True) around the account page's widgets: it sees every other plugin's."""
from copractice.plugin_api import Widget, hookimpl

COPRACTICE_REQUIRES = ">=0.1,<1"
COPRACTICE_HOOKSPEC_VERSION = 1


@hookimpl(wrapper=True)
def copractice_dashboard_widgets(app, member):
    widgets = yield
    return widgets + [[Widget("Wrapper count", f"Widgets from other plugins: {sum(len(w) for w in widgets)}")]]
