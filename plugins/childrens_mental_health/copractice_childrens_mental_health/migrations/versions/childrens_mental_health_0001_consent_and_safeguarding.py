"""Starting Well: guardian consents and safeguarding checks.

Revision ID: childrens_mental_health_0001
Revises:
Create Date: 2026-11-22
"""
import sqlalchemy as sa
from alembic import op

revision = "childrens_mental_health_0001"
down_revision = None
branch_labels = ("childrens_mental_health",)
depends_on = "0001"


def upgrade():
    op.create_table(
        "childrens_mental_health_consent",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("guardian_name", sa.String(length=120), nullable=False),
        sa.Column("relationship_to_member", sa.String(length=80), nullable=False),
        sa.Column("consent_date", sa.Date(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["member_id"], ["member.id"],
                                name=op.f("fk_childrens_mental_health_consent_member_id_member"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["recorded_by_id"], ["member.id"],
                                name=op.f("fk_childrens_mental_health_consent_recorded_by_id_member"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_childrens_mental_health_consent")),
    )
    with op.batch_alter_table("childrens_mental_health_consent") as batch:
        batch.create_index(batch.f("ix_childrens_mental_health_consent_member_id"), ["member_id"])
    op.create_table(
        "childrens_mental_health_safeguarding",
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("checked_on", sa.Date(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["member_id"], ["member.id"],
                                name=op.f("fk_childrens_mental_health_safeguarding_member_id_member"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["recorded_by_id"], ["member.id"],
                                name=op.f("fk_childrens_mental_health_safeguarding_recorded_by_id_member"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("member_id", name=op.f("pk_childrens_mental_health_safeguarding")),
    )


def downgrade():
    op.drop_table("childrens_mental_health_safeguarding")
    with op.batch_alter_table("childrens_mental_health_consent") as batch:
        batch.drop_index(batch.f("ix_childrens_mental_health_consent_member_id"))
    op.drop_table("childrens_mental_health_consent")
