"""A plugin with a pluggy wrapper (wrapper=True) around the account page's widgets: it sees every other plugin's."""
from copractice.plugin_api import Widget, hookimpl

COPRACTICE_REQUIRES = ">=0.1,<1"
COPRACTICE_HOOKSPEC_VERSION = 2


@hookimpl(wrapper=True)
def copractice_dashboard_widgets(app, member):
    widgets = yield
    return widgets + [[Widget("Wrapper count", f"Widgets from other plugins: {sum(len(w) for w in widgets)}")]]


@hookimpl(wrapper=True)
def copractice_register_extras(app, session):
    yield
    raise RuntimeError("the wrapper's tally broke")


@hookimpl(wrapper=True)
def copractice_facilitator_check(app, member, course):
    raise LookupError("the wrapper's list of checks is missing")
    yield  # a wrapper: never reached
