"""Co-agreed standards (the Innovation Wards model): a group agrees standards, each with measures.

Each measure records who designed it and who monitors it — members of the site (with the stakeholder type they
have) and named people without an account (with a stakeholder type given) — and measurements entered over time
against its target.
"""
from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from copractice.extensions import db
from copractice.meetings.models import Group
from copractice.members.models import Member
from copractice.timeutil import utcnow

MEASURE_PARTS = {"designed": "Designed the measure", "monitors": "Monitors progress"}


class AgreedStandard(db.Model):
    """A standard of care or practice a group agreed together."""

    __tablename__ = "agreed_standard"

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("meeting_group.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    agreed_on: Mapped[date | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("member.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    group: Mapped[Group] = relationship()
    measures: Mapped[list["StandardMeasure"]] = relationship(
        back_populates="standard", cascade="all, delete-orphan", order_by="StandardMeasure.id")


class StandardMeasure(db.Model):
    """How the group will know a standard is met: a number measured over time against a target."""

    __tablename__ = "standard_measure"

    id: Mapped[int] = mapped_column(primary_key=True)
    standard_id: Mapped[int] = mapped_column(ForeignKey("agreed_standard.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    unit: Mapped[str] = mapped_column(String(40), default="")
    target: Mapped[float]
    higher_is_better: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    standard: Mapped[AgreedStandard] = relationship(back_populates="measures")
    people: Mapped[list["MeasurePerson"]] = relationship(
        back_populates="measure", cascade="all, delete-orphan", order_by="MeasurePerson.id")
    measurements: Mapped[list["Measurement"]] = relationship(
        back_populates="measure", cascade="all, delete-orphan", order_by="(Measurement.measured_on, Measurement.id)")


class MeasurePerson(db.Model):
    """Someone who designed a measure or monitors it: a member, or a named person without an account."""

    __tablename__ = "measure_person"
    __table_args__ = (
        CheckConstraint("part IN ('designed', 'monitors')", name="measure_person_part"),
        Index("ix_measure_person_measure_part", "measure_id", "part"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    measure_id: Mapped[int] = mapped_column(ForeignKey("standard_measure.id", ondelete="CASCADE"))
    part: Mapped[str] = mapped_column(String(16))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id", ondelete="SET NULL"), index=True)
    name: Mapped[str] = mapped_column(String(120), default="")  # a person without an account
    stakeholder_type: Mapped[str] = mapped_column(String(32))

    measure: Mapped[StandardMeasure] = relationship(back_populates="people")
    member: Mapped[Member | None] = relationship()

    @property
    def display_name(self):
        if self.member is not None:
            return self.member.name
        return self.name or "A former member"


class Measurement(db.Model):
    """One reading of a measure on a date."""

    __tablename__ = "measurement"
    __table_args__ = (Index("ix_measurement_measure_on", "measure_id", "measured_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    measure_id: Mapped[int] = mapped_column(ForeignKey("standard_measure.id", ondelete="CASCADE"))
    measured_on: Mapped[date]
    value: Mapped[float]
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("member.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    measure: Mapped[StandardMeasure] = relationship(back_populates="measurements")
