"""member directory: entries, their tags (expertise, themes, lived experience) and plugins' extra fields

Issue 14 point 5 (copractice/community/directory_models.py). Who is listed is the member's "directory" consent,
already recorded in consent_event: nothing about it is stored here.

Revision ID: 0026
Revises: 0027
Create Date: 2026-12-03 17:20:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '0026'
down_revision = "0027"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('directory_entry',
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('open_to_mentoring', sa.Boolean(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_directory_entry_member_id_member'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('member_id', name=op.f('pk_directory_entry'))
    )
    op.create_table('directory_tag',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('value', sa.String(length=64), nullable=False),
    sa.Column('label', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_directory_tag_member_id_member'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_directory_tag')),
    sa.UniqueConstraint('member_id', 'kind', 'value', name=op.f('uq_directory_tag_member_id_kind_value'))
    )
    with op.batch_alter_table('directory_tag', schema=None) as batch_op:
        batch_op.create_index('ix_directory_tag_kind_value', ['kind', 'value'], unique=False)
        batch_op.create_index(batch_op.f('ix_directory_tag_member_id'), ['member_id'], unique=False)

    op.create_table('directory_extra',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('plugin', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('value', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_directory_extra_member_id_member'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_directory_extra')),
    sa.UniqueConstraint('member_id', 'plugin', 'name', name=op.f('uq_directory_extra_member_id_plugin_name'))
    )
    with op.batch_alter_table('directory_extra', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_directory_extra_member_id'), ['member_id'], unique=False)


def downgrade():
    with op.batch_alter_table('directory_extra', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_directory_extra_member_id'))

    op.drop_table('directory_extra')
    with op.batch_alter_table('directory_tag', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_directory_tag_member_id'))
        batch_op.drop_index('ix_directory_tag_kind_value')

    op.drop_table('directory_tag')
    op.drop_table('directory_entry')
