"""low-attendance reminders: at most one a member a UK day, however often the button is pressed

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 08:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('low_attendance_reminder',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('sent_by_id', sa.Integer(), nullable=True),
    sa.Column('sent_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_low_attendance_reminder_member_id_member'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['sent_by_id'], ['member.id'], name=op.f('fk_low_attendance_reminder_sent_by_id_member'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_low_attendance_reminder')),
    sa.UniqueConstraint('member_id', 'day', name=op.f('uq_low_attendance_reminder_member_id_day'))
    )


def downgrade():
    op.drop_table('low_attendance_reminder')
