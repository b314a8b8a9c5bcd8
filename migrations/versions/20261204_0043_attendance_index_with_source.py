"""attendance (session_id, member_id, status, source): the course report reads its marks from the index again

Issue 17 left co-facilitators' marks (source "co_facilitating") out of the report, so its statement asks for the
source too, which 0017's index (session_id, member_id, status) does not hold: PostgreSQL fetched all 8,400 marks of
the benchmark's course from the table again (5,198 buffers, 4.3 ms against 1.7). With the source as the index's
last column the marks come from the index alone; the index serves every lookup the old one did, so it replaces it.

Revision ID: 0043
Revises: 0042
Create Date: 2026-12-04 16:50:00
"""
from alembic import op


revision = "0043"
down_revision = "0042"
branch_labels = None
depends_on = None


def _analyze():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ANALYZE attendance")


def upgrade():
    op.drop_index("ix_attendance_session_member_status", table_name="attendance")
    op.create_index("ix_attendance_session_member_status_source", "attendance",
                    ["session_id", "member_id", "status", "source"])
    _analyze()


def downgrade():
    op.drop_index("ix_attendance_session_member_status_source", table_name="attendance")
    op.create_index("ix_attendance_session_member_status", "attendance", ["session_id", "member_id", "status"])
    _analyze()
