"""Pages about the site itself: home, accessibility statement, privacy notice; and error pages."""
from flask import Blueprint, render_template
from flask_wtf.csrf import CSRFError

from copractice.permissions import permission_required

bp = Blueprint("site", __name__)


@bp.route("/")
@permission_required("site.view")
def home():
    """What copractice is and where to start."""
    return render_template("site/home.html")


@bp.route("/accessibility")
@permission_required("site.view")
def accessibility():
    """The accessibility statement the law asks public-sector sites to publish."""
    return render_template("site/accessibility.html")


@bp.route("/privacy")
@permission_required("site.view")
def privacy():
    """What we keep about members, why, and for how long."""
    return render_template("site/privacy.html")


ERRORS = {
    400: ("Sorry, there is a problem with that request", "Please go back and try again."),
    403: ("You do not have permission to see this page",
          "If you think you should, contact the programme team."),
    404: ("Page not found", "If you typed the web address, check it is correct."),
    405: ("Sorry, that did not work", "Please go back and try again."),
    413: ("The file is too large", "Choose a smaller file and try again."),
    429: ("Too many attempts", "For your security, please wait a few minutes and try again."),
    500: ("Sorry, there is a problem with the service", "Please try again later."),
}


def render_error(error):
    code = getattr(error, "code", None) or 500
    title, advice = ERRORS.get(code, ERRORS[500])
    if isinstance(error, CSRFError):
        title, advice = "Your form timed out or could not be checked", (
            "Please go back, reload the page and try again. Nothing was saved."
        )
    return render_template("error.html", title=title, advice=advice, code=code), code


def register_error_pages(app):
    for code in ERRORS:
        app.register_error_handler(code, render_error)
    app.register_error_handler(CSRFError, render_error)
