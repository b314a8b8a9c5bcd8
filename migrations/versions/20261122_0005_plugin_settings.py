"""plugin settings

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 00:41:38.878519
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('plugin_setting',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plugin', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('value', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plugin_setting')),
    sa.UniqueConstraint('plugin', 'name', name=op.f('uq_plugin_setting_plugin_name'))
    )


def downgrade():
    op.drop_table('plugin_setting')
