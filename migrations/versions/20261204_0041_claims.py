"""Claims for payment of public contributors, their expenses, finance batches and finance staff (issue 17)

Revision ID: 0041
Revises: 0040
Create Date: 2026-12-04 04:10:00
"""
import sqlalchemy as sa
from alembic import op


revision = "0041"
down_revision = "0040"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "finance_batch",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=20), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("claim_count", sa.Integer(), nullable=False),
        sa.Column("total_pence", sa.Integer(), nullable=False),
        sa.Column("paid_on", sa.Date(), nullable=True),
        sa.Column("paid_recorded_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["created_by_id"], ["member.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["paid_recorded_by_id"], ["member.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("number"),
    )
    op.create_table(
        "claim",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("involvement_id", sa.Integer(), nullable=True),
        sa.Column("member_id", sa.Integer(), nullable=True),
        sa.Column("source_key", sa.String(length=40), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=True),
        sa.Column("meeting_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("activity", sa.String(length=40), nullable=False),
        sa.Column("theme_slug", sa.String(length=64), nullable=True),
        sa.Column("activity_date", sa.Date(), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("rate_unit", sa.String(length=16), nullable=False),
        sa.Column("rate_pence", sa.Integer(), nullable=False),
        sa.Column("fee_pence", sa.Integer(), nullable=False),
        sa.Column("payment_choice", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("query_message", sa.Text(), nullable=True),
        sa.Column("batch_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("approved_at", sa.DateTime(), nullable=True),
        sa.Column("approved_by_id", sa.Integer(), nullable=True),
        sa.Column("paid_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(["involvement_id"], ["involvement.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["member_id"], ["member.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["session_id"], ["course_session.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["meeting_id"], ["meeting.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["batch_id"], ["finance_batch.id"], ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["approved_by_id"], ["member.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("involvement_id", "source_key", name="uq_claim_involvement_source"),
    )
    op.create_index("ix_claim_member_id", "claim", ["member_id"])
    op.create_index("ix_claim_theme_slug", "claim", ["theme_slug"])
    op.create_index("ix_claim_activity_date", "claim", ["activity_date"])
    op.create_index("ix_claim_status", "claim", ["status"])
    op.create_index("ix_claim_batch_id", "claim", ["batch_id"])
    op.create_table(
        "claim_expense",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("claim_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("description", sa.String(length=300), nullable=True),
        sa.Column("miles_tenths", sa.Integer(), nullable=True),
        sa.Column("amount_pence", sa.Integer(), nullable=False),
        sa.Column("receipt_key", sa.String(length=64), nullable=True),
        sa.Column("receipt_filename", sa.String(length=200), nullable=True),
        sa.Column("receipt_type", sa.String(length=100), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["claim_id"], ["claim.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_claim_expense_claim_id", "claim_expense", ["claim_id"])
    op.create_table(
        "finance_staff",
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("added_by_id", sa.Integer(), nullable=True),
        sa.Column("added_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["member_id"], ["member.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["added_by_id"], ["member.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("member_id"),
    )


def downgrade():
    op.drop_table("finance_staff")
    op.drop_index("ix_claim_expense_claim_id", table_name="claim_expense")
    op.drop_table("claim_expense")
    for name in ("ix_claim_batch_id", "ix_claim_status", "ix_claim_activity_date", "ix_claim_theme_slug",
                 "ix_claim_member_id"):
        op.drop_index(name, table_name="claim")
    op.drop_table("claim")
    op.drop_table("finance_batch")
