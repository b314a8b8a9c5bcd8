"""Living with Dementia: companions and reading settings.

Revision ID: dementia_0001
Revises:
Create Date: 2026-11-22
"""
import sqlalchemy as sa
from alembic import op

revision = "dementia_0001"
down_revision = None
branch_labels = ("dementia",)
depends_on = "0002"  # course and member tables


def upgrade():
    op.create_table(
        "dementia_companion",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("relationship_to_member", sa.String(length=120), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["course_id"], ["course.id"], name=op.f("fk_dementia_companion_course_id_course"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["member_id"], ["member.id"], name=op.f("fk_dementia_companion_member_id_member"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dementia_companion")),
        sa.UniqueConstraint("course_id", "member_id", name=op.f("uq_dementia_companion_course_id_member_id")),
    )
    with op.batch_alter_table("dementia_companion") as batch:
        batch.create_index(batch.f("ix_dementia_companion_course_id"), ["course_id"])
        batch.create_index(batch.f("ix_dementia_companion_member_id"), ["member_id"])
    op.create_table(
        "dementia_reading_settings",
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("large_text", sa.Boolean(), nullable=False),
        sa.Column("reduced_motion", sa.Boolean(), nullable=False),
        sa.Column("simple_layout", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["member_id"], ["member.id"],
                                name=op.f("fk_dementia_reading_settings_member_id_member"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("member_id", name=op.f("pk_dementia_reading_settings")),
    )


def downgrade():
    op.drop_table("dementia_reading_settings")
    with op.batch_alter_table("dementia_companion") as batch:
        batch.drop_index(batch.f("ix_dementia_companion_member_id"))
        batch.drop_index(batch.f("ix_dementia_companion_course_id"))
    op.drop_table("dementia_companion")
