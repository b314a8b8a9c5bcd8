"""plugin_slow_hook (slow plugin page hooks) and member.reading_settings (reading settings in the core)

The reading settings move from the dementia plugin into the core: any a member chose there are
copied into member.reading_settings (larger text -> text size "large", simpler layout -> more
space, less movement kept). The plugin's own branch (dementia_0002) then drops its table.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03
"""
import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "plugin_slow_hook",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plugin", sa.String(length=64), nullable=False),
        sa.Column("hook", sa.String(length=64), nullable=False),
        sa.Column("ms", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("paused_until", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plugin_slow_hook")),
    )
    with op.batch_alter_table("plugin_slow_hook") as batch:
        batch.create_index(batch.f("ix_plugin_slow_hook_at"), ["at"])
        batch.create_index("ix_plugin_slow_hook_plugin_at", ["plugin", "at"])
    with op.batch_alter_table("member") as batch:
        batch.add_column(sa.Column("reading_settings", sa.JSON(), nullable=True))
    _copy_dementia_reading_settings()


def _copy_dementia_reading_settings():
    """Bring over what members chose on the dementia plugin's reading page, if that plugin's table is here."""
    bind = op.get_bind()
    if "dementia_reading_settings" not in sa.inspect(bind).get_table_names():
        return
    old = sa.table("dementia_reading_settings", sa.column("member_id", sa.Integer),
                   sa.column("large_text", sa.Boolean), sa.column("reduced_motion", sa.Boolean),
                   sa.column("simple_layout", sa.Boolean))
    member = sa.table("member", sa.column("id", sa.Integer), sa.column("reading_settings", sa.JSON))
    for row in bind.execute(sa.select(old)).all():
        chosen = {"text_size": "large" if row.large_text else "standard",
                  "spacing": "wide" if row.simple_layout else "standard",
                  "contrast": "standard", "reduced_motion": bool(row.reduced_motion)}
        bind.execute(member.update().where(member.c.id == row.member_id).values(reading_settings=chosen))


def downgrade():
    with op.batch_alter_table("member") as batch:
        batch.drop_column("reading_settings")
    with op.batch_alter_table("plugin_slow_hook") as batch:
        batch.drop_index("ix_plugin_slow_hook_plugin_at")
        batch.drop_index(batch.f("ix_plugin_slow_hook_at"))
    op.drop_table("plugin_slow_hook")
