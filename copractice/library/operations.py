"""Library rules: who sees what, finding with facets, curating, file versions, suggestions, saving.

Callers commit.
"""
import hashlib
import json
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from typing import NamedTuple

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import (
    exists,
    func,
    or_,
    select,
)

from copractice import pieces
from copractice.audit import audit
from copractice.errors import Refused
from copractice.extensions import db
from copractice.library import search as text_search
from copractice.library.models import (
    RESOURCE_TYPES,
    CourseResource,
    Resource,
    ResourceAudience,
    ResourceDownload,
    ResourceFile,
    ResourceLink,
    ResourceSuggestion,
    ResourceTag,
    ResourceTheme,
    SavedResource,
)
from copractice.library.storage import get_storage
from copractice.permissions import visible_keys, visible_resources
from copractice.plugins import get_plugins
from copractice.timeutil import utcnow
from copractice.unitofwork import savepoint
from copractice.urls import slugify


class LibraryRuleBroken(Refused):
    """A curator's change breaks a rule; the message says which."""


# -- who sees what ----------------------------------------------------------------------------------------------

def _signed_in(member):
    return member is not None and getattr(member, "is_authenticated", False) and member.is_active


# -- finding ------------------------------------------------------------------------------------------------------

FACETS = ("type", "theme", "audience", "year", "format")


@dataclass
class LibraryFilters:
    q: str = ""
    type: str = ""
    theme: str = ""
    audience: str = ""
    year: str = ""
    format: str = ""

    def chosen(self):
        return {name: getattr(self, name) for name in FACETS if getattr(self, name)}


@dataclass
class LibraryResults:
    page: object  # a Flask-SQLAlchemy Pagination of ListedResource
    facets: dict = field(default_factory=dict)  # name -> [(value, count)]
    searched: bool = False


class ListedResource(NamedTuple):
    """What the results list shows of a resource (no ORM object, no themes, audience or tags loaded)."""

    id: int
    slug: str
    title: str
    summary: str
    type: str
    year: int | None
    format: str | None

    type_label = Resource.type_label  # type: ignore[misc]  # the model's label properties, shared
    format_label = Resource.format_label  # type: ignore[misc]


class _ResultsPage(Pagination):
    """A page of results whose rows and total ``find`` has found already."""

    def _query_items(self):
        return self._query_args["items"]

    def _query_count(self):
        return self._query_args["total"]


def _filter_keys(filters):
    """The keys a resource needs to pass every facet filter chosen."""
    keys = [f"{name}:{getattr(filters, name)}" for name in ("type", "format", "theme", "audience")
            if getattr(filters, name)]
    if filters.year and filters.year.isascii() and filters.year.isdigit() and len(filters.year) <= 4:
        keys.append(f"year:{int(filters.year)}")
    return keys


def find(member, filters, page=1, per_page=20):
    """Search and filter published resources the member may see; facets count what the filters leave.

    The search rows keep what the filters, facets and visibility need (search.keys_for), so one statement
    reads one table whatever the size of the library: the rows that match are found once (on PostgreSQL
    one GIN index scan over the words and the keys), every facet's counts come from their keys, and the
    page takes the best of them. The total is the sum of the type facet: every resource has one type.
    """
    from copractice.extensions import cache

    required, any_of = visible_keys(member)
    required = required + _filter_keys(filters)
    page, per_page = max(1, page), min(max(1, per_page), 100)
    key = _counts_key(member, filters)
    counts = cache.get(key) if key else None
    found, rows = text_search.find_rows(filters.q, required, any_of, limit=per_page, offset=(page - 1) * per_page,
                                        counts=counts is None)
    if counts is None:
        counts = found
        if key:
            cache.set(key, counts)
    facets: dict[str, list] = {name: [] for name in FACETS}
    for key, count in counts:
        name, _, value = key.partition(":")
        if name in facets:
            facets[name].append((int(value) if name == "year" else value, count))
    for name, values in facets.items():
        values.sort(key=(lambda r: -r[0]) if name == "year" else (lambda r: (-r[1], str(r[0]))))
    results = _ResultsPage(page=page, per_page=per_page, error_out=False, max_per_page=100,
                           items=[ListedResource(*row) for row in rows],
                           total=sum(count for _value, count in facets["type"]))
    return LibraryResults(page=results, facets=facets, searched=bool(text_search.words(filters.q)))


