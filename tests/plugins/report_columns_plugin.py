"""A plugin whose report column reads the database, as real columns do: it must be asked once per report."""
from sqlalchemy import select

from copractice.extensions import db
from copractice.members.models import Member
from copractice.plugin_api import ReportColumn, hookimpl

COPRACTICE_REQUIRES = ">=0.1,<1"
COPRACTICE_HOOKSPEC_VERSION = 2

CALLS = []  # (member ids, course id) of each call of the column's ``values``


def organisations(member_ids, course):
    CALLS.append((sorted(member_ids), course.id if course is not None else None))
    rows = db.session.execute(select(Member.id, Member.organisation).where(Member.id.in_(member_ids)))
    return {member_id: organisation or "none" for member_id, organisation in rows}


@hookimpl
def copractice_report_columns(app, report):
    return [ReportColumn("Organisation (read once)", organisations)]
