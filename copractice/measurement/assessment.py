"""Co-production self-assessment: rounds, each participant's ratings, results by who rated, and the trend.

A team is a group (copractice/meetings). Those who run it open a round; each active member rates the team, on
their own, against NIHR's five principles of co-production and the six UK Standards for Public Involvement, from
1 ("not at all") to 5 ("fully"), with an optional comment. Results compare public members', researchers' and
practitioners' views side by side; every mean is hidden when fewer people than the threshold gave it
(copractice.measurement.suppression.guarded).
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, func, select, update

from copractice.audit import audit
from copractice.errors import Refused
from copractice.extensions import db
from copractice.measurement.assessment_models import AssessmentRating, AssessmentRound
from copractice.measurement.suppression import Cell, guarded, suppress_counts
from copractice.meetings.models import Group, GroupMember
from copractice.members.models import Member
from copractice.permissions import can
from copractice.timeutil import utcnow

MAX_COMMENT = 1000
MAX_TITLE = 200


@dataclass(frozen=True)
class Item:
    key: str
    framework: str  # "principle" or "standard"
    title: str
    description: str
    easy_read: str


PRINCIPLES = [
    Item("principle_sharing_power", "principle", "Sharing power",
         "Decisions are made together. Nobody's view counts for more because of their job or title.",
         "We decide things together. Everyone has a say."),
    Item("principle_all_perspectives", "principle", "Including all perspectives and skills",
         "The team includes everyone who should be involved, and uses what each person knows and can do.",
         "Everyone who should be here is here. We use what each person is good at."),
    Item("principle_valuing_knowledge", "principle", "Respecting and valuing the knowledge of all",
         "Knowledge from lived experience counts as much as knowledge from study or work.",
         "What you know from your own life matters as much as what people learn at work."),
    Item("principle_reciprocity", "principle", "Reciprocity",
         "Everyone gets something back for taking part: payment, new skills, confidence or contacts.",
         "Everyone gets something back for helping, like money, new skills or feeling more confident."),
    Item("principle_relationships", "principle", "Building and maintaining relationships",
         "People get to know each other, trust each other and keep in touch between pieces of work.",
         "We get to know each other and trust each other."),
]

STANDARDS = [
    Item("standard_inclusive_opportunities", "standard", "Inclusive opportunities",
         "Chances to take part are offered widely and are open to people from every community.",
         "Lots of different people are asked to take part."),
    Item("standard_working_together", "standard", "Working together",
         "The public, researchers and practitioners work together as partners and agree how they will work.",
         "We work together as a team and agree how we work."),
    Item("standard_support_learning", "standard", "Support and learning",
         "People get the support, training and help they need to take part.",
         "People get help and training so they can take part."),
    Item("standard_communications", "standard", "Communications",
         "Information is in plain language, on time, and goes both ways.",
         "Information is easy to understand, comes on time, and we listen to each other."),
    Item("standard_impact", "standard", "Impact",
         "The team records and shares the difference that involvement makes.",
         "We write down and tell people what changed because people took part."),
    Item("standard_governance", "standard", "Governance",
         "Members of the public are part of leading and deciding about the work.",
         "Members of the public help lead the work and make big decisions."),
]

ITEMS = PRINCIPLES + STANDARDS
ITEM_BY_KEY = {item.key: item for item in ITEMS}
FRAMEWORKS = {"principle": "NIHR principles of co-production", "standard": "UK Standards for Public Involvement"}

RATINGS = {1: "Not at all", 2: "A little", 3: "Partly", 4: "Mostly", 5: "Fully"}

# The views compared side by side, from each rater's stakeholder type when they rated.
VIEWS = {"public": "Public members", "researcher": "Researchers", "practitioner": "Practitioners",
         "other": "Others"}
VIEW_OF_TYPE = {"public_contributor": "public", "patient": "public", "carer": "public", "young_person": "public",
                "researcher": "researcher", "practitioner": "practitioner", "commissioner": "practitioner"}
EVERYONE = "everyone"
COLUMNS = {**VIEWS, EVERYONE: "Everyone"}


def view_of(stakeholder_type: str) -> str:
    return VIEW_OF_TYPE.get(stakeholder_type, "other")


# -- rounds -------------------------------------------------------------------------------------------------------

def rounds_of(group: Group) -> list[AssessmentRound]:
    return list(db.session.scalars(select(AssessmentRound).where(AssessmentRound.group_id == group.id)
                                   .order_by(AssessmentRound.opened_at, AssessmentRound.id)))


def round_of(group: Group, round_id: int) -> AssessmentRound | None:
    return db.session.scalar(select(AssessmentRound).where(AssessmentRound.id == round_id,
                                                           AssessmentRound.group_id == group.id))


def open_round(actor: Member, group: Group, title: str) -> AssessmentRound:
    """Start a round of the team's self-assessment; one round is open at a time."""
    if not can(actor, "assessment.run", group):
        raise Refused("Only the team's organisers, its theme's lead and admins can start a round.")
    title = (title or "").strip()
    if not title:
        raise Refused("Enter a name for the round, like “Spring 2027”.")
    if len(title) > MAX_TITLE:
        raise Refused(f"Use {MAX_TITLE} characters or fewer.")
    if db.session.scalar(select(AssessmentRound.id).where(AssessmentRound.group_id == group.id,
                                                          AssessmentRound.closed_at.is_(None))) is not None:
        raise Refused("A round is already open. Close it before starting another.")
    new = AssessmentRound(group_id=group.id, title=title, created_by_id=actor.id, opened_at=utcnow())
    db.session.add(new)
    db.session.flush()
    audit(actor, "assessment.round_opened", "assessment_round", new.id, title, after={"group": group.slug})
    return new