def _counts_key(member, filters):
    """Visitors all see the same resources, so their facet counts are kept with Flask-Caching under the
    library's version (newest resource and newest change: every operation that changes a resource, its
    themes, audience or tags touches ``updated_at``): a change is never hidden, a download or a save
    changes nothing. None: not kept (members, or no cache configured)."""
    from flask_caching.backends import NullCache

    from copractice.extensions import cache

    if (member is not None and getattr(member, "is_authenticated", False)) or isinstance(cache.cache, NullCache):
        return None
    parts = [filters.q, *(getattr(filters, name) for name in FACETS), library_version(filters, today=date.min),
             get_plugins().state_key()]
    return "facets:" + hashlib.sha256(json.dumps(parts, default=str).encode()).hexdigest()


def most_used(member, theme_slug, limit=5, today=None):
    """The most downloaded resources of a theme the member may see, counting downloads up to yesterday, as
    links (a theme's statistic, shown on its page and in the library).

    Today's downloads are left out so the list (and the library page's ETag) changes once a day, not
    with every download. For visitors (who all see the same resources) it is kept with Flask-Caching
    (``copractice.pieces``) for the day under the theme's generation, which the operations that change a
    resource of the theme (``save_resource``, ``set_status``) move on; a download moves nothing.
    """
    before = today or date.today()

    def build():
        downloads = (select(func.coalesce(func.sum(ResourceDownload.count), 0))
                     .where(ResourceDownload.resource_id == Resource.id, ResourceDownload.day < before)
                     .correlate(Resource).scalar_subquery())
        rows = db.session.execute(
            select(Resource.id, Resource.slug, Resource.title, Resource.type, Resource.updated_at)
            .where(visible_resources(member), Resource.status == "published",
                   exists().where(ResourceTheme.resource_id == Resource.id, ResourceTheme.theme_slug == theme_slug))
            .order_by(downloads.desc(), Resource.title).limit(limit)).all()
        return [ResourceLink(*row) for row in rows]

    if _signed_in(member):
        return build()
    return pieces.remember("most-used", [theme_slug, limit, before], [f"theme:{theme_slug}"], build)


# -- types --------------------------------------------------------------------------------------------------------

def resource_types():
    """{key: ResourceType} for the core types and those enabled plugins add."""
    from copractice.plugin_types import ResourceType

    types = {key: ResourceType(key=key, label=label) for key, label in RESOURCE_TYPES.items()}
    for item in get_plugins().collect("copractice_resource_types"):
        types.setdefault(item.key, item)
    return types


# -- curating -----------------------------------------------------------------------------------------------------

def _unique_slug(title):
    base = slugify(title, fallback="resource")
    taken = set(db.session.scalars(select(Resource.slug).where(
        or_(Resource.slug == base, Resource.slug.like(f"{base}-%")))))
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


FIELDS = ("title", "summary", "type", "year", "authors", "licence", "review_due", "visibility", "status",
          "external_url", "variant_of_id", "variant_kind", "language", "question", "population", "study_count",
          "key_findings", "plain_summary", "extra")


@savepoint
def save_resource(actor, resource=None, *, themes=None, audience=None, tags=None, upload=None, **fields):
    """Create or change a resource (and store a new file version if ``upload`` is given)."""
    unknown = set(fields) - set(FIELDS)
    if unknown:
        raise TypeError(f"not resource fields: {sorted(unknown)}")
    # The file first: if it cannot be stored (StorageFailed), nothing in the session has changed yet.
    stored_key = get_storage().save(upload.data) if upload is not None else None
    created = resource is None
    if created:
        resource = Resource(slug=_unique_slug(fields.get("title") or "resource"), created_by_id=getattr(actor, "id", None))
        db.session.add(resource)
    before = None if created else {"title": resource.title, "status": resource.status, "visibility": resource.visibility}
    themes_before = set() if created else set(resource.themes)
    for key, value in fields.items():
        setattr(resource, key, value)
    if resource.variant_of_id and resource.variant_of_id == resource.id:
        raise LibraryRuleBroken("A resource cannot be a variant of itself.")
    if themes is not None:
        resource.theme_rows = [row for row in resource.theme_rows if row.theme_slug in themes] + [
            ResourceTheme(theme_slug=s) for s in sorted(set(themes) - set(resource.themes))]
    if audience is not None:
        resource.audience_rows = [row for row in resource.audience_rows if row.stakeholder_type in audience] + [
            ResourceAudience(stakeholder_type=s) for s in sorted(set(audience) - set(resource.audience))]
    if tags is not None:
        wanted = {t.strip().lower()[:60] for t in tags if t.strip()}
        resource.tag_rows = [row for row in resource.tag_rows if row.tag in wanted] + [
            ResourceTag(tag=t) for t in sorted(wanted - set(resource.tags))]
    if resource.external_url and not resource.files:
        resource.format = "link"
    db.session.flush()
    if upload is not None:
        add_version(actor, resource, upload, key=stored_key)
    if not resource.external_url and not resource.files and resource.status == "published":
        raise LibraryRuleBroken("Add a file or a web address before publishing.")
    text_search.index_resource(resource)
    resource.updated_at = utcnow()  # themes, audience or tags may change without a column of the resource changing
    pieces.changed(*(f"theme:{slug}" for slug in themes_before | set(resource.themes)))  # their most-used lists
    audit(actor, "resource.created" if created else "resource.updated", "resource", resource.id, resource.title,
          before, {"title": resource.title, "status": resource.status, "visibility": resource.visibility})
    return resource


