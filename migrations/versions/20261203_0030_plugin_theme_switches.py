"""plugin_state.theme_switches: a plugin switched on or off for one theme alone, by that theme's leads

Issue 13 point 1: a theme's lead switches a plugin that extends their theme "for the theme". Hooks about
something of a theme (a course and what hangs from it) ask the plugins switched on for that theme.

Revision ID: 0030
Revises: 0022
Create Date: 2026-12-03 17:20:00
"""
import sqlalchemy as sa
from alembic import op


revision = "0030"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("plugin_state") as batch_op:
        batch_op.add_column(sa.Column("theme_switches", sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table("plugin_state") as batch_op:
        batch_op.drop_column("theme_switches")
