"""community safety: flags on posts, members stopped from posting, the moderation log

Issue 14 point 4 (copractice/community/safety_models.py).

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-03 16:56:43.730531
"""
from alembic import op
import sqlalchemy as sa


revision = '0024'
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('posting_stop',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('space_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('until', sa.DateTime(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('ended_at', sa.DateTime(), nullable=True),
    sa.Column('ended_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['member.id'], name=op.f('fk_posting_stop_created_by_id_member'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['ended_by_id'], ['member.id'], name=op.f('fk_posting_stop_ended_by_id_member'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_posting_stop_member_id_member'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['space_id'], ['space.id'], name=op.f('fk_posting_stop_space_id_space'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_posting_stop'))
    )
    with op.batch_alter_table('posting_stop', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_posting_stop_member_id'), ['member_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_posting_stop_space_id'), ['space_id'], unique=False)

    op.create_table('moderation_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('space_id', sa.Integer(), nullable=True),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('post_id', sa.Integer(), nullable=True),
    sa.Column('member_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['actor_id'], ['member.id'], name=op.f('fk_moderation_entry_actor_id_member'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_moderation_entry_member_id_member'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['post_id'], ['post.id'], name=op.f('fk_moderation_entry_post_id_post'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['space_id'], ['space.id'], name=op.f('fk_moderation_entry_space_id_space'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_moderation_entry'))
    )
    with op.batch_alter_table('moderation_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_moderation_entry_actor_id'), ['actor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_moderation_entry_member_id'), ['member_id'], unique=False)
        batch_op.create_index('ix_moderation_entry_space_at', ['space_id', 'at'], unique=False)

    op.create_table('post_flag',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('post_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.String(length=32), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('resolved_at', sa.DateTime(), nullable=True),
    sa.Column('resolved_by_id', sa.Integer(), nullable=True),
    sa.Column('outcome', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_post_flag_member_id_member'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['post_id'], ['post.id'], name=op.f('fk_post_flag_post_id_post'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['resolved_by_id'], ['member.id'], name=op.f('fk_post_flag_resolved_by_id_member'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_post_flag')),
    sa.UniqueConstraint('post_id', 'member_id', name=op.f('uq_post_flag_post_id_member_id'))
    )
    with op.batch_alter_table('post_flag', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_post_flag_member_id'), ['member_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_post_flag_resolved_at'), ['resolved_at'], unique=False)



def downgrade():
    with op.batch_alter_table('post_flag', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_post_flag_resolved_at'))
        batch_op.drop_index(batch_op.f('ix_post_flag_member_id'))

    op.drop_table('post_flag')
    with op.batch_alter_table('moderation_entry', schema=None) as batch_op:
        batch_op.drop_index('ix_moderation_entry_space_at')
        batch_op.drop_index(batch_op.f('ix_moderation_entry_member_id'))
        batch_op.drop_index(batch_op.f('ix_moderation_entry_actor_id'))

    op.drop_table('moderation_entry')
    with op.batch_alter_table('posting_stop', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_posting_stop_space_id'))
        batch_op.drop_index(batch_op.f('ix_posting_stop_member_id'))

    op.drop_table('posting_stop')
