"""plugin_state.theme_leads_may_manage: an admin lets the leads of a plugin's themes switch it and edit its settings

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-03 14:10:00
"""
import sqlalchemy as sa
from alembic import op


revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("plugin_state", schema=None) as batch_op:
        batch_op.add_column(sa.Column("theme_leads_may_manage", sa.Boolean(), nullable=False,
                                      server_default=sa.false()))


def downgrade():
    with op.batch_alter_table("plugin_state", schema=None) as batch_op:
        batch_op.drop_column("theme_leads_may_manage")
