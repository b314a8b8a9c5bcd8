"""Pages about the site itself: home, accessibility statement, privacy notice; and error pages."""
from flask import Blueprint, make_response, render_template, request
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
    413: ("The file is too large", "Files can be up to 25 MB. Choose a smaller file, or save it at a lower quality, "
                                   "and try again. Nothing was saved."),
    429: ("Too many attempts", "For your security, please wait a few minutes and try again."),
    500: ("Sorry, there is a problem with the service", "Please try again later."),
}


# Read and discard at most this much of an over-large upload, so the browser finishes sending
# and then reads the 413 page, instead of seeing the connection reset.
DRAIN_LIMIT = 256 * 1024 * 1024


def _drain_request_body():
    """Read and discard the body, never past its Content-Length; False if some of it is left unread.

    Reading past the Content-Length would wait for bytes the browser will never send (the development
    server hands us the raw socket), so a request without a length is drained only if the server
    marks its input as ending (``wsgi.input_terminated``).
    """
    stream = request.environ.get("wsgi.input")
    length = request.content_length
    if stream is None or length == 0:
        return True
    if length is None and not request.environ.get("wsgi.input_terminated"):
        return False
    left = min(length if length is not None else DRAIN_LIMIT, DRAIN_LIMIT)
    try:
        while left > 0:
            chunk = stream.read(min(65536, left))
            if not chunk:
                return True
            left -= len(chunk)
    except (OSError, ValueError):
        return False
    return length is not None and length <= DRAIN_LIMIT


def render_error(error):
    code = getattr(error, "code", None) or 500
    drained = _drain_request_body() if code == 413 else True
    title, advice = ERRORS.get(code, ERRORS[500])
    if isinstance(error, CSRFError):
        title, advice = "Your form timed out or could not be checked", (
            "Please go back, reload the page and try again. Nothing was saved."
        )
    response = make_response(render_template("error.html", title=title, advice=advice, code=code), code)
    if not drained:
        response.headers["Connection"] = "close"  # the rest of the body must not be read as the next request
    return response


def register_error_pages(app):
    for code in ERRORS:
        app.register_error_handler(code, render_error)
    app.register_error_handler(CSRFError, render_error)


@bp.route("/dev/mail")
@permission_required("site.view")
def dev_mail():
    """Development only: the emails the local mail catcher (copractice develop, make run) has saved."""
    import os

    from flask import abort, current_app

    from copractice.devmail import saved_messages

    folder = current_app.config.get("DEV_MAIL_FOLDER") or os.path.join(current_app.instance_path, "mail")
    if current_app.config.get("ENV_NAME") != "development" or not os.path.isdir(folder):
        abort(404)
    emails = [{"name": name, "to": message["To"], "subject": message["Subject"], "date": message["Date"],
               "body": message.get_body(("plain",)).get_content() if message.get_body(("plain",)) else ""}
              for name, message in saved_messages(folder)[:50]]
    return render_template("site/dev_mail.html", emails=emails, folder=folder)
