"""Finding courses: the public catalogue, a course's page data, and the courses a member runs."""
from dataclasses import dataclass

from sqlalchemy import case, exists, func, or_, select
from sqlalchemy.orm import selectinload, with_expression

from copractice.courses.models import ACTIVE, Course, CourseAudience, CourseFacilitator, Enrolment, Session
from copractice.extensions import db
from copractice.timeutil import now_utc


@dataclass
class CatalogueFilters:
    q: str = ""
    theme: str = ""
    format: str = ""
    audience: str = ""
    has_places: bool = False

    def active(self):
        return bool(self.q or self.theme or self.format or self.audience or self.has_places)


def next_session_start(now):
    """Correlated subquery: the start of the course's next session after ``now``."""
    return (select(func.min(Session.starts_at))
            .where(Session.course_id == Course.id, Session.starts_at > now)
            .correlate(Course).scalar_subquery())


def catalogue(filters, page=1, per_page=12, now=None):
    """Published courses matching ``filters``, soonest next session first, as a Flask-SQLAlchemy page;
    each Course has ``next_start`` set. Two queries (rows and count) plus one for audiences, whatever the data."""
    now = now or now_utc()
    next_start = next_session_start(now)
    stmt = select(Course).where(Course.status == "published")
    q = (filters.q or "").strip()
    if q:
        like = f"%{q.lower()}%"
        stmt = stmt.where(or_(func.lower(Course.title).like(like), func.lower(Course.summary).like(like)))
    if filters.theme:
        stmt = stmt.where(Course.theme_slug == filters.theme)
    if filters.format:
        stmt = stmt.where(Course.format == filters.format)
    if filters.audience:
        any_audience = exists().where(CourseAudience.course_id == Course.id)
        this_audience = exists().where(CourseAudience.course_id == Course.id,
                                       CourseAudience.stakeholder_type == filters.audience)
        stmt = stmt.where(or_(~any_audience, this_audience))  # no audience set means everyone
    if filters.has_places:
        stmt = stmt.where(Course.places_taken < Course.capacity)
    stmt = stmt.options(with_expression(Course.next_start, next_start), selectinload(Course.audience_rows)).order_by(
        next_start.is_(None), next_start, Course.title, Course.id)
    return db.paginate(stmt, page=page, per_page=per_page, error_out=False, max_per_page=50, count=True)


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
    """What the public catalogue shows, in one cheap statement: the published courses (how many, the newest
    change: an edit, a session, an enrolment moving places_taken all touch ``updated_at``) and the clock's part
    (the next moment a session starts or an enrolment window opens or closes: each changes what is shown)."""
    now = now or now_utc()
    published = Course.status == "published"
    next_start = select(func.min(Session.starts_at)).where(Session.starts_at > now).scalar_subquery()
    row = db.session.execute(select(
        func.count(Course.id), func.max(Course.updated_at),
        func.min(case((Course.enrolment_opens_at > now, Course.enrolment_opens_at))),
        func.min(case((Course.enrolment_closes_at > now, Course.enrolment_closes_at))), next_start)
        .where(published)).one()
    return list(row)


def course_version(course, now=None, with_people=True):
    """What a course's page (or, ``with_people`` False, its calendar file) shows an anonymous visitor, from the
    course already loaded with its sessions and facilitators, plus its waiting list and linked resources."""
    from copractice.courses.operations import closed_reason, waiting_count
    from copractice.library.operations import recommended_for

    now = now or now_utc()
    parts = [course.id, course.updated_at, course.status, course.places_taken, course.capacity,
             [(s.id, s.starts_at, s.ends_at, s.venue, s.note, s.starts_at <= now, s.ends_at <= now)
              for s in course.sessions]]
    if with_people:
        parts += [closed_reason(course, now), waiting_count(course),
                  [(f.member_id, f.member.name, f.lived_experience) for f in course.facilitators],
                  [(r.id, r.updated_at) for r in recommended_for(None, course)]]
    return parts

