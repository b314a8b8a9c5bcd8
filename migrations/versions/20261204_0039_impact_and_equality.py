"""impact log, GRIPP2 project records, equality monitoring

Issue 16 points 6 and 7 (copractice/measurement/impact_models.py, equality_models.py).

Revision ID: 0039
Revises: 0041
Create Date: 2026-12-04 04:10:00.000000
"""
import sqlalchemy as sa
from alembic import op

revision = "0039"
down_revision = "0041"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "impact_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("theme_slug", sa.String(length=64), nullable=False),
        sa.Column("what_changed", sa.Text(), nullable=False),
        sa.Column("for_whom", sa.String(length=500), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("evidence_link", sa.String(length=500), nullable=True),
        sa.Column("happened_on", sa.Date(), nullable=False),
        sa.Column("principle", sa.String(length=32), nullable=True),
        sa.Column("standard", sa.String(length=32), nullable=True),
        sa.Column("decision_id", sa.Integer(), nullable=True),
        sa.Column("said_we_did_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["decision_id"], ["meeting_decision.id"],
                                name=op.f("fk_impact_entry_decision_id_meeting_decision"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["said_we_did_id"], ["said_we_did.id"],
                                name=op.f("fk_impact_entry_said_we_did_id_said_we_did"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["created_by_id"], ["member.id"],
                                name=op.f("fk_impact_entry_created_by_id_member"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_impact_entry")),
    )
    with op.batch_alter_table("impact_entry") as batch:
        batch.create_index(batch.f("ix_impact_entry_theme_slug"), ["theme_slug"])
        batch.create_index(batch.f("ix_impact_entry_happened_on"), ["happened_on"])
        batch.create_index(batch.f("ix_impact_entry_created_by_id"), ["created_by_id"])
    op.create_table(
        "impact_contributor",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["entry_id"], ["impact_entry.id"],
                                name=op.f("fk_impact_contributor_entry_id_impact_entry"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["member_id"], ["member.id"],
                                name=op.f("fk_impact_contributor_member_id_member"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_impact_contributor")),
        sa.UniqueConstraint("entry_id", "member_id", name=op.f("uq_impact_contributor_entry_id_member_id")),
    )
    with op.batch_alter_table("impact_contributor") as batch:
        batch.create_index(batch.f("ix_impact_contributor_entry_id"), ["entry_id"])
        batch.create_index(batch.f("ix_impact_contributor_member_id"), ["member_id"])
    op.create_table(
        "impact_project",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("theme_slug", sa.String(length=64), nullable=False),
        sa.Column("aim", sa.Text(), nullable=False),
        sa.Column("methods", sa.Text(), nullable=False),
        sa.Column("results", sa.Text(), nullable=False),
        sa.Column("outcomes", sa.Text(), nullable=False),
        sa.Column("reflection", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_impact_project")),
    )
    with op.batch_alter_table("impact_project") as batch:
        batch.create_index(batch.f("ix_impact_project_theme_slug"), ["theme_slug"])
    op.create_table(
        "impact_project_lead",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["project_id"], ["impact_project.id"],
                                name=op.f("fk_impact_project_lead_project_id_impact_project"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["member_id"], ["member.id"],
                                name=op.f("fk_impact_project_lead_member_id_member"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_impact_project_lead")),
        sa.UniqueConstraint("project_id", "member_id", name=op.f("uq_impact_project_lead_project_id_member_id")),
    )
    with op.batch_alter_table("impact_project_lead") as batch:
        batch.create_index(batch.f("ix_impact_project_lead_project_id"), ["project_id"])
        batch.create_index(batch.f("ix_impact_project_lead_member_id"), ["member_id"])
    op.create_table(
        "equality_monitoring",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("consented_at", sa.DateTime(), nullable=False),
        sa.Column("age_band", sa.String(length=32), nullable=True),
        sa.Column("ethnicity", sa.String(length=32), nullable=True),
        sa.Column("disability", sa.String(length=32), nullable=True),
        sa.Column("sex", sa.String(length=32), nullable=True),
        sa.Column("gender_identity", sa.String(length=32), nullable=True),
        sa.Column("sexual_orientation", sa.String(length=32), nullable=True),
        sa.Column("caring", sa.String(length=32), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["member_id"], ["member.id"],
                                name=op.f("fk_equality_monitoring_member_id_member"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_equality_monitoring")),
        sa.UniqueConstraint("member_id", name=op.f("uq_equality_monitoring_member_id")),
    )


def downgrade():
    op.drop_table("equality_monitoring")
    op.drop_table("impact_project_lead")
    op.drop_table("impact_project")
    op.drop_table("impact_contributor")
    op.drop_table("impact_entry")
