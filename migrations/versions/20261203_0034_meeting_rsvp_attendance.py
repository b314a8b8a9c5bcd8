"""Meetings: members' answers (coming, maybe, not coming) and the register's marks (issue 15)

Revision ID: 0034
Revises: 0035
Create Date: 2026-12-03 22:45:00
"""
import sqlalchemy as sa
from alembic import op


revision = "0034"
down_revision = "0035"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "meeting_rsvp",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("answer", sa.String(length=8), nullable=False),
        sa.Column("answered_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["meeting_id"], ["meeting.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["member_id"], ["member.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("meeting_id", "member_id"),
    )
    op.create_index("ix_meeting_rsvp_member_id", "meeting_rsvp", ["member_id"])
    op.create_table(
        "meeting_attendance",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("remark", sa.String(length=500), nullable=True),
        sa.Column("marked_by_id", sa.Integer(), nullable=True),
        sa.Column("marked_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["meeting_id"], ["meeting.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["member_id"], ["member.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["marked_by_id"], ["member.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("meeting_id", "member_id"),
    )
    op.create_index("ix_meeting_attendance_member_id", "meeting_attendance", ["member_id"])


def downgrade():
    op.drop_index("ix_meeting_attendance_member_id", table_name="meeting_attendance")
    op.drop_table("meeting_attendance")
    op.drop_index("ix_meeting_rsvp_member_id", table_name="meeting_rsvp")
    op.drop_table("meeting_rsvp")
