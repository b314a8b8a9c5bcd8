"""Finding courses: the public catalogue, a course's page data, and the courses a member runs."""
import functools
from dataclasses import dataclass, field
from datetime import datetime

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import (
    Boolean,
    DateTime,
    Integer,
    String,
    bindparam,
    case,
    cast,
    exists,
    func,
    literal,
    null,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.orm import selectinload

from copractice.courses.models import (
    ACTIVE,
    WAITING,
    Course,
    CourseAudience,
    CourseExtra,
    CourseFacilitator,
    Enrolment,
    Session,
)
from copractice.courses.next_session import next_start_after
from copractice.extensions import db
from copractice.members.models import Member
from copractice.timeutil import utcnow


@dataclass
class CatalogueFilters:
    q: str = ""
    theme: str = ""
    format: str = ""
    audience: str = ""
    has_places: bool = False
    # Plugins' filterable course questions (copractice/courses/extras.py): ((plugin, name, value), ...)
    extras: tuple = ()

    def active(self):
        return bool(self.q or self.theme or self.format or self.audience or self.has_places or self.extras)


def _shape(filters):
    """Which filters are in use (the statements are built once per shape) and their values."""
    q = (filters.q or "").strip().lower()
    values = {"like": f"%{q}%" if q else None, "theme": filters.theme or None, "format": filters.format or None,
              "audience": filters.audience or None}
    extras = sorted(set(filters.extras))
    shape = tuple(value is not None for value in values.values()) + (bool(filters.has_places), len(extras))
    values = {k: v for k, v in values.items() if v is not None}
    for i, (plugin, name, value) in enumerate(extras):
        values.update({f"extra_plugin_{i}": plugin, f"extra_name_{i}": name, f"extra_value_{i}": value})
    return shape, values


def _conditions(shape):
    has_q, has_theme, has_format, has_audience, has_places, n_extras = shape
    conditions = [Course.status == "published"]
    if has_q:
        like = bindparam("like", type_=String)
        conditions.append(or_(func.lower(Course.title).like(like), func.lower(Course.summary).like(like)))
    if has_theme:
        conditions.append(Course.theme_slug == bindparam("theme", type_=String))
    if has_format:
        conditions.append(Course.format == bindparam("format", type_=String))
    if has_audience:
        any_audience = exists().where(CourseAudience.course_id == Course.id)
        this_audience = exists().where(CourseAudience.course_id == Course.id,
                                       CourseAudience.stakeholder_type == bindparam("audience", type_=String))
        conditions.append(or_(~any_audience, this_audience))  # no audience set means everyone
    if has_places:
        conditions.append(Course.places_taken < Course.capacity)
    for i in range(n_extras):  # a plugin's question answered so: one EXISTS each, on the unique (course, plugin, name)
        conditions.append(exists().where(CourseExtra.course_id == Course.id,
                                         CourseExtra.plugin == bindparam(f"extra_plugin_{i}", type_=String),
                                         CourseExtra.name == bindparam(f"extra_name_{i}", type_=String),
                                         CourseExtra.value == bindparam(f"extra_value_{i}", type_=String)))
    return conditions


def _next_start(now):
    """A course's next session after ``now``: its kept ``next_session_at`` while that is still to come, else
    (the job has not moved it on yet) worked out from its sessions."""
    return case((Course.next_session_at > now, Course.next_session_at),
                (Course.next_session_at.is_(None), null()), else_=next_start_after(now))


@functools.cache
def _order_statements(shape):
    """The catalogue's order and count for one shape of filters, built once (parameters: the filters' values,
    ``now``, ``reach``, ``per_page``, ``skip``).

    The order comes from the index on (status, next_session_at, title, id), walked twice (the courses with a
    session to come, and those with none, each only as far as the page reaches), plus the few courses whose
    kept value has just passed, whose next session is worked out from their sessions. ``changes_at`` is the
    soonest next session of all the courses matching: the order stays right until then, or until a course
    changes."""
    conditions = _conditions(shape)
    now, reach = bindparam("now", type_=DateTime), bindparam("reach", type_=Integer)
    upcoming = (select(Course.id, Course.next_session_at.label("next_start"), Course.title)
                .where(*conditions, Course.next_session_at > now)
                .order_by(Course.next_session_at, Course.title, Course.id).limit(reach))
    undated = (select(Course.id, cast(null(), DateTime).label("next_start"), Course.title)
               .where(*conditions, Course.next_session_at.is_(None))
               # next_session_at (NULL throughout) first, so the index's order serves: no sort
               .order_by(Course.next_session_at, Course.title, Course.id).limit(reach))
    passed = (select(Course.id, next_start_after(now).label("next_start"), Course.title)
              .where(*conditions, Course.next_session_at <= now))
    candidates = union_all(*(select(*part.subquery().c) for part in (upcoming, undated, passed))).subquery("candidates")
    c = candidates.c
    count = select(func.count()).select_from(Course).where(*conditions)
    ordered = (select(c.id, c.next_start, c.title, func.min(c.next_start).over().label("changes_at"),
                      count.scalar_subquery().label("total"))
               .order_by(c.next_start.is_(None), c.next_start, c.title, c.id)
               .limit(bindparam("per_page", type_=Integer)).offset(bindparam("skip", type_=Integer))
               .subquery("ordered"))
    o = ordered.c
    # the page's cards come with their order: candidates' next_start is the card's (_next_start) by construction
    order = (select(*_CARD_COLUMNS, o.next_start, o.changes_at, o.total).join(ordered, ordered.c.id == Course.id)
             .order_by(o.next_start.is_(None), o.next_start, o.title, o.id))
    return order, count


_CARD_COLUMNS = (Course.id, Course.slug, Course.title, Course.summary, Course.theme_slug, Course.format,
                 Course.capacity, Course.places_taken)


@dataclass(frozen=True)
class Card:
    """A course as the catalogue shows it (no ORM object, no description)."""
    id: int
    slug: str
    title: str
    summary: str
    theme_slug: str
    format: str
    capacity: int
    places_taken: int
    next_start: datetime | None

    places_left = Course.places_left
    format_label = Course.format_label


def _ordering(filters, page, per_page, now):
    """One page of the catalogue's order with its cards: ({"rows": [course id], "total", "changes_at"}, [Card]),
    soonest next session first, then by title; courses with no session to come last, by title."""
    shape, values = _shape(filters)
    order, count = _order_statements(shape)
    rows = db.session.execute(order, {**values, "now": now, "reach": page * per_page, "per_page": per_page,
                                      "skip": (page - 1) * per_page}).all()
    total = rows[0].total if rows else db.session.scalar(count, values)  # the count rides on the page's rows
    changes_at = rows[0].changes_at if rows else None
    if isinstance(changes_at, str):  # SQLite gives a window's result as text
        changes_at = datetime.fromisoformat(changes_at)
    return {"rows": [row.id for row in rows], "total": total, "changes_at": changes_at}, [Card(*row[:9]) for row in rows]


@functools.cache
def _cards():
    """The courses of a kept order's page by id: the columns a card shows, and the next session worked out
    again (it may have started since the order was kept)."""
    return select(*_CARD_COLUMNS, _next_start(bindparam("now", type_=DateTime))).where(
        Course.id.in_(bindparam("ids", expanding=True)))


class CataloguePage(Pagination):
    """Flask-SQLAlchemy's pagination over the catalogue's (kept) order."""

    def _query_items(self):
        args = self._query_args
        self._order, cards = args["order"](self.page, self.per_page)
        if cards is not None:  # the order was worked out now: its cards came with it
            return cards
        ids = self._order["rows"]
        if not ids:
            return []
        courses = {row.id: Card(*row) for row in db.session.execute(_cards(), {"ids": ids, "now": args["now"]})}
        return [courses[i] for i in ids if i in courses]

    def _query_count(self):
        return self._order["total"]


def catalogue(filters, page=1, per_page=12, now=None):
    """Published courses matching ``filters``, soonest next session first, as a Flask-SQLAlchemy page;
    each a :class:`Card` (with ``next_start``). One statement (the order with the count and the cards), whatever
    the data (two past the last page); one when the order is kept (``copractice.pieces``: forgotten when a course, its sessions or, for
    "has places", its places change, and when the soonest next session has started)."""
    from copractice import pieces

    now = now or utcnow()
    parts = ["catalogue", (filters.q or "").strip().lower(), filters.theme, filters.format, filters.audience,
             filters.has_places, sorted(set(filters.extras))]
    entities = ["catalogue", "catalogue-places"] if filters.has_places else ["catalogue"]

    def order(page, per_page):
        """(the order, the page's cards when the order was worked out now, else None)"""
        built = []

        def build():
            order, cards = _ordering(filters, page, per_page, now)
            built.append(cards)
            return order

        kept = pieces.remember("catalogue-order", parts + [page, per_page], entities, build,
                               still_good=lambda kept: kept["changes_at"] is None or kept["changes_at"] > now)
        return kept, (built[0] if built else None)

    return CataloguePage(page=page, per_page=per_page, max_per_page=50, error_out=False, order=order, now=now)


def _page_statement(member):
    """A course's page in one statement (parameter: ``slug``): the course, joined to everything its page shows
    beside it as one UNION ALL: its audience, sessions, facilitators' names, the resources it recommends that
    ``member`` may see, how many are waiting (that row is always there) and the answers to plugins' course
    questions (all plugins': the view shows the enabled ones'). Columns: the course, then kind,
    id, n, at1, at2, t1, t2, t3, flag (NULL where a kind has nothing)."""
    from copractice.library.operations import recommended_links

    by_slug = Course.__table__.alias("by_slug")
    course_id = select(by_slug.c.id).where(by_slug.c.slug == bindparam("slug", type_=String)).scalar_subquery()

    def row(kind, id=None, n=None, at1=None, at2=None, t1=None, t2=None, t3=None, flag=None):
        values = {"id": (id, Integer), "n": (n, Integer), "at1": (at1, DateTime), "at2": (at2, DateTime),
                  "t1": (t1, String), "t2": (t2, String), "t3": (t3, String), "flag": (flag, Boolean)}
        return [literal(kind, Integer).label("kind")] + [
            (cast(null(), type_) if value is None else value).label(name) for name, (value, type_) in values.items()]

    links = recommended_links(member, course_id).subquery()
    parts = union_all(
        select(*row(_AUDIENCE, t1=CourseAudience.stakeholder_type)).where(CourseAudience.course_id == course_id),
        select(*row(_SESSIONS, id=Session.id, at1=Session.starts_at, at2=Session.ends_at, t1=Session.venue,
                    t2=Session.online_link, t3=Session.note)).where(Session.course_id == course_id),
        select(*row(_FACILITATORS, id=CourseFacilitator.member_id, n=CourseFacilitator.id, t1=Member.name,
                    flag=CourseFacilitator.lived_experience))
        .join(Member, Member.id == CourseFacilitator.member_id).where(CourseFacilitator.course_id == course_id),
        select(*row(_RESOURCES, id=links.c.id, at2=links.c.updated_at, t1=links.c.title, t2=links.c.slug,
                    t3=links.c.type)),
        select(*row(_WAITING, n=func.count(Enrolment.id)))
        .where(Enrolment.course_id == course_id, Enrolment.status == WAITING),
        select(*row(_EXTRAS, t1=CourseExtra.plugin, t2=CourseExtra.name, t3=CourseExtra.value))
        .where(CourseExtra.course_id == course_id)).subquery("parts")
    c = parts.c
    # audience by type, sessions by start, facilitators in the order they were added, resources by title
    return (select(Course, c.kind, c.id, c.n, c.at1, c.at2, c.t1, c.t2, c.t3, c.flag)
            .outerjoin(parts, true()).where(Course.slug == bindparam("slug", type_=String))
            .order_by(c.kind, c.n, c.at1, c.t1))


_AUDIENCE, _SESSIONS, _FACILITATORS, _RESOURCES, _WAITING, _EXTRAS = range(6)
_anonymous_page = functools.cache(lambda: _page_statement(None))


@dataclass(frozen=True)
class SessionRow:
    id: int
    starts_at: datetime
    ends_at: datetime
    venue: str
    online_link: str
    note: str


@dataclass
class CoursePage:
    """A course's public page: the course and what is shown with it (no ORM objects beside the course)."""
    course: Course
    audience: list
    sessions: list
    facilitators: list
    recommended: list
    waiting: int
    extras: dict = field(default_factory=dict)  # {(plugin, name): stored text}: answers to plugins' questions


def course_page(slug, member=None):
    """A course for its public page, or None, in one statement: the course, its audience, sessions,
    facilitators (names only), the resources it recommends that ``member`` may see, and its waiting count."""
    from copractice.library.models import ResourceLink

    # visible_resources() is the same for every visitor: their statement is built once; a member's names their themes
    statement = _page_statement(member) if getattr(member, "is_authenticated", False) else _anonymous_page()
    page = None
    for course, kind, id_, n, at1, at2, t1, t2, t3, flag in db.session.execute(statement, {"slug": slug}):
        if page is None:
            page = CoursePage(course, [], [], [], [], 0)
        if kind == _SESSIONS:
            page.sessions.append(SessionRow(id_, at1, at2, t1, t2, t3))
        elif kind == _AUDIENCE:
            page.audience.append(t1)
        elif kind == _FACILITATORS:
            page.facilitators.append(Facilitator(id_, t1, bool(flag)))
        elif kind == _RESOURCES:
            page.recommended.append(ResourceLink(id_, t2, t1, t3, at2))
        elif kind == _WAITING:
            page.waiting = n
        elif kind == _EXTRAS:
            page.extras[(t1, t2)] = t3
    return page


@dataclass(frozen=True)
class Facilitator:
    member_id: int
    name: str
    lived_experience: bool


def facilitators_of(course):
    """Who runs a course, as the page shows them: name and whether they bring lived experience (one statement)."""
    return [Facilitator(*row) for row in db.session.execute(
        select(CourseFacilitator.member_id, Member.name, CourseFacilitator.lived_experience)
        .join(Member, Member.id == CourseFacilitator.member_id)
        .where(CourseFacilitator.course_id == course.id).order_by(CourseFacilitator.id))]


def course_by_slug(slug):
    return db.session.scalar(
        select(Course).where(Course.slug == slug).options(
            selectinload(Course.sessions), selectinload(Course.audience_rows),
            selectinload(Course.facilitators).joinedload(CourseFacilitator.member)))


def organiser_courses(member, can_manage_all, themes):
    """Courses a member runs: all (admin), their themes' (theme lead), or those they facilitate."""
    stmt = select(Course).options(selectinload(Course.sessions))
    if not can_manage_all:
        facilitating = exists().where(CourseFacilitator.course_id == Course.id,
                                      CourseFacilitator.member_id == member.id)
        stmt = stmt.where(or_(facilitating, Course.theme_slug.in_(themes or [""])))
    return db.session.scalars(stmt.order_by(Course.status, Course.title)).all()


def roster(course):
    """Everyone on a course or its waiting list, with their member row (one query)."""
    return db.session.scalars(
        select(Enrolment).where(Enrolment.course_id == course.id, Enrolment.status.in_(ACTIVE))
        .options(selectinload(Enrolment.member))
        .order_by(Enrolment.status, Enrolment.queue_key, Enrolment.id)).all()


# -- validators for ETags (copractice/http_cache.py): they change when, and only when, the page changes --------

def catalogue_version(now=None):
    """What the public catalogue shows, from four index lookups: the newest change to any course (an edit, a
    status change, a session, an enrolment moving places_taken all touch ``updated_at``; courses are never
    deleted) and the clock's part (the next moment a session starts or an enrolment window opens or closes:
    each changes what is shown). Drafts count too: a draft's edit costs a visitor one render, while reading
    only the published ones would mean a pass over every course on each request."""
    return list(db.session.execute(_catalogue_version_statement(), {"now": now or utcnow()}).one())


@functools.cache
def _catalogue_version_statement():
    """Built once (``now`` bound): every anonymous catalogue request asks it before anything else."""
    now = bindparam("now", type_=DateTime)
    newest = select(func.max(Course.updated_at)).scalar_subquery()
    opens = select(func.min(Course.enrolment_opens_at)).where(Course.enrolment_opens_at > now).scalar_subquery()
    closes = select(func.min(Course.enrolment_closes_at)).where(Course.enrolment_closes_at > now).scalar_subquery()
    starts = select(func.min(Session.starts_at)).where(Session.starts_at > now).scalar_subquery()
    return select(newest, opens, closes, starts)


def course_version(course, now=None, with_people=True, page=None):
    """What a course's page (or, ``with_people`` False, its calendar file) shows an anonymous visitor, from the
    course already loaded with its sessions, plus its waiting list, who runs it and its linked resources (or
    all of these from the ``page`` the view has already read, :func:`course_page`)."""
    from copractice.courses.operations import closed_reason, waiting_count
    from copractice.library.operations import recommended_for

    now = now or utcnow()
    sessions = course.sessions if page is None else page.sessions
    parts = [course.id, course.updated_at, course.status, course.places_taken, course.capacity,
             [(s.id, s.starts_at, s.ends_at, s.venue, s.note, s.starts_at <= now, s.ends_at <= now)
              for s in sessions]]
    if with_people:
        if page is None:
            waiting, facilitators, recommended = waiting_count(course), facilitators_of(course), recommended_for(None, course)
        else:
            waiting, facilitators, recommended = page.waiting, page.facilitators, page.recommended
        parts += [closed_reason(course, now), waiting,
                  [(f.member_id, f.name, f.lived_experience) for f in facilitators],
                  [(r.id, r.updated_at) for r in recommended]]
    return parts
