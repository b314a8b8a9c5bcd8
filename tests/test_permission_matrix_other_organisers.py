"""The permission matrix again, as organisers of something else: a facilitator of another course and a theme lead
of another theme. Every route about the course under test (its pages, sessions, register, enrolments, report,
resources and suggestions) refuses them with 403; every other route answers as it does for their role.

The first pass (test_permission_matrix) makes its facilitator and theme lead organisers of the course under test,
so on its own it cannot tell "organisers of this course" from "any organiser".
"""
import pytest

from tests.test_permission_matrix import MATRIX, app_settings, route_mismatches, sign_in  # noqa: F401 (app_settings: fixture)

# Placeholders that name the matrix's course or something under its theme (Cross-cutting).
SCOPED = ("{course}", "{session}", "{enrolment}", "{resource_id}", "{suggestion}")
SCOPED += ("{theme}",)  # the theme's own pages for its leads (issue 13 point 1)
SCOPED += ("{space}", "{topic}", "{reply}")  # the theme's community space, which its leads lead (issue 14)
SCOPED += ("{group}", "{agroup}")  # the groups of Cross-cutting, which its leads run (issue 15)
SCOPED += ("{organisation}/edit",)  # a Cross-cutting organisation on the map: any lead reads it, its own edit it
SCOPED += ("{opp}",)  # an involvement opportunity of the course under test's session (issue 17)
SCOPED += ("{survey}",)  # a Cross-cutting survey, which its leads build and read (issue 16)
SCOPED += ("{impact_entry}", "{impact_project}/edit")  # Cross-cutting's impact log entry and project (issue 16)
SCOPED += ("{sgroup}",)  # a Cross-cutting team's self-assessment and agreed standards, which its leads run (issue 16)
SCOPED += ("{ecourse}",)  # a Cross-cutting course with its evaluation, whose paired report its leads read (issue 16)


def scoped_to_the_course_under_test(endpoint):
    """Routes that act on the course under test (or its theme's things) and are refused to trainees."""
    _method, url, data, statuses = MATRIX[endpoint]
    return any(p in url for p in SCOPED) and statuses["trainee"] == 403


def test_the_second_pass_covers_the_organiser_routes():
    scoped = {e for e in MATRIX if scoped_to_the_course_under_test(e)}
    assert {"manage.course", "attendance.register", "attendance.mark", "attendance.course_report",
            "manage.edit_course", "manage.remove", "library.recommend"} <= scoped


def designed_for_other_organisers(role):
    def designed(endpoint, statuses):
        if scoped_to_the_course_under_test(endpoint) and statuses[role] in (200, 302):
            return 403
        return statuses[role]
    return designed


@pytest.mark.parametrize("role, themes", [("facilitator", ()), ("theme_lead", ("dementia",))],
                         ids=["facilitator-of-another-course", "lead-of-another-theme"])
def test_organisers_of_something_else_are_refused_this_course(app, role, themes):
    from copractice.courses.models import CourseFacilitator
    from copractice.extensions import db
    from tests.factories_courses import create_course

    client = app.test_client()
    me = sign_in(app, client, role, themes=themes)
    with app.app_context():  # they really do run something: a course of their own
        own = create_course(title="Their own course", theme_slug=themes[0] if themes else "cross-cutting")
        db.session.add(CourseFacilitator(course_id=own.id, member_id=me.id))
        db.session.commit()
    mismatches = route_mismatches(app, client, role, me, designed_for_other_organisers(role),
                                  facilitates_course_under_test=False)
    assert mismatches == [], "\n".join(mismatches)
