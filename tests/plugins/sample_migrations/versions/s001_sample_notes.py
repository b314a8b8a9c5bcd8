"""The sample plugin's own table, on its own branch.

Revision ID: s001
Revises:
Create Date: 2026-11-21
"""
import sqlalchemy as sa
from alembic import op

revision = "s001"
down_revision = None
branch_labels = ("sample",)
depends_on = "0001"  # it refers to the core's member table


def upgrade():
    op.create_table(
        "sample_note",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["member_id"], ["member.id"], name=op.f("fk_sample_note_member_id_member"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sample_note")),
    )


def downgrade():
    op.drop_table("sample_note")
