"""community: spaces, their leads and moderators, topics and posts; members marked under 18

Issue 14: what every part of the community of practice stands on (copractice/community/models.py).

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-03 16:47:57.539445
"""
from alembic import op
import sqlalchemy as sa


revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('space',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=80), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('guidelines', sa.Text(), nullable=False),
    sa.Column('visibility', sa.String(length=16), nullable=False),
    sa.Column('theme_slug', sa.String(length=64), nullable=True),
    sa.Column('young_people', sa.Boolean(), nullable=False),
    sa.Column('safeguarding_lead_id', sa.Integer(), nullable=True),
    sa.Column('archived_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['safeguarding_lead_id'], ['member.id'], name=op.f('fk_space_safeguarding_lead_id_member'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_space')),
    sa.UniqueConstraint('slug', name=op.f('uq_space_slug')),
    sa.UniqueConstraint('theme_slug', name=op.f('uq_space_theme_slug'))
    )
    op.create_table('space_role',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('space_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_space_role_member_id_member'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['space_id'], ['space.id'], name=op.f('fk_space_role_space_id_space'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_space_role')),
    sa.UniqueConstraint('space_id', 'member_id', name=op.f('uq_space_role_space_id_member_id'))
    )
    with op.batch_alter_table('space_role', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_space_role_member_id'), ['member_id'], unique=False)

    op.create_table('topic',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('space_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('pinned', sa.Boolean(), nullable=False),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.Column('answer_post_id', sa.Integer(), nullable=True),
    sa.Column('reply_count', sa.Integer(), nullable=False),
    sa.Column('last_posted_at', sa.DateTime(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['member.id'], name=op.f('fk_topic_author_id_member'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['space_id'], ['space.id'], name=op.f('fk_topic_space_id_space'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_topic'))
    )
    with op.batch_alter_table('topic', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_topic_author_id'), ['author_id'], unique=False)
        batch_op.create_index('ix_topic_space_list', ['space_id', 'pinned', 'last_posted_at'], unique=False)

    op.create_table('post',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('topic_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('html', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('hidden_reason', sa.Text(), nullable=True),
    sa.Column('hidden_by_id', sa.Integer(), nullable=True),
    sa.Column('quote_of_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('edited_at', sa.DateTime(), nullable=True),
    sa.Column('published_at', sa.DateTime(), nullable=True),
    sa.Column('mailed_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['author_id'], ['member.id'], name=op.f('fk_post_author_id_member'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['hidden_by_id'], ['member.id'], name=op.f('fk_post_hidden_by_id_member'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['quote_of_id'], ['post.id'], name=op.f('fk_post_quote_of_id_post'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['topic_id'], ['topic.id'], name=op.f('fk_post_topic_id_topic'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_post')),
    sa.UniqueConstraint('topic_id', 'number', name=op.f('uq_post_topic_id_number'))
    )
    with op.batch_alter_table('post', schema=None) as batch_op:
        batch_op.create_index('ix_post_author_created', ['author_id', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_post_mailed_at'), ['mailed_at'], unique=False)

    with op.batch_alter_table('member', schema=None) as batch_op:
        batch_op.add_column(sa.Column('under_18', sa.Boolean(), nullable=False, server_default=sa.false()))



def downgrade():
    with op.batch_alter_table('member', schema=None) as batch_op:
        batch_op.drop_column('under_18')

    with op.batch_alter_table('post', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_post_mailed_at'))
        batch_op.drop_index('ix_post_author_created')

    op.drop_table('post')
    with op.batch_alter_table('topic', schema=None) as batch_op:
        batch_op.drop_index('ix_topic_space_list')
        batch_op.drop_index(batch_op.f('ix_topic_author_id'))

    op.drop_table('topic')
    with op.batch_alter_table('space_role', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_space_role_member_id'))

    op.drop_table('space_role')
    op.drop_table('space')
