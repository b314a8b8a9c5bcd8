"""community watching: watch levels for spaces and topics, community email choices, digests, what members were
told about; @mention handles for members (existing members get one made from their name); extra headers on
outbox messages (List-Unsubscribe)

Issue 14 point 3 (copractice/community/watch_models.py, watching.py, digests.py).

Revision ID: 0023
Revises: 0026
Create Date: 2026-12-03 16:58:05.985549
"""
from alembic import op
import slugify
import sqlalchemy as sa


revision = '0023'
down_revision = "0026"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('community_digest',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('period', sa.String(length=24), nullable=False),
    sa.Column('posts', sa.Integer(), nullable=False),
    sa.Column('sent_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_community_digest_member_id_member'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_community_digest')),
    sa.UniqueConstraint('member_id', 'period', name=op.f('uq_community_digest_member_id_period'))
    )
    op.create_table('community_email_choice',
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('delivery', sa.String(length=16), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_community_email_choice_member_id_member'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('member_id', name=op.f('pk_community_email_choice'))
    )
    op.create_table('space_watch',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('space_id', sa.Integer(), nullable=False),
    sa.Column('level', sa.String(length=16), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_space_watch_member_id_member'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['space_id'], ['space.id'], name=op.f('fk_space_watch_space_id_space'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_space_watch')),
    sa.UniqueConstraint('member_id', 'space_id', name=op.f('uq_space_watch_member_id_space_id'))
    )
    with op.batch_alter_table('space_watch', schema=None) as batch_op:
        batch_op.create_index('ix_space_watch_space_level', ['space_id', 'level'], unique=False)

    op.create_table('topic_watch',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('topic_id', sa.Integer(), nullable=False),
    sa.Column('level', sa.String(length=16), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_topic_watch_member_id_member'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['topic_id'], ['topic.id'], name=op.f('fk_topic_watch_topic_id_topic'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_topic_watch')),
    sa.UniqueConstraint('member_id', 'topic_id', name=op.f('uq_topic_watch_member_id_topic_id'))
    )
    with op.batch_alter_table('topic_watch', schema=None) as batch_op:
        batch_op.create_index('ix_topic_watch_topic_level', ['topic_id', 'level'], unique=False)

    op.create_table('community_notification',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('post_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('mailed_at', sa.DateTime(), nullable=True),
    sa.Column('digest_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['digest_id'], ['community_digest.id'], name=op.f('fk_community_notification_digest_id_community_digest'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_community_notification_member_id_member'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['post_id'], ['post.id'], name=op.f('fk_community_notification_post_id_post'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_community_notification')),
    sa.UniqueConstraint('member_id', 'post_id', name=op.f('uq_community_notification_member_id_post_id'))
    )
    with op.batch_alter_table('community_notification', schema=None) as batch_op:
        batch_op.create_index('ix_community_notification_pending', ['mailed_at', 'member_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_community_notification_post_id'), ['post_id'], unique=False)

    with op.batch_alter_table('member', schema=None) as batch_op:
        batch_op.add_column(sa.Column('handle', sa.String(length=40), nullable=True))
    _backfill_handles()
    with op.batch_alter_table('member', schema=None) as batch_op:
        batch_op.create_unique_constraint(batch_op.f('uq_member_handle'), ['handle'])

    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('headers', sa.JSON(), nullable=True))


def _backfill_handles():
    """Each member not erased gets a handle made from their name, as copractice.members.models.free_handle makes
    them (written out here so this migration keeps doing what it did when that code changes)."""
    member = sa.table('member', sa.column('id', sa.Integer), sa.column('name', sa.String),
                      sa.column('erased_at', sa.DateTime), sa.column('handle', sa.String))
    bind = op.get_bind()
    taken = set()
    rows = bind.execute(sa.select(member.c.id, member.c.name).where(member.c.erased_at.is_(None))
                        .order_by(member.c.id)).all()
    for member_id, name in rows:
        base = candidate = slugify.slugify(name or "", separator="_", max_length=26) or "member"
        number = 2
        while candidate in taken:
            candidate, number = f"{base}{number}", number + 1
        taken.add(candidate)
        bind.execute(member.update().where(member.c.id == member_id).values(handle=candidate))


def downgrade():
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.drop_column('headers')

    with op.batch_alter_table('member', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_member_handle'), type_='unique')
        batch_op.drop_column('handle')

    with op.batch_alter_table('community_notification', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_community_notification_post_id'))
        batch_op.drop_index('ix_community_notification_pending')

    op.drop_table('community_notification')
    with op.batch_alter_table('topic_watch', schema=None) as batch_op:
        batch_op.drop_index('ix_topic_watch_topic_level')

    op.drop_table('topic_watch')
    with op.batch_alter_table('space_watch', schema=None) as batch_op:
        batch_op.drop_index('ix_space_watch_space_level')

    op.drop_table('space_watch')
    op.drop_table('community_email_choice')
    op.drop_table('community_digest')
