"""Equality monitoring answers, kept apart from everything else (issue 16 point 7).

Special category data: one row a member, only while their separate consent stands (``consented_at``).
Withdrawing deletes the row. Nothing shows a row to anyone but the member; reports read only counts.
"""
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from copractice.extensions import db
from copractice.timeutil import utcnow

PREFER_NOT = "prefer_not"
PREFER_NOT_LABEL = "Prefer not to say"

# Each question: (label, hint, {answer: label}) with "prefer not to say" last. Ethnicity follows the ONS 2021
# Census categories for England and Wales (five groups, nineteen answers).
QUESTIONS = {
    "age_band": ("How old are you?", None, {
        "under_18": "Under 18", "18_24": "18 to 24", "25_34": "25 to 34", "35_44": "35 to 44", "45_54": "45 to 54",
        "55_64": "55 to 64", "65_74": "65 to 74", "75_over": "75 or over"}),
    "ethnicity": ("What is your ethnic group?", "These are the groups the 2021 Census used.", {
        "asian_indian": "Asian or Asian British: Indian",
        "asian_pakistani": "Asian or Asian British: Pakistani",
        "asian_bangladeshi": "Asian or Asian British: Bangladeshi",
        "asian_chinese": "Asian or Asian British: Chinese",
        "asian_other": "Asian or Asian British: any other Asian background",
        "black_african": "Black, Black British, Caribbean or African: African",
        "black_caribbean": "Black, Black British, Caribbean or African: Caribbean",
        "black_other": "Black, Black British, Caribbean or African: any other Black background",
        "mixed_white_black_caribbean": "Mixed or multiple ethnic groups: White and Black Caribbean",
        "mixed_white_black_african": "Mixed or multiple ethnic groups: White and Black African",
        "mixed_white_asian": "Mixed or multiple ethnic groups: White and Asian",
        "mixed_other": "Mixed or multiple ethnic groups: any other Mixed or multiple background",
        "white_british": "White: English, Welsh, Scottish, Northern Irish or British",
        "white_irish": "White: Irish",
        "white_gypsy_traveller": "White: Gypsy or Irish Traveller",
        "white_roma": "White: Roma",
        "white_other": "White: any other White background",
        "other_arab": "Other ethnic group: Arab",
        "other_any": "Other ethnic group: any other ethnic group",
    }),
    "disability": ("Do you have a physical or mental health condition or illness that has lasted, or is expected "
                   "to last, 12 months or more?", None, {"yes": "Yes", "no": "No"}),
    "sex": ("What is your sex?", None, {"female": "Female", "male": "Male"}),
    "gender_identity": ("Is the gender you identify with the same as your sex registered at birth?", None,
                        {"yes": "Yes", "no": "No"}),
    "sexual_orientation": ("Which of these best describes your sexual orientation?", None, {
        "straight": "Straight or heterosexual", "gay_lesbian": "Gay or lesbian", "bisexual": "Bisexual",
        "other": "Another sexual orientation"}),
    "caring": ("Do you look after, or give help or support to, anyone because of a long-term condition, "
               "disability or problems related to old age?", "Do not count anything you do as paid work.",
               {"no": "No", "yes": "Yes"}),
}


def answers_of(question):
    """{answer: label} of a question, "prefer not to say" last."""
    return {**QUESTIONS[question][2], PREFER_NOT: PREFER_NOT_LABEL}


class EqualityMonitoring(db.Model):
    """A member's equality monitoring answers and the consent they gave for keeping them (one row a member)."""

    __tablename__ = "equality_monitoring"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"), unique=True)
    consented_at: Mapped[datetime] = mapped_column(default=utcnow)
    age_band: Mapped[str | None] = mapped_column(String(32))
    ethnicity: Mapped[str | None] = mapped_column(String(32))
    disability: Mapped[str | None] = mapped_column(String(32))
    sex: Mapped[str | None] = mapped_column(String(32))
    gender_identity: Mapped[str | None] = mapped_column(String(32))
    sexual_orientation: Mapped[str | None] = mapped_column(String(32))
    caring: Mapped[str | None] = mapped_column(String(32))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
