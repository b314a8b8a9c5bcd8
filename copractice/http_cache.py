"""HTTP caching that survives writes (issue 12 point 3): ETags, 304s and Cache-Control.

There is no site-wide page cache: every request runs its view and its permission checks (a member's busiest
pages are kept per member, after those checks, by copractice/kept_pages.py). A view
that shows the same thing to every anonymous visitor calls :func:`not_modified` *after* its
permission checks with cheap validators of what the page shows (the newest change and the number
of the rows on it); when the visitor (or a proxy) already has that version, it answers
``304 Not Modified`` without rendering. The validators change only when what the page shows
changes: a check-in or a download touches none of them. The app's version and the enabled plugins
are part of every ETag, so an upgrade or a plugin switch changes them all.

:func:`cache_headers` (after every request) says who may keep a page:

- a logged-in member's pages: ``private, no-store``;
- an anonymous page with an ETag, whose session stayed empty (no CSRF token, no message waiting):
  ``public, max-age=0, s-maxage=HTTP_CACHE_SECONDS`` and ``Vary: Cookie``, so a reverse proxy may
  keep it for a few seconds (docs/deployment.md has an nginx snippet) and browsers revalidate;
- a private feed (the member's calendar: the secret is in its address): ``private, no-cache`` with
  its ETag, so only the subscriber's own calendar keeps it;
- any other anonymous page: ``private, no-cache``.

A view that sets its own Cache-Control (downloads) keeps it.
"""
import hashlib
import json

from flask import current_app, g, request, session
from flask_login import current_user

from copractice.pieces import plugins_state

_KEY = "copractice_etag"
_PAGES = ("text/html", "text/calendar")


def not_modified(version, *args, shared=True):
    """A 304 response when the visitor already has this version of the page, else None.

    Call it after the view's permission checks. ``version(*args)`` (called only when an ETag is
    wanted, so members' pages run no extra statement) returns JSON-able values that change when,
    and only when, what the page shows changes. ``shared=False`` for pages meant for one person
    (a private calendar feed): they get an ETag but no proxy may keep them. Logged-in members get no
    ETag (their pages are ``private, no-store``).
    """
    if not current_app.config.get("HTTP_CACHE_SECONDS") or request.method not in ("GET", "HEAD"):
        return None
    if current_user.is_authenticated:
        return None
    parts = [current_app.config.get("VERSION"), plugins_state(), request.full_path, version(*args)]
    tag = hashlib.sha256(json.dumps(parts, default=str, sort_keys=True).encode()).hexdigest()[:32]
    g.setdefault(_KEY, (tag, shared))
    if request.if_none_match.contains(tag):
        return current_app.response_class(status=304)
    return None


def cache_headers(response):
    """After every request: the ETag a view earned, and who may keep the page (see the module's docstring)."""
    if request.method not in ("GET", "HEAD") or response.mimetype not in _PAGES and response.status_code != 304:
        return response
    earned = g.get(_KEY)
    if current_user.is_authenticated:
        response.headers["Cache-Control"] = "private, no-store"
        return response
    if earned is None or response.status_code not in (200, 304):
        response.headers.setdefault("Cache-Control", "private, no-cache")
        return response
    tag, shared = earned
    response.set_etag(tag)
    if shared and not session:  # nothing of this visitor's own on the page: anyone may be given it
        seconds = current_app.config["HTTP_CACHE_SECONDS"]
        response.headers["Cache-Control"] = f"public, max-age=0, s-maxage={seconds}"
        response.vary.add("Cookie")
    else:
        response.headers.setdefault("Cache-Control", "private, no-cache")
    return response


def init_app(app):
    app.after_request(cache_headers)
