"""index certificates by member

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22 00:59:34.052664
"""
from alembic import op


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.create_index('ix_certificate_member_revoked', ['member_id', 'revoked_at'], unique=False)



def downgrade():
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.drop_index('ix_certificate_member_revoked')

