"""Involvement opportunities, involvements, payment and expense rates (issue 17 points 1-3, 6)

Revision ID: 0040
Revises: 0036
Create Date: 2026-12-04 04:00:00
"""
import sqlalchemy as sa
from alembic import op


revision = "0040"
down_revision = "0036"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "involvement_opportunity",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("easy_read", sa.Text(), nullable=True),
        sa.Column("expected_minutes", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=True),
        sa.Column("meeting_id", sa.Integer(), nullable=True),
        sa.Column("project", sa.String(length=200), nullable=True),
        sa.Column("theme_slug", sa.String(length=64), nullable=True),
        sa.Column("places", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["session_id"], ["course_session.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["meeting_id"], ["meeting.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["created_by_id"], ["member.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_involvement_opportunity_session_id", "involvement_opportunity", ["session_id"])
    op.create_index("ix_involvement_opportunity_meeting_id", "involvement_opportunity", ["meeting_id"])
    op.create_index("ix_involvement_opportunity_theme_slug", "involvement_opportunity", ["theme_slug"])
    op.create_index("ix_involvement_opportunity_status", "involvement_opportunity", ["status"])
    op.create_index("ix_involvement_opportunity_created_by_id", "involvement_opportunity", ["created_by_id"])
    op.create_table(
        "involvement",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("opportunity_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("payment_choice", sa.String(length=16), nullable=False),
        sa.Column("benefits_advice", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("own_time_confirmed", sa.Boolean(), nullable=True),
        sa.Column("credit_consent", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("payment_offered_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["opportunity_id"], ["involvement_opportunity.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["member_id"], ["member.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("opportunity_id", "member_id", name="uq_involvement_opportunity_member"),
    )
    op.create_index("ix_involvement_member_id", "involvement", ["member_id"])
    op.create_table(
        "payment_rate",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("activity", sa.String(length=32), nullable=False),
        sa.Column("unit", sa.String(length=16), nullable=False),
        sa.Column("pence", sa.Integer(), nullable=False),
        sa.Column("applies_from", sa.Date(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["created_by_id"], ["member.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_payment_rate_activity_from", "payment_rate", ["activity", "applies_from"])
    op.create_table(
        "expense_rate",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("unit", sa.String(length=16), nullable=False),
        sa.Column("pence", sa.Integer(), nullable=False),
        sa.Column("applies_from", sa.Date(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["created_by_id"], ["member.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_expense_rate_kind_from", "expense_rate", ["kind", "applies_from"])


def downgrade():
    op.drop_index("ix_expense_rate_kind_from", table_name="expense_rate")
    op.drop_table("expense_rate")
    op.drop_index("ix_payment_rate_activity_from", table_name="payment_rate")
    op.drop_table("payment_rate")
    op.drop_index("ix_involvement_member_id", table_name="involvement")
    op.drop_table("involvement")
    for name in ("created_by_id", "status", "theme_slug", "meeting_id", "session_id"):
        op.drop_index(f"ix_involvement_opportunity_{name}", table_name="involvement_opportunity")
    op.drop_table("involvement_opportunity")
