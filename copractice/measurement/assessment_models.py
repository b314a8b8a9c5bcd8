"""Co-production self-assessment: a team (a group from copractice/meetings) rates itself in rounds.

In each round each participant rates the team, on their own, against NIHR's five principles of co-production and
the six UK Standards for Public Involvement (copractice/measurement/assessment.py lists them). Each rating keeps the
stakeholder type the person had when they rated, so the views of researchers, practitioners and public members can
be compared side by side and over time.
"""
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from copractice.extensions import db
from copractice.meetings.models import Group
from copractice.timeutil import utcnow


class AssessmentRound(db.Model):
    """One round of a team's self-assessment: open while people rate, then closed."""

    __tablename__ = "assessment_round"
    __table_args__ = (Index("ix_assessment_round_group_opened", "group_id", "opened_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("meeting_group.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("member.id", ondelete="SET NULL"))

    group: Mapped[Group] = relationship()

    @property
    def is_open(self):
        return self.closed_at is None


class AssessmentRating(db.Model):
    """One person's rating of their team against one principle or standard in one round."""

    __tablename__ = "assessment_rating"
    __table_args__ = (
        UniqueConstraint("round_id", "member_id", "item"),
        CheckConstraint("rating >= 1 AND rating <= 5", name="assessment_rating_1_to_5"),
        Index("ix_assessment_rating_member_id", "member_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("assessment_round.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"))
    item: Mapped[str] = mapped_column(String(48))
    rating: Mapped[int]
    comment: Mapped[str] = mapped_column(Text, default="")
    # The rater's stakeholder type when they rated: the results compare views by it.
    stakeholder_type: Mapped[str] = mapped_column(String(32))
    rated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    round: Mapped[AssessmentRound] = relationship()
