"""Living with Dementia: the reading settings moved to the core; retire the plugin's table.

Core revision 0012 added member.reading_settings and copied this table's choices into it, so this
revision depends on it and then drops the table. Downgrading brings the table back with each
member's choices, as they were before the move.

Revision ID: dementia_0002
Revises: dementia_0001
Create Date: 2026-12-03
"""
import sqlalchemy as sa
from alembic import op

revision = "dementia_0002"
down_revision = "dementia_0001"
branch_labels = None
depends_on = "0012"  # member.reading_settings holds the choices before this table goes


def upgrade():
    op.drop_table("dementia_reading_settings")


def downgrade():
    op.create_table(
        "dementia_reading_settings",
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("large_text", sa.Boolean(), nullable=False),
        sa.Column("reduced_motion", sa.Boolean(), nullable=False),
        sa.Column("simple_layout", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["member_id"], ["member.id"],
                                name=op.f("fk_dementia_reading_settings_member_id_member"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("member_id", name=op.f("pk_dementia_reading_settings")),
    )
    bind = op.get_bind()
    member = sa.table("member", sa.column("id", sa.Integer), sa.column("reading_settings", sa.JSON))
    old = sa.table("dementia_reading_settings", sa.column("member_id", sa.Integer), sa.column("large_text", sa.Boolean),
                   sa.column("reduced_motion", sa.Boolean), sa.column("simple_layout", sa.Boolean))
    for member_id, chosen in bind.execute(sa.select(member.c.id, member.c.reading_settings)
                                          .where(member.c.reading_settings.isnot(None))).all():
        bind.execute(old.insert().values(member_id=member_id, large_text=chosen.get("text_size", "standard") != "standard",
                                         reduced_motion=bool(chosen.get("reduced_motion")),
                                         simple_layout=chosen.get("spacing") == "wide"))