def add_version(actor, resource, upload, key=None):
    """Store a checked upload as the resource's newest file (``key`` if it is stored already); earlier versions stay listed."""
    key = key or get_storage().save(upload.data)
    version = ResourceFile(resource_id=resource.id, storage_key=key, original_name=upload.filename,
                           content_type=upload.content_type, size=len(upload.data),
                           uploaded_by_id=getattr(actor, "id", None), uploaded_at=utcnow())
    db.session.add(version)
    resource.format = upload.format
    db.session.flush()
    db.session.expire(resource, ["files"])
    text_search.index_resource(resource)  # the format facet
    return version


@savepoint
def set_status(actor, resource, status):
    if status not in ("draft", "published", "retired"):
        raise LibraryRuleBroken("That is not a status.")
    if status == "published" and not resource.external_url and not resource.files:
        raise LibraryRuleBroken("Add a file or a web address before publishing.")
    before = resource.status
    resource.status = status
    pieces.changed(*(f"theme:{slug}" for slug in resource.themes))
    text_search.index_resource(resource)  # who may find it changes with its status
    audit(actor, f"resource.{status}", "resource", resource.id, resource.title, {"status": before}, {"status": status})


def review_due(themes=None, today=None):
    """Published resources past their review date, for theme leads (their themes) or admins (``themes`` None)."""
    stmt = select(Resource).where(Resource.status == "published", Resource.review_due <= (today or date.today()))
    if themes is not None:
        stmt = stmt.where(exists().where(ResourceTheme.resource_id == Resource.id,
                                         ResourceTheme.theme_slug.in_(sorted(themes) or [""])))
    return db.session.scalars(stmt.order_by(Resource.review_due, Resource.title)).all()


def record_download(resource, today=None):
    """Count a download: one atomic upsert of the day's row in ``resource_download`` (no lost counts
    when many download at once), leaving ``resource`` and everything pages are built from alone."""
    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert  # type: ignore[assignment]  # the same upsert API
    stmt = insert(ResourceDownload).values(resource_id=resource.id, day=today or date.today(), count=1)
    db.session.execute(stmt.on_conflict_do_update(
        index_elements=[ResourceDownload.resource_id, ResourceDownload.day],
        set_={"count": ResourceDownload.count + 1}))


def download_counts(resource_ids):
    """{resource id: downloads ever} for these resources (those never downloaded are left out)."""
    if not resource_ids:
        return {}
    return dict(db.session.execute(
        select(ResourceDownload.resource_id, func.sum(ResourceDownload.count))
        .where(ResourceDownload.resource_id.in_(list(resource_ids))).group_by(ResourceDownload.resource_id)).all())


# -- members: suggestions and saved resources -----------------------------------------------------------------------

def suggest(member, *, title, url=None, summary=None, theme_slug=None):
    suggestion = ResourceSuggestion(member_id=member.id, title=title.strip(), url=(url or "").strip() or None,
                                    summary=(summary or "").strip() or None, theme_slug=theme_slug or None)
    db.session.add(suggestion)
    return suggestion


