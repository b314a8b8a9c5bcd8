"""course.next_session_at: the start of each course's next session, kept so the catalogue sorts by an index

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03 11:00:00
"""
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('course', schema=None) as batch_op:
        batch_op.add_column(sa.Column('next_session_at', sa.DateTime(), nullable=True))
        batch_op.create_index('ix_course_next_session', ['status', 'next_session_at', 'title', 'id'], unique=False)
    # Backfill: the first session that starts after now (none: NULL). The periodic job moves it on later.
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    op.get_bind().execute(sa.text(
        "UPDATE course SET next_session_at = (SELECT min(s.starts_at) FROM course_session s "
        "WHERE s.course_id = course.id AND s.starts_at > :now)"), {"now": now})
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ANALYZE course")  # the planner needs the new column's figures to choose its index


def downgrade():
    with op.batch_alter_table('course', schema=None) as batch_op:
        batch_op.drop_index('ix_course_next_session')
        batch_op.drop_column('next_session_at')
