"""Template helpers: navigation from plugins, dates in UK time, and form macros' support."""
import re

from flask import g, url_for
from flask_login import current_user
from werkzeug.routing import BuildError

from copractice.permissions import can
from copractice.plugins import get_plugins
from copractice.timeutil import uk_date, uk_time

_PLAIN_SLUG = re.compile(r"[a-z0-9-]+\Z")


def slug_url(endpoint, slug):
    """``url_for(endpoint, slug=slug)`` for the many links of a list: the route is built once per request and
    endpoint, and a plain slug (what ``slugify`` makes: nothing to quote) put at its end. Anything else, or a
    route where the slug is not last, goes through ``url_for``."""
    if not _PLAIN_SLUG.match(slug):
        return url_for(endpoint, slug=slug)
    prefixes = g.setdefault("copractice_slug_urls", {})
    prefix = prefixes.get(endpoint)
    if prefix is None:
        url = url_for(endpoint, slug="x")
        prefix = prefixes[endpoint] = url[:-1] if url.endswith("/x") else ""
    return prefix + slug if prefix else url_for(endpoint, slug=slug)


def nav_items():
    """The navigation links enabled plugins offer the current member, in order."""
    links = []
    for item in sorted(get_plugins().collect("copractice_nav_items", member=current_user), key=lambda i: i.order):
        try:
            links.append((item.label, url_for(item.endpoint, **item.values), item.endpoint))
        except BuildError:
            continue  # a link to a page that is not there is left out rather than breaking the page
    return links


def page_assets():
    """Stylesheets and <body> classes enabled plugins add for the current member."""
    stylesheets, classes = [], []
    for assets in get_plugins().collect("copractice_page_assets", member=current_user):
        stylesheets += [url for url in assets.stylesheets if url not in stylesheets]
        classes += [name for name in assets.body_classes if name not in classes]
    return stylesheets, " ".join(classes)


def _reading_classes():
    """Classes on <html> for the current member's reading settings (text size, spacing, contrast)."""
    from copractice.reading import html_classes

    return html_classes(current_user)


def init_templating(app):
    app.jinja_env.filters["uk_time"] = uk_time
    app.jinja_env.filters["uk_date"] = uk_date
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    from copractice.urls import external_url

    app.jinja_env.globals["external_url"] = external_url  # links to show or send: from BASE_URL, not Host

    @app.context_processor
    def _globals():
        return {"nav_items": nav_items, "can": can, "service_name": app.config["SERVICE_NAME"],
                "page_assets": page_assets, "reading_classes": _reading_classes, "slug_url": slug_url}
