"""A plugin with an enrolment rule, and a record of the course and enrolment hooks it saw."""
from copractice.plugin_api import hookimpl

COPRACTICE_REQUIRES = ">=0.1,<1"
COPRACTICE_HOOKSPEC_VERSION = 2

SEEN = []


@hookimpl
def copractice_enrolment_check(app, member, course):
    if "Refused" in member.name:
        return ["This course is only for people who have finished the introduction course."]
    return []


@hookimpl
def copractice_enrolment_changed(app, enrolment, old_status, new_status):
    SEEN.append(("enrolment_changed", enrolment.member_id, old_status, new_status))


@hookimpl
def copractice_course_saved(app, course, created):
    SEEN.append(("course_saved", course.slug, created))
