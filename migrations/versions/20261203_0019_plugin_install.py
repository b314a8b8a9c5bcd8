"""plugin installs: each install of a plugin (from the command line or the approved catalogue) and its progress

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-03 14:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('plugin_install',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('requested', sa.String(length=300), nullable=False),
    sa.Column('distribution', sa.String(length=100), nullable=True),
    sa.Column('version', sa.String(length=64), nullable=True),
    sa.Column('sha256', sa.String(length=64), nullable=True),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('message', sa.Text(), nullable=True),
    sa.Column('detail', sa.Text(), nullable=True),
    sa.Column('active', sa.Integer(), nullable=True),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['requested_by_id'], ['member.id'], name=op.f('fk_plugin_install_requested_by_id_member'),
                            ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plugin_install')),
    sa.UniqueConstraint('active', name=op.f('uq_plugin_install_active'))
    )


def downgrade():
    op.drop_table('plugin_install')
