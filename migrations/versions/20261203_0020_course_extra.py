"""course_extra: answers to the questions plugins add to the course form, stored per plugin

Issue 13 point 7: a plugin adds fields to the course form (``copractice_course_fields``); each answer is a
row (course, plugin, name, value), one per course, plugin and name, deleted with the course. The unique
index leads with course_id: the course page reads a course's rows, and the catalogue's filter is an EXISTS
on (course_id, plugin, name).

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-03 14:00:00
"""
import sqlalchemy as sa
from alembic import op


revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "course_extra",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("plugin", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["course_id"], ["course.id"], name=op.f("fk_course_extra_course_id_course"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_course_extra")),
        sa.UniqueConstraint("course_id", "plugin", "name", name=op.f("uq_course_extra_course_id_plugin_name")),
    )


def downgrade():
    op.drop_table("course_extra")
