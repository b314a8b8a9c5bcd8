"""A plugin that watches marks and completions and adds a report column."""
from copractice.plugin_api import ReportColumn, hookimpl

COPRACTICE_REQUIRES = ">=0.1,<1"
COPRACTICE_HOOKSPEC_VERSION = 2

SEEN = []
WRITING_FOR = []  # whose rows the kept pages took this hook's writes to be (copractice/kept_pages.py)


@hookimpl
def copractice_attendance_marked(app, attendance, old_status):
    from copractice.kept_pages import writing_for

    SEEN.append(("marked", attendance.member_id, old_status, attendance.status))
    WRITING_FOR.append(writing_for())


@hookimpl
def copractice_course_completed(app, completion):
    SEEN.append(("completed", completion.member_id, completion.course_id))


@hookimpl
def copractice_report_columns(app, report):
    def organisations(member_ids, course):
        from sqlalchemy import select

        from copractice.extensions import db
        from copractice.members.models import Member

        rows = db.session.execute(select(Member.id, Member.organisation).where(Member.id.in_(member_ids)))
        return {member_id: organisation or "none" for member_id, organisation in rows}

    return [ReportColumn("Organisation (from plugin)", organisations)]
