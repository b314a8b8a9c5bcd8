"""messages between members: conversations, who is in them, messages, blocks and reports

Issue 14 point 6 (copractice/community/message_models.py).

Revision ID: 0027
Revises: 0028
Create Date: 2026-12-03 16:55:52.328488
"""
from alembic import op
import sqlalchemy as sa


revision = '0027'
down_revision = "0028"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('message_block',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('blocker_id', sa.Integer(), nullable=False),
    sa.Column('blocked_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['blocked_id'], ['member.id'], name=op.f('fk_message_block_blocked_id_member'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['blocker_id'], ['member.id'], name=op.f('fk_message_block_blocker_id_member'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_message_block')),
    sa.UniqueConstraint('blocker_id', 'blocked_id', name=op.f('uq_message_block_blocker_id_blocked_id'))
    )
    with op.batch_alter_table('message_block', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_message_block_blocked_id'), ['blocked_id'], unique=False)

    op.create_table('message_conversation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('last_message_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['member.id'], name=op.f('fk_message_conversation_created_by_id_member'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_message_conversation'))
    )
    with op.batch_alter_table('message_conversation', schema=None) as batch_op:
        batch_op.create_index('ix_message_conversation_created_by', ['created_by_id', 'created_at'], unique=False)

    op.create_table('message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('conversation_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('removed_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['author_id'], ['member.id'], name=op.f('fk_message_author_id_member'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['conversation_id'], ['message_conversation.id'], name=op.f('fk_message_conversation_id_message_conversation'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_message'))
    )
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_message_author_id'), ['author_id'], unique=False)
        batch_op.create_index('ix_message_conversation_created', ['conversation_id', 'created_at'], unique=False)

    op.create_table('message_participant',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('conversation_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('joined_at', sa.DateTime(), nullable=False),
    sa.Column('last_delivered_at', sa.DateTime(), nullable=True),
    sa.Column('last_read_at', sa.DateTime(), nullable=True),
    sa.Column('left_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['conversation_id'], ['message_conversation.id'], name=op.f('fk_message_participant_conversation_id_message_conversation'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_message_participant_member_id_member'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_message_participant')),
    sa.UniqueConstraint('conversation_id', 'member_id', name=op.f('uq_message_participant_conversation_id_member_id'))
    )
    with op.batch_alter_table('message_participant', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_message_participant_member_id'), ['member_id'], unique=False)

    op.create_table('message_report',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=False),
    sa.Column('reporter_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.String(length=32), nullable=False),
    sa.Column('details', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('resolved_at', sa.DateTime(), nullable=True),
    sa.Column('resolved_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['message_id'], ['message.id'], name=op.f('fk_message_report_message_id_message'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reporter_id'], ['member.id'], name=op.f('fk_message_report_reporter_id_member'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['resolved_by_id'], ['member.id'], name=op.f('fk_message_report_resolved_by_id_member'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_message_report'))
    )
    with op.batch_alter_table('message_report', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_message_report_message_id'), ['message_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_message_report_reporter_id'), ['reporter_id'], unique=False)



def downgrade():
    with op.batch_alter_table('message_report', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_message_report_reporter_id'))
        batch_op.drop_index(batch_op.f('ix_message_report_message_id'))

    op.drop_table('message_report')
    with op.batch_alter_table('message_participant', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_message_participant_member_id'))

    op.drop_table('message_participant')
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.drop_index('ix_message_conversation_created')
        batch_op.drop_index(batch_op.f('ix_message_author_id'))

    op.drop_table('message')
    with op.batch_alter_table('message_conversation', schema=None) as batch_op:
        batch_op.drop_index('ix_message_conversation_created_by')

    op.drop_table('message_conversation')
    with op.batch_alter_table('message_block', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_message_block_blocked_id'))

    op.drop_table('message_block')