@savepoint
def decide_suggestion(actor, suggestion, accept):
    """Accept (a draft resource is made from it, for a curator to finish) or decline a suggestion."""
    if suggestion.status != "waiting":
        raise LibraryRuleBroken("This suggestion has already been dealt with.")
    suggestion.status, suggestion.decided_by_id, suggestion.decided_at = (
        "accepted" if accept else "declined"), getattr(actor, "id", None), utcnow()
    if accept:
        resource = save_resource(actor, None, title=suggestion.title, summary=suggestion.summary or suggestion.title,
                                 type="video" if suggestion.url else "guide", external_url=suggestion.url,
                                 status="draft", visibility="public",
                                 themes=[suggestion.theme_slug] if suggestion.theme_slug else [])
        suggestion.resource_id = resource.id
        return resource
    return None


def save_for(member, resource):
    if db.session.scalar(select(SavedResource.id).where(SavedResource.member_id == member.id,
                                                        SavedResource.resource_id == resource.id)) is None:
        db.session.add(SavedResource(member_id=member.id, resource_id=resource.id))


def unsave_for(member, resource):
    db.session.execute(SavedResource.__table__.delete().where(SavedResource.member_id == member.id,
                                                              SavedResource.resource_id == resource.id))


def saved_by(member):
    return db.session.scalars(select(Resource).join(SavedResource, SavedResource.resource_id == Resource.id)
                              .where(SavedResource.member_id == member.id, visible_resources(member))
                              .order_by(SavedResource.saved_at.desc())).all()


def is_saved(member, resource):
    if not _signed_in(member):
        return False
    return db.session.scalar(select(SavedResource.id).where(SavedResource.member_id == member.id,
                                                            SavedResource.resource_id == resource.id)) is not None


# -- courses ------------------------------------------------------------------------------------------------------

def recommend(actor, course, resource):
    if db.session.scalar(select(CourseResource.id).where(CourseResource.course_id == course.id,
                                                         CourseResource.resource_id == resource.id)) is None:
        db.session.add(CourseResource(course_id=course.id, resource_id=resource.id))
        audit(actor, "course.resource_recommended", "course", course.id, course.title, None, {"resource": resource.slug})


def unrecommend(actor, course, resource):
    db.session.execute(CourseResource.__table__.delete().where(CourseResource.course_id == course.id,
                                                               CourseResource.resource_id == resource.id))


def recommended_links(member, course_id):
    """SELECT of the published resources recommended for a course (``course_id``: a value or a bind parameter)
    that the member may see: id, slug, title, type, updated_at, unordered (the course page reads them in its
    one statement, :func:`copractice.courses.catalogue.course_page`)."""
    return (select(Resource.id, Resource.slug, Resource.title, Resource.type, Resource.updated_at)
            # By id from the course's few links: as a join, SQLite walked every published resource to probe them.
            .where(Resource.id.in_(select(CourseResource.resource_id).where(CourseResource.course_id == course_id)),
                   visible_resources(member), Resource.status == "published"))


def recommended_for(member, course):
    """The published resources recommended for a course that the member may see, as links (the columns shown)."""
    rows = db.session.execute(recommended_links(member, course.id).order_by(Resource.title)).all()
    return [ResourceLink(*row) for row in rows]


# -- validators for ETags (copractice/http_cache.py): they change when, and only when, the page changes --------

def library_version(filters, today=None):
    """What the library's search page shows: the resources (the newest, the newest change: saving a resource,
    its themes, audience or tags touches ``updated_at``) and, with a theme chosen, the day (its most-used list
    counts downloads up to yesterday). Downloads and saves change nothing here."""
    # Resources are retired, never deleted: the newest id and change (both read from an index) say it all.
    # Two scalar subqueries, not one SELECT of two max(): SQLite answers a lone max() from the index end and
    # otherwise walks the whole index (bench/plans.py).
    row = db.session.execute(_library_version_statement()).one()
    return [*row, (today or date.today()) if filters.theme else None]


@cache
def _library_version_statement():
    """Built once: every anonymous library request asks it before anything else."""
    return select(select(func.max(Resource.id)).scalar_subquery(),
                  select(func.max(Resource.updated_at)).scalar_subquery())


def resource_version(item, variants, original):
    """What a resource's page shows an anonymous visitor, from what the view has already loaded."""
    return [item.id, item.updated_at, item.status, [f.id for f in item.files],
            [(v.id, v.updated_at) for v in variants], (original.id, original.updated_at) if original else None]
