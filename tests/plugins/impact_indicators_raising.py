"""A plugin whose impact indicators hook raises: the report leaves it out and shows the rest."""
from copractice.plugin_api import hookimpl

COPRACTICE_REQUIRES = ">=0.1,<1"
COPRACTICE_HOOKSPEC_VERSION = 2


@hookimpl
def copractice_impact_indicators(app, theme_slug, year):
    raise RuntimeError("the indicator source is down")
