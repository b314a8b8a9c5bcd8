"""page generation: on SQLite, the number every committed write moves on (see copractice/pagecache.py)

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-22 02:21:53.318722
"""
from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('page_generation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('n', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_page_generation'))
    )
    op.execute("INSERT INTO page_generation (id, n) VALUES (1, 0)")


def downgrade():
    op.drop_table('page_generation')
