"""A plugin whose blueprint is not named after it: refused at load (tests/browser/test_journeys_plugin_naming.py)."""
from flask import Blueprint

from copractice.plugin_api import hookimpl

COPRACTICE_REQUIRES = ">=0.1,<1"
COPRACTICE_HOOKSPEC_VERSION = 2

bp = Blueprint("elsewhere", __name__, url_prefix="/elsewhere")


@hookimpl
def copractice_blueprints(app):
    return [bp]
