"""ix_post_unlisted_first: a partial index of the first posts not published (held or hidden), by topic

A space's topic list counts its listed topics as "all its topics less those whose first post is held or
hidden": two index reads instead of looking up the first post of each of its topics (2,453 in the bench's
showcase space: 9 ms of a 15 ms page on SQLite).

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-03 18:40:00
"""
import sqlalchemy as sa
from alembic import op


revision = "0032"
down_revision = "0031"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_post_unlisted_first", "post", ["topic_id"], unique=False,
                    sqlite_where=sa.text("number = 1 AND status != 'published'"),
                    postgresql_where=sa.text("number = 1 AND status != 'published'"))


def downgrade():
    op.drop_index("ix_post_unlisted_first", table_name="post")
