"""The survey engine's tables (issue 16 point 1): a survey, its sections and questions, responses and answers.

A response belongs to one respondent, named by ``respondent_key`` (unique per survey, so two submits at once leave
one response): "m:<member id>" for a named survey, "a:<keyed hash>" for a member answering an anonymous survey (the
response keeps no member_id), "t:<nonce>" for an invitation link (a signed token, copractice/measurement/surveys.py).
"""
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from copractice.extensions import db
from copractice.timeutil import utcnow

SURVEY_STATUSES = {"draft": "Draft", "open": "Open", "closed": "Closed"}
SURVEY_KINDS = {"training_needs": "Training needs", "evaluation": "Evaluation", "custom": "Other"}
QUESTION_KINDS = {
    "single": "Pick one answer",
    "multiple": "Pick any answers",
    "agreement": "Agree or disagree (5 points)",
    "scale": "A scale from 0 to 10",
    "number": "A number",
    "short_text": "A short answer",
    "long_text": "A longer answer",
}
AGREEMENT = {"1": "Strongly disagree", "2": "Disagree", "3": "Neither agree nor disagree", "4": "Agree",
             "5": "Strongly agree"}
# What a question can be tagged with: a principle of co-production, a UK Standard for Public Involvement, a GRIPP2
# short-form item or a Kirkpatrick level. Stored as "<family>:<key>".
TAGS = {
    "principle:sharing_power": "Principle: sharing power",
    "principle:all_perspectives": "Principle: including all perspectives and skills",
    "principle:respecting_knowledge": "Principle: respecting and valuing the knowledge of all",
    "principle:reciprocity": "Principle: reciprocity",
    "principle:relationships": "Principle: building and maintaining relationships",
    "standard:inclusive_opportunities": "UK Standard: inclusive opportunities",
    "standard:working_together": "UK Standard: working together",
    "standard:support_and_learning": "UK Standard: support and learning",
    "standard:communications": "UK Standard: communications",
    "standard:impact": "UK Standard: impact",
    "standard:governance": "UK Standard: governance",
    "gripp2:aim": "GRIPP2: aim",
    "gripp2:methods": "GRIPP2: methods",
    "gripp2:results": "GRIPP2: results",
    "gripp2:outcomes": "GRIPP2: outcomes",
    "gripp2:reflection": "GRIPP2: critical reflection",
    "kirkpatrick:1": "Kirkpatrick level 1: reaction",
    "kirkpatrick:2": "Kirkpatrick level 2: learning",
    "kirkpatrick:3": "Kirkpatrick level 3: behaviour",
    "kirkpatrick:4": "Kirkpatrick level 4: results",
}


class Survey(db.Model):
    __tablename__ = "survey"
    __table_args__ = (Index("ix_survey_status_kind", "status", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    intro: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[str] = mapped_column(String(32), default="custom")
    template_key: Mapped[str | None] = mapped_column(String(80))
    theme_slug: Mapped[str | None] = mapped_column(String(64), index=True)
    anonymous: Mapped[bool] = mapped_column(default=False, server_default=false())
    status: Mapped[str] = mapped_column(String(16), default="draft")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("member.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    sections: Mapped[list["SurveySection"]] = relationship(
        back_populates="survey", cascade="all, delete-orphan", order_by="SurveySection.position")
    questions: Mapped[list["SurveyQuestion"]] = relationship(
        back_populates="survey", cascade="all, delete-orphan", order_by="SurveyQuestion.position")

    @property
    def status_label(self):
        return SURVEY_STATUSES.get(self.status, self.status)

    @property
    def kind_label(self):
        return SURVEY_KINDS.get(self.kind, self.kind.replace("_", " ").capitalize())


class SurveySection(db.Model):
    __tablename__ = "survey_section"
    __table_args__ = (Index("ix_survey_section_survey", "survey_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("survey.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(default=0)
    title: Mapped[str] = mapped_column(String(200))
    intro: Mapped[str] = mapped_column(Text, default="")

    survey: Mapped[Survey] = relationship(back_populates="sections")


class SurveyQuestion(db.Model):
    """One question. ``options``: [{"value", "label", "need"?}] for choices ("need": the keyword a course must carry
    for the need to count as met, copractice/measurement/surveys.py ``needs_not_met``). ``show_if``:
    {"question": key of an earlier question, "values": [answers that show this one]}."""

    __tablename__ = "survey_question"
    __table_args__ = (UniqueConstraint("survey_id", "key"), Index("ix_survey_question_survey", "survey_id", "position"))

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("survey.id", ondelete="CASCADE"))
    section_id: Mapped[int] = mapped_column(ForeignKey("survey_section.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    key: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(String(500))
    easy_read: Mapped[str] = mapped_column(String(500), default="")
    hint: Mapped[str] = mapped_column(String(500), default="")
    required: Mapped[bool] = mapped_column(default=False, server_default=false())
    options: Mapped[list | None] = mapped_column(JSON)
    show_if: Mapped[dict | None] = mapped_column(JSON)
    tag: Mapped[str | None] = mapped_column(String(64))

    survey: Mapped[Survey] = relationship(back_populates="questions")
    section: Mapped[SurveySection] = relationship()

    @property
    def choices(self):
        """[(value, label)] of a choice or agreement question; the scale's 0..10."""
        if self.kind == "agreement":
            return list(AGREEMENT.items())
        if self.kind == "scale":
            return [(str(n), str(n)) for n in range(11)]
        return [(o["value"], o["label"]) for o in self.options or ()]

    @property
    def tag_label(self):
        return TAGS.get(self.tag or "", self.tag or "")


class SurveyResponse(db.Model):
    __tablename__ = "survey_response"
    __table_args__ = (UniqueConstraint("survey_id", "respondent_key"),
                      Index("ix_survey_response_survey_status", "survey_id", "status"))

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("survey.id", ondelete="CASCADE"))
    respondent_key: Mapped[str] = mapped_column(String(80))
    # Only for named surveys: anonymous responses never keep who gave them.
    member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="draft")  # draft, submitted
    # "Answered by a carer with or for the member".
    by_proxy: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Who answered, for the results' breakdowns (from the member's profile, or their answers when no account).
    area: Mapped[str | None] = mapped_column(String(32))
    stakeholder_type: Mapped[str | None] = mapped_column(String(32))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_at: Mapped[datetime | None]

    answers: Mapped[list["SurveyAnswer"]] = relationship(cascade="all, delete-orphan", lazy="selectin")


class SurveyAnswer(db.Model):
    __tablename__ = "survey_answer"
    __table_args__ = (UniqueConstraint("response_id", "question_id"),
                      Index("ix_survey_answer_question", "question_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("survey_response.id", ondelete="CASCADE"))
    question_id: Mapped[int] = mapped_column(ForeignKey("survey_question.id", ondelete="CASCADE"))
    value: Mapped[object] = mapped_column(JSON)
