"""The starter course and resources the Living with Dementia theme begins with."""
from datetime import datetime, timedelta

from sqlalchemy import select

from copractice.courses.models import Course, Session
from copractice.extensions import db
from copractice.library import operations as library
from copractice.library.models import Resource
from copractice.timeutil import london_to_utc, utcnow

COURSE_SLUG = "co-producing-research-with-people-living-with-dementia"


def add_starter():
    """Create what is missing; return how many items were made."""
    made = 0
    if db.session.scalar(select(Course.id).where(Course.slug == COURSE_SLUG)) is None:
        course = Course(slug=COURSE_SLUG, title="Co-producing research with people living with dementia",
                        summary="Short, relaxed sessions on working as partners with people living with dementia "
                                "and their carers.",
                        description="Each session is 90 minutes with a break. Companions are welcome and do not need "
                                    "a place. Materials come in large print and Easy Read.",
                        theme_slug="dementia", format="in_person", capacity=12, places_taken=0, status="published")
        course.audience = []
        start = (utcnow() + timedelta(days=14)).date()
        for week in range(3):
            local = datetime.combine(start + timedelta(weeks=week), datetime.min.time()).replace(hour=10, minute=30)
            course.sessions.append(Session(starts_at=london_to_utc(local), ends_at=london_to_utc(local + timedelta(minutes=90)),
                                           venue="Maidstone Community Hub, step-free access",
                                           note="Quiet room available. Tea and coffee provided."))
        db.session.add(course)
        made += 1
    for title, kind, summary in (
        ("Involving people living with dementia in research: a practical guide", "guide",
         "How to plan meetings, pace the work and share decisions with people living with dementia."),
        ("Dementia-friendly meetings checklist", "toolkit",
         "A one-page checklist: quiet rooms, clear signs, breaks, and time to talk."),
    ):
        if db.session.scalar(select(Resource.id).where(Resource.title == title)) is None:
            library.save_resource(None, None, themes=["dementia"], audience=["carer", "researcher", "public_contributor"],
                                  tags=["dementia"], title=title, summary=summary, type=kind, year=2026,
                                  status="published", visibility="public",
                                  external_url="https://www.alzheimers.org.uk/")
            made += 1
    return made
