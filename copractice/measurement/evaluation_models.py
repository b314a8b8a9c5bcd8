"""The paired course evaluation's tables (issue 16 point 3): which survey is a course's "before", "after" and
"follow-up" survey, and which invitations have gone (each member once per stage, so the job can run again)."""
from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from copractice.extensions import db
from copractice.timeutil import utcnow

STAGES = {"pre": "Before the course", "post": "After the course", "follow_up": "A few months later"}


class CourseEvaluation(db.Model):
    """One of a course's evaluation surveys: the same confidence questions at each stage."""

    __tablename__ = "course_evaluation"
    __table_args__ = (UniqueConstraint("course_id", "stage"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"))
    stage: Mapped[str] = mapped_column(String(16))
    survey_id: Mapped[int] = mapped_column(ForeignKey("survey.id", ondelete="CASCADE"), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class EvaluationInvitation(db.Model):
    """A member was told about one stage of a course's evaluation (a notice and, if they want it, an email)."""

    __tablename__ = "evaluation_invitation"
    __table_args__ = (UniqueConstraint("course_id", "member_id", "stage"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"), index=True)
    stage: Mapped[str] = mapped_column(String(16))
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
