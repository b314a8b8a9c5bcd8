"""course (updated_at), (enrolment_opens_at), (enrolment_closes_at): the catalogue's ETag from the indexes alone

With HTTP caching on, every anonymous catalogue request computed its validator with a pass over every
published course (a sequential scan of course, 1-10 ms of PostgreSQL time on the large data), which made
pages slower with caching on than off. Each part is now one index lookup.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-03 14:20:00
"""
from alembic import op


revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

INDEXES = {
    "ix_course_updated_at": ["updated_at"],
    "ix_course_enrolment_opens_at": ["enrolment_opens_at"],
    "ix_course_enrolment_closes_at": ["enrolment_closes_at"],
}


def upgrade():
    for name, columns in INDEXES.items():
        op.create_index(name, "course", columns)


def downgrade():
    for name in INDEXES:
        op.drop_index(name, table_name="course")
