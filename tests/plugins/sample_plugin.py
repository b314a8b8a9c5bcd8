"""A sample theme plugin used by the tests: a page, a nav link, a profile question, a theme and a table."""
from pathlib import Path

from flask import Blueprint, render_template

from copractice.plugin_api import NavItem, ProfileField, Theme, hookimpl, permission_required

COPRACTICE_REQUIRES = ">=0.1,<1"
COPRACTICE_HOOKSPEC_VERSION = 2
COPRACTICE_EXTENDS_THEMES = ("cross-cutting",)  # listed on the Cross-cutting theme's plugins page

HERE = Path(__file__).parent
bp = Blueprint("sample", __name__, url_prefix="/sample", template_folder=str(HERE / "sample_templates"))


@bp.route("/")
@permission_required("site.view")
def index():
    """The sample plugin's landing page."""
    return render_template("sample/index.html")


@hookimpl
def copractice_blueprints(app):
    return [bp]


@hookimpl
def copractice_nav_items(app, member):
    return [NavItem("Sample theme", "sample.index", order=50)]


@hookimpl
def copractice_themes(app):
    return [Theme(slug="sample-theme", name="Sample Theme", summary="For tests.", colour="#330072")]


@hookimpl
def copractice_profile_fields(app):
    return [ProfileField(name="relationship", label="How are you connected to the sample theme?",
                         choices=(("lived", "I have lived experience"), ("professional", "Through my work")))]


@hookimpl
def copractice_migration_locations(app):
    return [str(HERE / "sample_migrations" / "versions")]
