"""The impact log, its contributors, and projects' GRIPP2 short-form records (issue 16 point 6)."""
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from copractice.extensions import db
from copractice.members.models import Member
from copractice.timeutil import utcnow

# NIHR's five principles of co-producing research.
PRINCIPLES = {
    "sharing_power": "Sharing power",
    "all_perspectives": "Including all perspectives and skills",
    "respecting_knowledge": "Respecting and valuing the knowledge of all",
    "reciprocity": "Reciprocity",
    "relationships": "Building and maintaining relationships",
}

# The six UK Standards for Public Involvement.
UK_STANDARDS = {
    "inclusive_opportunities": "Inclusive opportunities",
    "working_together": "Working together",
    "support_and_learning": "Support and learning",
    "communications": "Communications",
    "impact": "Impact",
    "governance": "Governance",
}

# GRIPP2 short form: the five items, in order, with the question each answers.
GRIPP2_ITEMS = {
    "aim": ("Aim", "What was the aim of involving people in this project?"),
    "methods": ("Methods", "How were people involved: who, how many, in what way?"),
    "results": ("Results", "What were the results of involvement, good and bad?"),
    "outcomes": ("Outcomes", "How far did involvement influence the work?"),
    "reflection": ("Critical reflection", "What went well, what did not, and what would you do differently?"),
}
NOT_REPORTED = "Not reported"


class ImpactEntry(db.Model):
    """One difference co-production made: what changed, for whom, the evidence, and what it is linked to."""

    __tablename__ = "impact_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    theme_slug: Mapped[str] = mapped_column(String(64), index=True)
    what_changed: Mapped[str] = mapped_column(Text)
    for_whom: Mapped[str] = mapped_column(String(500))
    evidence: Mapped[str] = mapped_column(Text, default="")
    evidence_link: Mapped[str | None] = mapped_column(String(500))
    happened_on: Mapped[date] = mapped_column(Date, index=True)
    principle: Mapped[str | None] = mapped_column(String(32))
    standard: Mapped[str | None] = mapped_column(String(32))
    decision_id: Mapped[int | None] = mapped_column(ForeignKey("meeting_decision.id", ondelete="SET NULL"))
    said_we_did_id: Mapped[int | None] = mapped_column(ForeignKey("said_we_did.id", ondelete="SET NULL"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("member.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    contributors: Mapped[list["ImpactContributor"]] = relationship(
        cascade="all, delete-orphan", back_populates="entry")

    @property
    def principle_label(self):
        return PRINCIPLES.get(self.principle or "", "")

    @property
    def standard_label(self):
        return UK_STANDARDS.get(self.standard or "", "")


class ImpactContributor(db.Model):
    """A member who helped bring a change about."""

    __tablename__ = "impact_contributor"
    __table_args__ = (UniqueConstraint("entry_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("impact_entry.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"), index=True)

    entry: Mapped[ImpactEntry] = relationship(back_populates="contributors")
    member: Mapped[Member] = relationship()


class ImpactProject(db.Model):
    """A project's involvement reported in GRIPP2's short form, filled in by its leads."""

    __tablename__ = "impact_project"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    theme_slug: Mapped[str] = mapped_column(String(64), index=True)
    aim: Mapped[str] = mapped_column(Text, default="")
    methods: Mapped[str] = mapped_column(Text, default="")
    results: Mapped[str] = mapped_column(Text, default="")
    outcomes: Mapped[str] = mapped_column(Text, default="")
    reflection: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    leads: Mapped[list["ImpactProjectLead"]] = relationship(cascade="all, delete-orphan", back_populates="project")

    @property
    def lead_ids(self):
        return {lead.member_id for lead in self.leads}


class ImpactProjectLead(db.Model):
    """A member who leads a project and so fills in its GRIPP2 record."""

    __tablename__ = "impact_project_lead"
    __table_args__ = (UniqueConstraint("project_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("impact_project.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"), index=True)

    project: Mapped[ImpactProject] = relationship(back_populates="leads")
    member: Mapped[Member] = relationship()
