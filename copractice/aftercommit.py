"""A change that was saved is reported as saved, even if showing the next page then fails.

Once a request has committed, the member's change is done: enrolled, registered, marked. If
something after that fails (the database drops the connection while the next page is worked out,
say), an error page would tell them it did not work and invite them to do it again. Instead, a
form post that committed and then failed is sent back where it came from with a message that the
change was saved; the error is still logged in full.
"""
import logging
from urllib.parse import urlsplit

from flask import flash, g, has_request_context, redirect, request
from sqlalchemy import event
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

SAVED_MESSAGE = ("Your change has been saved. We could not show you the next page, so we have brought you back "
                 "here. You do not need to do it again.")


@event.listens_for(Session, "after_commit")
def _remember_commit(session):
    if has_request_context():
        g.copractice_committed = True


def _back():
    """Where the form was (same site only), or the home page."""
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc == request.host and referrer.path.startswith("/") and not referrer.path.startswith("//"):
        return referrer.path + (f"?{referrer.query}" if referrer.query else "")
    return "/"


def saved_anyway(fallback):
    """Wrap the 500 handler: a non-GET request that committed before failing gets a 303 and a message."""

    def handle(error):
        if request.method not in ("GET", "HEAD") and g.get("copractice_committed"):
            log.error("%s %s failed after its change was committed", request.method, request.path,
                      exc_info=getattr(error, "original_exception", None) or error)
            flash(SAVED_MESSAGE, "success")
            return redirect(_back(), 303)
        return fallback(error)

    return handle