def close_round(actor: Member, round_: AssessmentRound) -> None:
    """Close a round: nobody can rate in it any more; its results stay."""
    if not can(actor, "assessment.run", round_.group):
        raise Refused("Only the team's organisers, its theme's lead and admins can close a round.")
    if not round_.is_open:
        raise Refused("This round is already closed.")
    round_.closed_at = utcnow()
    db.session.flush()
    audit(actor, "assessment.round_closed", "assessment_round", round_.id, round_.title,
          after={"group": round_.group.slug})


# -- rating ---------------------------------------------------------------------------------------------------------

def my_ratings(member: Member, round_: AssessmentRound) -> dict[str, AssessmentRating]:
    rows = db.session.scalars(select(AssessmentRating).where(AssessmentRating.round_id == round_.id,
                                                             AssessmentRating.member_id == member.id))
    return {row.item: row for row in rows}


def submit_ratings(member: Member, round_: AssessmentRound, answers: dict[str, tuple[int, str]]) -> int:
    """Save ``member``'s ratings in an open round: ``answers`` maps every item's key to (rating 1-5, comment).

    Rating again replaces the member's earlier ratings in the round. Returns how many items were rated.
    """
    if not can(member, "assessment.take_part", round_.group):
        raise Refused("Only the team's members can rate the team.")
    if not round_.is_open:
        raise Refused("This round has closed, so ratings can no longer be given or changed.")
    missing = [item.title for item in ITEMS if item.key not in answers]
    if missing:
        raise Refused("Give a rating for every principle and standard. Missing: " + ", ".join(missing) + ".")
    unknown = set(answers) - set(ITEM_BY_KEY)
    if unknown:
        raise Refused("Something you sent is not one of the principles or standards.")
    existing = my_ratings(member, round_)
    now = utcnow()
    for key, (rating, comment) in answers.items():
        if rating not in RATINGS:
            raise Refused(f"Choose a rating from 1 to 5 for {ITEM_BY_KEY[key].title}.")
        comment = (comment or "").strip()
        if len(comment) > MAX_COMMENT:
            raise Refused(f"Use {MAX_COMMENT} characters or fewer in each comment.")
        row = existing.get(key)
        if row is None:
            row = AssessmentRating(round_id=round_.id, member_id=member.id, item=key)
            db.session.add(row)
        row.rating, row.comment, row.stakeholder_type, row.rated_at = rating, comment, member.stakeholder_type, now
    db.session.flush()
    return len(answers)


# -- results --------------------------------------------------------------------------------------------------------

