"""retire the whole-page cache: drop page_generation (issue 12 point 3)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 08:50:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    op.drop_table('page_generation')


def downgrade():
    op.create_table('page_generation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('n', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_page_generation'))
    )
    op.execute("INSERT INTO page_generation (id, n) VALUES (1, 0)")
