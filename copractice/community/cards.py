"""Links to library resources and courses in posts, shown as cards under the post.

A card is shown only for what the reader may see (``resource.view`` as ``visible_resources`` in SQL; ``course.view``:
published and archived courses, drafts for those who manage them) and a page reads every card it shows in two
statements, however many posts and links it has.
"""
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import current_app, url_for
from sqlalchemy import or_, select, true

from copractice.courses.models import FORMATS, Course
from copractice.extensions import db
from copractice.library.models import Resource, type_label
from copractice.permissions import visible_resources
from copractice.timeutil import uk_date

# /resources/<slug> or /courses/<slug>, on its own or after this site's address; not /resources/<slug>/download.
_LINK = re.compile(r"(?:(https?://[^\s/()<>\[\]]+))?/(resources|courses)/([A-Za-z0-9][A-Za-z0-9_-]{0,139})"
                   r"(?=$|[\s)>\]#?.,;:!'\"])")
MAX_CARDS = 10  # per post: a post listing a whole reading list still shows a page of cards, not a wall


@dataclass(frozen=True)
class Card:
    kind: str  # "Resource" or "Course"
    title: str
    detail: str
    url: str


def linked_slugs(body):
    """[(kind, slug)] linked from ``body`` (Markdown) to this site's resources and courses, in order, once each."""
    site = urlsplit(current_app.config.get("BASE_URL") or "").netloc.lower()
    found = []
    for host, area, slug in _LINK.findall(body or ""):
        if host and urlsplit(host).netloc.lower() != site:
            continue
        key = (area, slug)
        if key not in found:
            found.append(key)
    return found[:MAX_CARDS]


def _course_condition(member):
    shown = Course.status.in_(("published", "archived"))
    if getattr(member, "is_authenticated", False) and member.role == "admin":
        return true()
    if getattr(member, "is_authenticated", False) and member.role == "theme_lead" and member.led_themes:
        return or_(shown, Course.theme_slug.in_(sorted(member.led_themes)))
    return shown


def cards_for(member, posts):
    """{post id: [Card]} for ``posts`` as ``member`` may see them (two statements at most, for all the posts)."""
    links = {post.id: linked_slugs(post.body) for post in posts}
    wanted = {area: {slug for found in links.values() for a, slug in found if a == area}
              for area in ("resources", "courses")}
    resources, courses = {}, {}
    if wanted["resources"]:
        rows = db.session.execute(select(Resource.slug, Resource.title, Resource.type, Resource.year)
                                  .where(Resource.slug.in_(sorted(wanted["resources"])), visible_resources(member)))
        resources = {r.slug: Card("Resource", r.title, " · ".join(filter(None, [type_label(r.type),
                                                                                  str(r.year or "")])),
                                  url_for("library.resource", slug=r.slug)) for r in rows}
    if wanted["courses"]:
        rows = db.session.execute(select(Course.slug, Course.title, Course.format, Course.next_session_at)
                                  .where(Course.slug.in_(sorted(wanted["courses"])), _course_condition(member)))
        courses = {}
        for r in rows:
            when = f"Next session {uk_date(r.next_session_at)}" if r.next_session_at else "No sessions coming up"
            courses[r.slug] = Card("Course", r.title, f"{FORMATS.get(r.format, r.format)} · {when}",
                                   url_for("courses.course", slug=r.slug))
    found = {"resources": resources, "courses": courses}
    return {post_id: [found[area][slug] for area, slug in pairs if slug in found[area]]
            for post_id, pairs in links.items()}