@dataclass
class _Sum:
    total: int = 0
    ratings: int = 0
    people: int = 0

    def add(self, total, ratings, people):
        self.total += total
        self.ratings += ratings
        self.people += people

    def mean(self, people: int | None = None) -> Cell:
        value = round(self.total / self.ratings, 1) if self.ratings else None
        return guarded(value, self.people if people is None else people)


@dataclass
class RoundResults:
    """A round's means by item and view, each a Cell hidden below the threshold of people."""

    round: AssessmentRound
    people: dict  # view -> Cell (how many rated), from suppress_counts
    by_item: dict  # item key -> {view: Cell}
    overall: dict  # view -> Cell (mean of every rating)
    comments: list  # (item title, comment), no names


def _people_by_view(round_ids) -> dict:
    """{round_id: {view: people}} in one query (a person rates every item, so count them once)."""
    rows = db.session.execute(
        select(AssessmentRating.round_id, AssessmentRating.stakeholder_type,
               func.count(func.distinct(AssessmentRating.member_id)))
        .where(AssessmentRating.round_id.in_(round_ids))
        .group_by(AssessmentRating.round_id, AssessmentRating.stakeholder_type)).all()
    out: dict = {rid: dict.fromkeys(VIEWS, 0) for rid in round_ids}
    for rid, stakeholder_type, people in rows:
        out[rid][view_of(stakeholder_type)] += people
    return out


def round_results(round_: AssessmentRound, *, with_comments: bool = False) -> RoundResults:
    """Means for each principle and standard, for each view and for everyone; three or four queries."""
    rows = db.session.execute(
        select(AssessmentRating.item, AssessmentRating.stakeholder_type, func.sum(AssessmentRating.rating),
               func.count(AssessmentRating.id), func.count(func.distinct(AssessmentRating.member_id)))
        .where(AssessmentRating.round_id == round_.id)
        .group_by(AssessmentRating.item, AssessmentRating.stakeholder_type)).all()
    sums = {(key, col): _Sum() for key in ITEM_BY_KEY for col in COLUMNS}
    overall = {col: _Sum() for col in COLUMNS}
    for key, stakeholder_type, total, count, people in rows:
        if key not in ITEM_BY_KEY:
            continue
        for col in (view_of(stakeholder_type), EVERYONE):
            sums[(key, col)].add(total, count, people)
    people = _people_by_view([round_.id])[round_.id]
    everyone = sum(people.values())
    for (_key, col), s in sums.items():
        overall[col].total += s.total
        overall[col].ratings += s.ratings
    for col in VIEWS:
        overall[col].people = people[col]
    overall[EVERYONE].people = everyone
    by_item = {item.key: {col: sums[(item.key, col)].mean() for col in COLUMNS} for item in ITEMS}
    comments = []
    if with_comments:
        found = db.session.execute(
            select(AssessmentRating.item, AssessmentRating.comment)
            .where(AssessmentRating.round_id == round_.id, AssessmentRating.comment != "")
            .order_by(AssessmentRating.item, AssessmentRating.rated_at)).all()
        comments = [(ITEM_BY_KEY[k].title, c) for k, c in found if k in ITEM_BY_KEY]
    return RoundResults(round=round_, people=dict(suppress_counts(people).items()),
                        by_item=by_item, overall={col: overall[col].mean() for col in COLUMNS}, comments=comments)


@dataclass
class TrendRow:
    round: AssessmentRound
    means: dict  # view -> Cell: the mean of every rating in the round
    principles: Cell  # everyone's mean of the five principles
    standards: Cell  # everyone's mean of the six standards


