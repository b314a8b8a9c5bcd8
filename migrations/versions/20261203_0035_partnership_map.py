"""partnership map: organisations, the areas they serve, their themes, the status history, plugins' fields

Issue 15 point 5 (copractice/meetings/organisation_models.py). The social care plugin's partner list moves onto
these tables through the plugin's own revision social_care_0002, which depends on this one.

Revision ID: 0035
Revises: 0033
Create Date: 2026-12-03 22:30:00.000000
"""
import sqlalchemy as sa
from alembic import op

revision = "0035"
down_revision = "0033"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "organisation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("sector", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("status_since", sa.Date(), nullable=False),
        sa.Column("website", sa.String(length=500), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("contact_name", sa.String(length=200), nullable=True),
        sa.Column("contact_email", sa.String(length=254), nullable=True),
        sa.Column("contact_consent_on", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisation")),
    )
    with op.batch_alter_table("organisation") as batch:
        batch.create_index("ix_organisation_status_name", ["status", "name"])
    op.create_table(
        "organisation_area",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("area", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisation.id"],
                                name=op.f("fk_organisation_area_organisation_id_organisation"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisation_area")),
        sa.UniqueConstraint("organisation_id", "area", name=op.f("uq_organisation_area_organisation_id_area")),
    )
    with op.batch_alter_table("organisation_area") as batch:
        batch.create_index("ix_organisation_area_area", ["area"])
    op.create_table(
        "organisation_theme",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("theme_slug", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisation.id"],
                                name=op.f("fk_organisation_theme_organisation_id_organisation"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisation_theme")),
        sa.UniqueConstraint("organisation_id", "theme_slug",
                            name=op.f("uq_organisation_theme_organisation_id_theme_slug")),
    )
    with op.batch_alter_table("organisation_theme") as batch:
        batch.create_index("ix_organisation_theme_theme_slug", ["theme_slug"])
    op.create_table(
        "organisation_status_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("changed_on", sa.Date(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisation.id"],
                                name=op.f("fk_organisation_status_change_organisation_id_organisation"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisation_status_change")),
    )
    with op.batch_alter_table("organisation_status_change") as batch:
        batch.create_index(batch.f("ix_organisation_status_change_organisation_id"), ["organisation_id"])
    op.create_table(
        "organisation_extra",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("plugin", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisation.id"],
                                name=op.f("fk_organisation_extra_organisation_id_organisation"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisation_extra")),
        sa.UniqueConstraint("organisation_id", "plugin", "name",
                            name=op.f("uq_organisation_extra_organisation_id_plugin_name")),
    )
    with op.batch_alter_table("organisation_extra") as batch:
        batch.create_index(batch.f("ix_organisation_extra_organisation_id"), ["organisation_id"])


def downgrade():
    with op.batch_alter_table("organisation_extra") as batch:
        batch.drop_index(batch.f("ix_organisation_extra_organisation_id"))
    op.drop_table("organisation_extra")
    with op.batch_alter_table("organisation_status_change") as batch:
        batch.drop_index(batch.f("ix_organisation_status_change_organisation_id"))
    op.drop_table("organisation_status_change")
    with op.batch_alter_table("organisation_theme") as batch:
        batch.drop_index("ix_organisation_theme_theme_slug")
    op.drop_table("organisation_theme")
    with op.batch_alter_table("organisation_area") as batch:
        batch.drop_index("ix_organisation_area_area")
    op.drop_table("organisation_area")
    with op.batch_alter_table("organisation") as batch:
        batch.drop_index("ix_organisation_status_name")
    op.drop_table("organisation")
