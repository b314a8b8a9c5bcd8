"""course evaluation: a course's before, after and follow-up surveys, and the invitations sent

Issue 16 point 3 (copractice/measurement/evaluation_models.py).

Revision ID: 0042
Revises: 0037
Create Date: 2026-12-04 05:00:00.000000
"""
import sqlalchemy as sa
from alembic import op

revision = "0042"
down_revision = "0037"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "course_evaluation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(length=16), nullable=False),
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["course_id"], ["course.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["survey_id"], ["survey.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("course_id", "stage"),
        sa.UniqueConstraint("survey_id"),
    )
    op.create_table(
        "evaluation_invitation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(length=16), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["course_id"], ["course.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["member_id"], ["member.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("course_id", "member_id", "stage"),
    )
    op.create_index("ix_evaluation_invitation_member_id", "evaluation_invitation", ["member_id"])


def downgrade():
    op.drop_index("ix_evaluation_invitation_member_id", table_name="evaluation_invitation")
    op.drop_table("evaluation_invitation")
    op.drop_table("course_evaluation")