def trend(group: Group) -> list[TrendRow]:
    """Each round's overall mean for each view and for everyone, oldest first; three queries whatever the data."""
    rounds = rounds_of(group)
    if not rounds:
        return []
    ids = [r.id for r in rounds]
    rows = db.session.execute(
        select(AssessmentRating.round_id, AssessmentRating.stakeholder_type, AssessmentRating.item,
               func.sum(AssessmentRating.rating), func.count(AssessmentRating.id))
        .where(AssessmentRating.round_id.in_(ids))
        .group_by(AssessmentRating.round_id, AssessmentRating.stakeholder_type, AssessmentRating.item)).all()
    people = _people_by_view(ids)
    sums = {(rid, col): _Sum() for rid in ids for col in COLUMNS}
    frameworks = {(rid, fw): _Sum() for rid in ids for fw in FRAMEWORKS}
    for rid, stakeholder_type, key, total, count in rows:
        item = ITEM_BY_KEY.get(key)
        if item is None:
            continue
        for col in (view_of(stakeholder_type), EVERYONE):
            sums[(rid, col)].add(total, count, 0)
        frameworks[(rid, item.framework)].add(total, count, 0)
    out = []
    for r in rounds:
        counts = people[r.id]
        everyone = sum(counts.values())
        means = {col: sums[(r.id, col)].mean(counts[col] if col in VIEWS else everyone) for col in COLUMNS}
        out.append(TrendRow(round=r, means=means, principles=frameworks[(r.id, "principle")].mean(everyone),
                            standards=frameworks[(r.id, "standard")].mean(everyone)))
    return out


def export_rows(group: Group) -> tuple[list[str], list[list]]:
    """Headers and rows of the team's results, every round and item, for CSV and XLSX (cells already hidden)."""
    headers = ["Round", "Opened", "Framework", "Principle or standard"] + [COLUMNS[c] for c in COLUMNS]
    rows = []
    for r in rounds_of(group):
        results = round_results(r)
        opened = r.opened_at.date().isoformat()
        rows.append([r.title, opened, "", "People who rated"] + [results.people[c].export() if c in VIEWS else
                                                                   _total(results.people) for c in COLUMNS])
        for item in ITEMS:
            rows.append([r.title, opened, FRAMEWORKS[item.framework], item.title]
                        + [results.by_item[item.key][c].export() for c in COLUMNS])
        rows.append([r.title, opened, "", "All principles and standards"]
                    + [results.overall[c].export() for c in COLUMNS])
    return headers, rows


def _total(people: dict):
    cells = list(people.values())
    if any(c.hidden for c in cells):
        return "not shown"
    return sum(c.shown for c in cells)


# -- the member's own data ------------------------------------------------------------------------------------------

def export_member_ratings(member: Member) -> list[dict]:
    """Every rating ``member`` gave, for their data download."""
    rows = db.session.execute(
        select(AssessmentRating, AssessmentRound.title, Group.name)
        .join(AssessmentRound, AssessmentRound.id == AssessmentRating.round_id)
        .join(Group, Group.id == AssessmentRound.group_id)
        .where(AssessmentRating.member_id == member.id)
        .order_by(AssessmentRound.opened_at, AssessmentRating.id)).all()
    return [{"team": group, "round": title, "item": ITEM_BY_KEY[r.item].title if r.item in ITEM_BY_KEY else r.item,
             "rating": r.rating, "comment": r.comment, "as": r.stakeholder_type,
             "rated_at": r.rated_at.isoformat() + "Z"} for r, title, group in rows]


def erase_member_ratings(member: Member) -> None:
    """Ratings in open rounds go; those in closed rounds stay without their comments, counted in results that
    were already shared (the member row is only "Former member" with a stakeholder type)."""
    open_ids = select(AssessmentRound.id).where(AssessmentRound.closed_at.is_(None))
    db.session.execute(delete(AssessmentRating).where(AssessmentRating.member_id == member.id,
                                                      AssessmentRating.round_id.in_(open_ids)))
    db.session.execute(update(AssessmentRating).where(AssessmentRating.member_id == member.id).values(comment=""))


def teams_of(member: Member) -> list[Group]:
    """Groups the member is active in, or runs as an admin or theme lead (for the index page)."""
    q = select(Group).where(Group.archived_at.is_(None))
    if member.role != "admin":
        mine = select(GroupMember.group_id).where(GroupMember.member_id == member.id, GroupMember.status == "active")
        led = tuple(member.led_themes or ()) if member.role == "theme_lead" else ()
        q = q.where(Group.id.in_(mine) | Group.theme_slug.in_(led)) if led else q.where(Group.id.in_(mine))
    return list(db.session.scalars(q.order_by(Group.name)))
