"""retire the whole-page cache: drop page_generation; download counts move to resource_download (issue 12 point 3)

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
    op.create_table('resource_download',
    sa.Column('resource_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['resource_id'], ['resource.id'], name=op.f('fk_resource_download_resource_id_resource'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('resource_id', 'day', name=op.f('pk_resource_download'))
    )
    # Counts so far are kept, dated today (the day they were last known).
    op.execute("INSERT INTO resource_download (resource_id, day, count) "
               "SELECT id, CURRENT_DATE, download_count FROM resource WHERE download_count > 0")
    with op.batch_alter_table('resource', schema=None) as batch_op:
        batch_op.drop_column('download_count')
        batch_op.create_index(batch_op.f('ix_resource_updated_at'), ['updated_at'], unique=False)


def downgrade():
    with op.batch_alter_table('resource', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_resource_updated_at'))
        batch_op.add_column(sa.Column('download_count', sa.Integer(), nullable=False, server_default='0'))
    op.execute("UPDATE resource SET download_count = COALESCE((SELECT SUM(count) FROM resource_download "
               "WHERE resource_download.resource_id = resource.id), 0)")
    op.drop_table('resource_download')
    op.create_table('page_generation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('n', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_page_generation'))
    )
    op.execute("INSERT INTO page_generation (id, n) VALUES (1, 0)")
