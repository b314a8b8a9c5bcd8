"""Factories for courses and sessions, shared by the course tests."""
from datetime import timedelta

from copractice.courses.models import Course, Session
from copractice.extensions import db
from copractice.timeutil import utcnow

_n = iter(range(1, 10_000_000))


def create_course(*, capacity=5, status="published", theme_slug="cross-cutting", sessions=1, title=None,
                  starts_in=timedelta(days=7), **fields):
    """A saved course with ``sessions`` weekly sessions starting ``starts_in`` from now."""
    n = next(_n)
    course = Course(title=title or f"Course {n}", slug=f"course-{n}", summary=f"Summary of course {n}",
                    capacity=capacity, places_taken=0, status=status, theme_slug=theme_slug, **fields)
    start = utcnow().replace(microsecond=0) + starts_in
    for week in range(sessions):
        begins = start + timedelta(weeks=week)
        course.sessions.append(Session(starts_at=begins, ends_at=begins + timedelta(hours=2),
                                       venue="Canterbury Innovation Centre", online_link="https://meet.example/room"))
    db.session.add(course)
    db.session.commit()
    return course
