"""Primary and Community Health and Social Care: the partner directory.

Revision ID: social_care_0001
Revises:
Create Date: 2026-11-22
"""
import sqlalchemy as sa
from alembic import op

revision = "social_care_0001"
down_revision = None
branch_labels = ("social_care",)
depends_on = None


def upgrade():
    op.create_table(
        "social_care_partner",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("county", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("website", sa.String(length=500), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_social_care_partner")),
    )
    with op.batch_alter_table("social_care_partner") as batch:
        batch.create_index("ix_social_care_partner_county_status", ["county", "status"])
    op.create_table(
        "social_care_partner_group",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("group", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(["partner_id"], ["social_care_partner.id"],
                                name=op.f("fk_social_care_partner_group_partner_id_social_care_partner"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_social_care_partner_group")),
        sa.UniqueConstraint("partner_id", "group", name=op.f("uq_social_care_partner_group_partner_id_group")),
    )
    with op.batch_alter_table("social_care_partner_group") as batch:
        batch.create_index(batch.f("ix_social_care_partner_group_partner_id"), ["partner_id"])


def downgrade():
    with op.batch_alter_table("social_care_partner_group") as batch:
        batch.drop_index(batch.f("ix_social_care_partner_group_partner_id"))
    op.drop_table("social_care_partner_group")
    with op.batch_alter_table("social_care_partner") as batch:
        batch.drop_index("ix_social_care_partner_county_status")
    op.drop_table("social_care_partner")
