"""surveys: surveys, their sections and questions, responses and answers

Issue 16 point 1 (copractice/measurement/surveys_models.py).

Revision ID: 0037
Revises: 0038
Create Date: 2026-12-04 04:30:00.000000
"""
import sqlalchemy as sa
from alembic import op

revision = "0037"
down_revision = "0038"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "survey",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("intro", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("template_key", sa.String(length=80), nullable=True),
        sa.Column("theme_slug", sa.String(length=64), nullable=True),
        sa.Column("anonymous", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["created_by_id"], ["member.id"], name=op.f("fk_survey_created_by_id_member"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey")),
    )
    with op.batch_alter_table("survey") as batch:
        batch.create_index("ix_survey_status_kind", ["status", "kind"])
        batch.create_index(batch.f("ix_survey_theme_slug"), ["theme_slug"])
    op.create_table(
        "survey_section",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("intro", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["survey_id"], ["survey.id"], name=op.f("fk_survey_section_survey_id_survey"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_section")),
    )
    with op.batch_alter_table("survey_section") as batch:
        batch.create_index("ix_survey_section_survey", ["survey_id", "position"])
    op.create_table(
        "survey_question",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column("section_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("text", sa.String(length=500), nullable=False),
        sa.Column("easy_read", sa.String(length=500), nullable=False),
        sa.Column("hint", sa.String(length=500), nullable=False),
        sa.Column("required", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("options", sa.JSON(), nullable=True),
        sa.Column("show_if", sa.JSON(), nullable=True),
        sa.Column("tag", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(["section_id"], ["survey_section.id"],
                                name=op.f("fk_survey_question_section_id_survey_section"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["survey_id"], ["survey.id"], name=op.f("fk_survey_question_survey_id_survey"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_question")),
        sa.UniqueConstraint("survey_id", "key", name=op.f("uq_survey_question_survey_id_key")),
    )
    with op.batch_alter_table("survey_question") as batch:
        batch.create_index("ix_survey_question_survey", ["survey_id", "position"])
        batch.create_index(batch.f("ix_survey_question_section_id"), ["section_id"])
    op.create_table(
        "survey_response",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column("respondent_key", sa.String(length=80), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("by_proxy", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("area", sa.String(length=32), nullable=True),
        sa.Column("stakeholder_type", sa.String(length=32), nullable=True),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["member_id"], ["member.id"], name=op.f("fk_survey_response_member_id_member"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["survey_id"], ["survey.id"], name=op.f("fk_survey_response_survey_id_survey"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_response")),
        sa.UniqueConstraint("survey_id", "respondent_key", name=op.f("uq_survey_response_survey_id_respondent_key")),
    )
    with op.batch_alter_table("survey_response") as batch:
        batch.create_index("ix_survey_response_survey_status", ["survey_id", "status"])
        batch.create_index(batch.f("ix_survey_response_member_id"), ["member_id"])
    op.create_table(
        "survey_answer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("response_id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("value", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["question_id"], ["survey_question.id"],
                                name=op.f("fk_survey_answer_question_id_survey_question"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["response_id"], ["survey_response.id"],
                                name=op.f("fk_survey_answer_response_id_survey_response"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_answer")),
        sa.UniqueConstraint("response_id", "question_id", name=op.f("uq_survey_answer_response_id_question_id")),
    )
    with op.batch_alter_table("survey_answer") as batch:
        batch.create_index("ix_survey_answer_question", ["question_id"])


def downgrade():
    op.drop_table("survey_answer")
    op.drop_table("survey_response")
    op.drop_table("survey_question")
    op.drop_table("survey_section")
    op.drop_table("survey")
