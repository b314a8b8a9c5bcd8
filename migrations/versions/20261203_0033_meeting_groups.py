"""Groups, their members and their meetings (issue 15)

Revision ID: 0033
Revises: 0032
Create Date: 2026-12-03 22:40:00
"""
import sqlalchemy as sa
from alembic import op


revision = "0033"
down_revision = "0032"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "meeting_group",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=120), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("theme_slug", sa.String(length=64), nullable=True),
        sa.Column("joining", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("archived_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("slug"),
    )
    op.create_index("ix_meeting_group_theme_slug", "meeting_group", ["theme_slug"])
    op.create_table(
        "group_member",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("invited_by_id", sa.Integer(), nullable=True),
        sa.Column("joined_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["group_id"], ["meeting_group.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["member_id"], ["member.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["invited_by_id"], ["member.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("group_id", "member_id"),
    )
    op.create_index("ix_group_member_member_status", "group_member", ["member_id", "status"])
    op.create_table(
        "meeting",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("starts_at", sa.DateTime(), nullable=False),
        sa.Column("ends_at", sa.DateTime(), nullable=False),
        sa.Column("venue", sa.String(length=300), nullable=True),
        sa.Column("joining_details", sa.Text(), nullable=True),
        sa.Column("papers_days_before", sa.Integer(), nullable=False),
        sa.Column("papers_sent_at", sa.DateTime(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("ends_at > starts_at", name="meeting_ends_after_start"),
        sa.CheckConstraint("papers_days_before >= 0", name="papers_days_not_negative"),
        sa.ForeignKeyConstraint(["group_id"], ["meeting_group.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["created_by_id"], ["member.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_meeting_starts_at", "meeting", ["starts_at"])
    op.create_index("ix_meeting_group_starts", "meeting", ["group_id", "starts_at"])


def downgrade():
    op.drop_index("ix_meeting_group_starts", table_name="meeting")
    op.drop_index("ix_meeting_starts_at", table_name="meeting")
    op.drop_table("meeting")
    op.drop_index("ix_group_member_member_status", table_name="group_member")
    op.drop_table("group_member")
    op.drop_index("ix_meeting_group_theme_slug", table_name="meeting_group")
    op.drop_table("meeting_group")
