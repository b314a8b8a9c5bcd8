"""Opportunities and people for tests/test_involvement_*.py and the involvement journey (inside an app context)."""
from copractice.courses.models import CourseFacilitator
from copractice.extensions import db
from copractice.involvement.models import Opportunity
from copractice.testing import create_course, create_member


def course_with_facilitator(**course_fields):
    """(course, its facilitator): a Cross-cutting course with one session, run by a facilitator."""
    course = create_course(**course_fields)
    facilitator = create_member(role="facilitator", name="Fran Facilitator")
    db.session.add(CourseFacilitator(course_id=course.id, member_id=facilitator.id))
    db.session.commit()
    return course, facilitator


def make_opportunity(*, session=None, meeting=None, project=None, places=1, role="co_facilitator", title=None,
                     minutes=120, theme_slug=None, easy_read=None):
    opp = Opportunity(title=title or "Co-facilitate a session", role=role, description="Help run the session.",
                      easy_read=easy_read, expected_minutes=minutes, session_id=session.id if session else None,
                      meeting_id=meeting.id if meeting else None, project=project, places=places, status="open",
                      theme_slug=theme_slug or (session.course.theme_slug if session else None))
    db.session.add(opp)
    db.session.commit()
    return opp
