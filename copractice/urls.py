"""Absolute links to the site, built from its configured public address (BASE_URL).

Every link that leaves the site (email, calendar files, certificates, QR codes, notices) comes
from here, never from the request: the Host header is whatever the client sent, so a link built
from it (``url_for(..., _external=True)``) can point a reset link at an attacker's server.
Works with or without a request (commands, jobs), since only the app's config is read.
"""
from urllib.parse import urlsplit

import slugify as _slugify
from flask import current_app


def slugify(text, fallback="item", max_length=100):
    """The one way the site makes a slug (course and resource addresses, file names, setting keys):
    lower-case ASCII words joined by hyphens, letters like "ł" and "ß" spelled out, at most ``max_length``
    characters; ``fallback`` when nothing is left."""
    return _slugify.slugify(text or "", max_length=max_length) or fallback


def base_url():
    """The site's public address, without a trailing slash (``https://copractice.example.org``)."""
    return current_app.config["BASE_URL"].rstrip("/")


def base_host():
    """The host (and port, when not the default) of BASE_URL: the only Host production accepts."""
    return urlsplit(base_url()).netloc


def external_url(endpoint, **values):
    """``url_for(endpoint, **values)`` as an absolute URL under BASE_URL."""
    parts = urlsplit(base_url())
    anchor = values.pop("_anchor", None)
    values.pop("_external", None)
    current_app.inject_url_defaults(endpoint, values)
    adapter = current_app.url_map.bind(parts.netloc, script_name=parts.path or "/", url_scheme=parts.scheme)
    url = adapter.build(endpoint, values, force_external=True)
    if anchor:
        url += "#" + anchor
    return url
