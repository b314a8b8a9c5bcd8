"""The theme's front door, and the old addresses of its partner list, which moved onto the core's partnership map."""
from flask import Blueprint, redirect, url_for

from copractice.plugin_api import permission_required
from copractice_social_care import THEME

bp = Blueprint("social_care", __name__, url_prefix="/social-care", template_folder="templates")


@bp.route("/")
@permission_required("site.view")
def index():
    """The theme's page."""
    return redirect(url_for("themes.theme", slug=THEME.slug))


@bp.route("/partners")
@permission_required("site.view")
def partners():
    """Moved: the theme's partners are on the partnership map (a permanent redirect for bookmarks)."""
    return redirect(url_for("partnerships.index", theme=THEME.slug), code=301)


@bp.route("/partners/gaps")
@permission_required("site.view")
def gaps():
    """Moved: the gaps are the partnership map's gap view (a permanent redirect for bookmarks)."""
    return redirect(url_for("partnerships.gaps"), code=301)
