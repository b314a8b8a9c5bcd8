"""Mentoring and co-production buddies (issue 14 point 7): the rules. Views, tests and jobs call these.

A member offers to be a mentor or a buddy (``save_offer``) with themes, an area, their experience and a
capacity (how many people at once; 0 pauses the offer). Another member asks for one (``ask``); the site
suggests people (``suggestions``, one SQL query whatever the number of offers); the asker sends the request to
one of them (``send``), who accepts (``accept``: the two become a pair) or declines (``decline``). Either side
can end a pair (``end_pair``); the asker can stop looking (``withdraw_request``). Each step tells the other side
by notice and email (the outbox). Operations flush, never commit; refusals are ``Refused``.

How suggestions are chosen (the page says the same in plain words, see SUGGESTION_RULES):
- only people offering the same kind (mentor or buddy), with room for someone new, who share at least one of
  the request's themes;
- never the asker, a switched-off or erased account, someone who already said no to this request, someone
  the asker is already paired with or waiting on for this kind, or someone either of the two has blocked;
- young people (under 18) only with other young people, adults only with adults (``_is_young``);
- ranked by points: 2 for each shared theme, 1 for the same area, and for buddies 1 when the two describe
  themselves differently (a researcher and a carer, say: buddies learn most from another point of view);
  ties go to whoever has more room, then to whoever offered first.

Capacity holds under concurrency: accepting adds one to the offer's ``active_pairs`` with a conditional
UPDATE (``active_pairs < capacity``), so of two acceptances at once only those that fit succeed; the row lock
(PostgreSQL) or the write lock the savepoint takes (SQLite) makes the second wait and re-check.
"""
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, case, delete, exists, false, func, literal, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased, selectinload

from copractice.community import safety
from copractice.community.mentoring_models import (
    LOOKING,
    MENTORING_KINDS,
    MentorDecline,
    MentorOffer,
    MentorOfferTheme,
    MentorRequest,
    MentorRequestTheme,
)
from copractice.errors import Refused
from copractice.extensions import db
from copractice.members.models import AREAS, STAKEHOLDER_TYPES, Member, area_label
from copractice.notifications.models import Notice, OutboxMessage
from copractice.notifications.operations import notify
from copractice.plugins import get_plugins
from copractice.timeutil import utcnow
from copractice.unitofwork import savepoint
from copractice.urls import external_url

MAX_CAPACITY = 10
FORMER_MEMBER = "Former member"  # as members.data_rights.ERASED_NAME (which sits above this module)
MAX_SUGGESTIONS = 10

# The rule behind the suggestions, as the request page says it.
SUGGESTION_RULES = (
    "We only suggest people who offer to be a {kind}, have room for someone new, and chose at least one of "
    "the same themes as you.",
    "Each theme you both chose counts 2 points. Being in the same area counts 1 point.",
    "For co-production buddies, 1 more point when the two of you describe yourselves differently (for example "
    "a researcher and a carer): buddies learn most from someone who sees things another way.",
    "When people have the same points, we suggest first whoever has more room, then whoever offered first.",
    "Young people (under 18) are only matched with other young people, and adults only with adults.",
    "We never suggest someone who has already said no to this request, or anyone either of you has blocked.",
)


_NOUNS = {"mentor": "mentor", "buddy": "co-production buddy"}


def kind_noun(kind):
    """What a mentor or buddy is called in a sentence: "mentor", "co-production buddy"."""
    return _NOUNS.get(kind, kind)


def _is_young(member) -> bool:
    """Whether ``member`` counts as a young person here. The one place mentoring asks, so it can be pointed
    at copractice.community.safety's rule when that has one."""
    return safety.is_young(member)  # the community's one rule (a plugin may widen it)


def _blocked_condition(member_id, other_id_column):
    """SQL condition: ``member_id`` and the member in ``other_id_column`` have blocked each other (either way).

    The seam for blocking (issue 14 point 6, messages): there is no blocking table yet, so nobody is blocked.
    When one lands, return ``exists()`` over it here; suggestions and ``_pair_refusal`` both ask this."""
    return false()


def _blocked(member, other) -> bool:
    """``_blocked_condition`` for two members already loaded: no blocking table yet, so never. When one lands,
    ask it here too (``accept`` checks this, because a block can come after the request was sent)."""
    return False


def _pair_refusal(asker, mentor):
    """Why these two cannot be paired (a sentence for the person), or None."""
    if mentor is None or asker is None or mentor.id == asker.id:
        return "You cannot be your own mentor or buddy."
    if not mentor.is_active or not asker.is_active:
        return "That account is no longer in use."
    if _is_young(asker) != _is_young(mentor):
        return "Young people (under 18) are only matched with other young people, and adults with adults."
    if _blocked(asker, mentor):
        return "You cannot be matched with this person."
    return None


def _known_themes():
    return get_plugins().themes()


def _check_details(kind, themes, area):
    """Refuse an unknown kind, no theme or an unknown one, an unknown area."""
    if kind not in MENTORING_KINDS:
        raise Refused("Choose mentor or co-production buddy.")
    known = _known_themes()
    themes = sorted(set(themes or ()))
    if not themes:
        raise Refused("Choose at least one theme.")
    if any(slug not in known for slug in themes):
        raise Refused("Choose themes from the list.")
    if area and area not in AREAS:
        raise Refused("Choose an area from the list.")
    return themes, area or None


def _rowcount(result) -> int:
    return cast(CursorResult, result).rowcount


# -- offering --------------------------------------------------------------------------------------------

def offer_of(member, kind) -> MentorOffer | None:
    """The member's offer of this kind (open or withdrawn), or None."""
    return db.session.scalar(select(MentorOffer).where(MentorOffer.member_id == member.id, MentorOffer.kind == kind))


@savepoint
def save_offer(member, kind, *, themes, area=None, experience="", experience_tags=(), capacity=1) -> MentorOffer:
    """Offer (or change an offer) to be a mentor or buddy: one offer per member and kind."""
    themes, area = _check_details(kind, themes, area)
    if capacity is None or not 0 <= int(capacity) <= MAX_CAPACITY:
        raise Refused(f"Enter how many people at once, from 0 to {MAX_CAPACITY}.")
    tags = sorted(set(experience_tags or ()))
    if any(tag not in STAKEHOLDER_TYPES for tag in tags):
        raise Refused("Choose experience from the list.")
    offer = offer_of(member, kind)
    if offer is None:
        offer = MentorOffer(member_id=member.id, kind=kind, active_pairs=0)
        try:
            with db.session.begin_nested():
                db.session.add(offer)
                db.session.flush()
        except IntegrityError:  # the same person's other tab made it a moment ago: change that one
            offer = offer_of(member, kind)
            assert offer is not None
    offer.status = "open"
    offer.capacity = int(capacity)
    offer.area = area
    offer.experience = (experience or "").strip()
    offer.experience_tags = tags
    offer.updated_at = utcnow()
    # Keep the rows of themes that stay (a theme removed and added back in one flush would clash on its key).
    offer.themes = [t for t in offer.themes if t.theme_slug in themes] + [
        MentorOfferTheme(theme_slug=slug) for slug in themes if slug not in offer.theme_slugs]
    db.session.flush()
    return offer


def withdraw_offer(member, kind) -> bool:
    """Stop offering (pairs already made go on); True when there was an open offer."""
    return _rowcount(db.session.execute(
        update(MentorOffer).where(MentorOffer.member_id == member.id, MentorOffer.kind == kind,
                                  MentorOffer.status == "open")
        .values(status="withdrawn", updated_at=utcnow()).execution_options(synchronize_session=False))) == 1


# -- asking ----------------------------------------------------------------------------------------------

def looking_request(member, kind) -> MentorRequest | None:
    """The member's request of this kind that is still looking (open or asked), or None."""
    return db.session.scalar(select(MentorRequest).where(MentorRequest.member_id == member.id,
                                                         MentorRequest.open_kind == kind))


def _already_looking(kind):
    return Refused(f"You already have a request for a {kind_noun(kind)} that is still looking. "
                   "Withdraw it first if you want to start again.")


def ask(member, kind, *, themes, area=None, hopes) -> MentorRequest:
    """Ask for a mentor or buddy: one request still looking per member and kind."""
    themes, area = _check_details(kind, themes, area)
    hopes = (hopes or "").strip()
    if not hopes:
        raise Refused("Say what you hope for.")
    if looking_request(member, kind) is not None:
        raise _already_looking(kind)
    request = MentorRequest(member_id=member.id, kind=kind, status="open", open_kind=kind, area=area, hopes=hopes,
                            themes=[MentorRequestTheme(theme_slug=slug) for slug in themes])
    try:
        with db.session.begin_nested():
            db.session.add(request)
            db.session.flush()
    except IntegrityError:  # a second request made at the same moment: the database keeps one
        raise _already_looking(kind) from None
    return request


def _notify(member, kind, template, request, link=None, **context):
    notify([member], kind, template, link=link or external_url("mentoring.request", request_id=request.id),
           req=request, kind_noun=kind_noun(request.kind), **context)


def withdraw_request(member, request) -> bool:
    """The asker stops looking; if someone was asked, they are told. False when it had already moved on."""
    if request.member_id != member.id:
        raise Refused("Only the person who asked can withdraw this request.")
    asked = request.mentor if request.status == "asked" else None
    moved = _rowcount(db.session.execute(
        update(MentorRequest).where(MentorRequest.id == request.id, MentorRequest.status.in_(LOOKING))
        .values(status="withdrawn", open_kind=None, ended_at=utcnow()).execution_options(synchronize_session=False)))
    db.session.expire(request)
    if moved and asked is not None:
        _notify(asked, "mentoring_ended", "mentoring_withdrawn", request, asker=member)
    return moved == 1


# -- suggestions -----------------------------------------------------------------------------------------

@dataclass
class Suggestion:
    """Someone the site suggests for a request, and why."""

    offer: MentorOffer
    member: Member
    points: int
    shared_themes: list
    same_area: bool
    other_view: bool


def suggestions(request, *, limit=MAX_SUGGESTIONS, offer_id=None) -> list[Suggestion]:
    """The people suggested for ``request``, best first (see the module's docstring). Two queries, whatever
    the number of offers: the ranked offers with their members, then their themes."""
    asker = request.member
    themes = request.theme_slugs
    if not themes:
        return []
    shared = (select(func.count(MentorOfferTheme.theme_slug))
              .where(MentorOfferTheme.offer_id == MentorOffer.id, MentorOfferTheme.theme_slug.in_(themes))
              .correlate(MentorOffer).scalar_subquery())
    same_area = (case((MentorOffer.area == request.area, 1), else_=0) if request.area else literal(0))
    other_view = (case((Member.stakeholder_type != asker.stakeholder_type, 1), else_=0)
                  if request.kind == "buddy" else literal(0))
    points = (2 * shared + same_area + other_view).label("points")
    declined = select(MentorDecline.mentor_id).where(MentorDecline.request_id == request.id)
    paired = aliased(MentorRequest)
    already = exists().where(paired.member_id == asker.id, paired.kind == request.kind,
                             paired.status.in_(("asked", "active")), paired.mentor_id == MentorOffer.member_id)
    stmt = (select(MentorOffer, Member, points, same_area.label("same_area"), other_view.label("other_view"))
            .join(Member, Member.id == MentorOffer.member_id)
            .where(MentorOffer.kind == request.kind, MentorOffer.status == "open",
                   MentorOffer.active_pairs < MentorOffer.capacity, MentorOffer.member_id != asker.id,
                   Member.active.is_(True), Member.erased_at.is_(None),
                   Member.under_18 == _is_young(asker), shared > 0,
                   MentorOffer.member_id.not_in(declined), ~already,
                   ~_blocked_condition(asker.id, MentorOffer.member_id))
            .options(selectinload(MentorOffer.themes))
            .order_by(points.desc(), (MentorOffer.capacity - MentorOffer.active_pairs).desc(),
                      MentorOffer.created_at, MentorOffer.id)
            .limit(limit * 2))  # _is_young may say more than the column: room to drop some and still fill the list
    if offer_id is not None:
        stmt = stmt.where(MentorOffer.id == offer_id)
    wanted = set(themes)
    found = []
    for offer, member, score, area_point, view_point in db.session.execute(stmt):
        if _is_young(member) != _is_young(asker):
            continue
        found.append(Suggestion(offer=offer, member=member, points=int(score),
                                shared_themes=[slug for slug in offer.theme_slugs if slug in wanted],
                                same_area=bool(area_point), other_view=bool(view_point)))
    return found[:limit]


# -- sending, answering, ending ----------------------------------------------------------------------------

def send(member, request, offer_id) -> MentorRequest:
    """Send the request to the person behind ``offer_id``, chosen from the suggestions."""
    if request.member_id != member.id:
        raise Refused("Only the person who asked can send this request.")
    if request.status != "open":
        raise Refused("This request has already been sent to someone, or is no longer looking.")
    chosen = suggestions(request, offer_id=offer_id)
    if not chosen:
        raise Refused("That person cannot take this request now. Choose someone else from the list.")
    mentor = chosen[0].member
    moved = _rowcount(db.session.execute(
        update(MentorRequest).where(MentorRequest.id == request.id, MentorRequest.status == "open")
        .values(status="asked", mentor_id=mentor.id, asked_at=utcnow()).execution_options(synchronize_session=False)))
    if not moved:
        raise Refused("This request has already been sent to someone, or is no longer looking.")
    db.session.expire(request)
    _notify(mentor, "mentoring_asked", "mentoring_asked", request, asker=member,
            themes=_theme_names(request.theme_slugs))
    return request


@savepoint
def accept(mentor, request, message=None) -> MentorRequest:
    """The person asked says yes: the two become a pair, which counts toward their capacity."""
    if request.mentor_id != mentor.id or request.status != "asked":
        raise Refused("This request is not waiting for your answer.")
    refusal = _pair_refusal(request.member, mentor)
    if refusal:
        raise Refused(refusal)
    now = utcnow()
    room = _rowcount(db.session.execute(
        update(MentorOffer).where(MentorOffer.member_id == mentor.id, MentorOffer.kind == request.kind,
                                  MentorOffer.status == "open", MentorOffer.active_pairs < MentorOffer.capacity)
        .values(active_pairs=MentorOffer.active_pairs + 1).execution_options(synchronize_session=False)))
    if not room:
        raise Refused(f"You have no room for anyone new as a {kind_noun(request.kind)}. To say yes, first raise "
                      "how many people you can take on at once, or end a pair.")
    moved = _rowcount(db.session.execute(
        update(MentorRequest).where(MentorRequest.id == request.id, MentorRequest.status == "asked",
                                    MentorRequest.mentor_id == mentor.id)
        .values(status="active", open_kind=None, answered_at=now, started_at=now,
                answer_message=(message or "").strip() or None)
        .execution_options(synchronize_session=False)))
    if not moved:  # withdrawn or answered meanwhile: the savepoint gives the place back
        raise Refused("This request is not waiting for your answer any more.")
    db.session.expire(request)
    offer = offer_of(mentor, request.kind)
    if offer is not None:
        db.session.expire(offer)
    _notify(request.member, "mentoring_answered", "mentoring_accepted", request, mentor=mentor)
    return request


def decline(mentor, request, message=None) -> MentorRequest:
    """The person asked says no (with an optional message): the request is open again for someone else."""
    if request.mentor_id != mentor.id or request.status != "asked":
        raise Refused("This request is not waiting for your answer.")
    moved = _rowcount(db.session.execute(
        update(MentorRequest).where(MentorRequest.id == request.id, MentorRequest.status == "asked",
                                    MentorRequest.mentor_id == mentor.id)
        .values(status="open", mentor_id=None, asked_at=None).execution_options(synchronize_session=False)))
    if not moved:
        raise Refused("This request is not waiting for your answer any more.")
    message = (message or "").strip() or None
    db.session.add(MentorDecline(request_id=request.id, mentor_id=mentor.id, message=message))
    db.session.flush()
    db.session.expire(request)
    _notify(request.member, "mentoring_answered", "mentoring_declined", request, mentor=mentor, message=message)
    return request


def _give_back_place(mentor_id, kind):
    db.session.execute(update(MentorOffer).where(MentorOffer.member_id == mentor_id, MentorOffer.kind == kind,
                                                 MentorOffer.active_pairs > 0)
                       .values(active_pairs=MentorOffer.active_pairs - 1)
                       .execution_options(synchronize_session=False))


def end_pair(member, request, message=None) -> MentorRequest:
    """Either side ends an active pair (with an optional message); the other side is told."""
    if request.status != "active" or member.id not in (request.member_id, request.mentor_id):
        raise Refused("This pair is not active.")
    other = request.mentor if member.id == request.member_id else request.member
    message = (message or "").strip() or None
    moved = _rowcount(db.session.execute(
        update(MentorRequest).where(MentorRequest.id == request.id, MentorRequest.status == "active")
        .values(status="ended", ended_at=utcnow(), ended_by_id=member.id, end_message=message)
        .execution_options(synchronize_session=False)))
    if not moved:
        raise Refused("This pair has already ended.")
    if request.mentor_id is not None:
        _give_back_place(request.mentor_id, request.kind)
    db.session.expire(request)
    if other is not None:
        _notify(other, "mentoring_ended", "mentoring_ended", request, ended_by=member, message=message)
    return request


# -- pages -----------------------------------------------------------------------------------------------

def _theme_names(slugs):
    themes = _known_themes()
    return [themes[s].name if s in themes else s for s in slugs]


def theme_names():
    """{slug: name} of every theme the site runs."""
    return {slug: theme.name for slug, theme in _known_themes().items()}


@dataclass
class MyMentoring:
    """What the member's mentoring page shows."""

    offers: dict  # kind -> MentorOffer
    requests: list  # their own requests: looking, paired, and the latest ended ones
    asked_of_me: list  # requests waiting for their answer
    partners: list  # requests in which they are the mentor or buddy of an active pair


def my_mentoring(member) -> MyMentoring:
    """A member's offers, requests and pairs, in four queries whatever their number."""
    offers = {o.kind: o for o in db.session.scalars(
        select(MentorOffer).where(MentorOffer.member_id == member.id).options(selectinload(MentorOffer.themes)))}
    own = db.session.scalars(
        select(MentorRequest).where(MentorRequest.member_id == member.id)
        .options(selectinload(MentorRequest.mentor), selectinload(MentorRequest.themes))
        .order_by(MentorRequest.status.in_(("ended", "withdrawn")), MentorRequest.created_at.desc()).limit(20)).all()
    theirs = db.session.scalars(
        select(MentorRequest).where(MentorRequest.mentor_id == member.id, MentorRequest.status.in_(("asked", "active")))
        .options(selectinload(MentorRequest.member), selectinload(MentorRequest.themes))
        .order_by(MentorRequest.asked_at)).all()
    return MyMentoring(offers=offers, requests=list(own), asked_of_me=[r for r in theirs if r.status == "asked"],
                       partners=[r for r in theirs if r.status == "active"])


# -- the report ------------------------------------------------------------------------------------------

@dataclass
class ReportFilters:
    theme: str = ""
    area: str = ""
    # The themes the viewer may see (a theme lead's); None: all (admins).
    themes_allowed: tuple | None = None


def _report_conditions(filters):
    conditions: list[Any] = []
    if filters.theme:
        conditions.append(exists().where(MentorRequestTheme.request_id == MentorRequest.id,
                                         MentorRequestTheme.theme_slug == filters.theme))
    if filters.themes_allowed is not None:
        allowed = sorted(filters.themes_allowed)
        conditions.append(exists().where(MentorRequestTheme.request_id == MentorRequest.id,
                                         MentorRequestTheme.theme_slug.in_(allowed)) if allowed else false())
    if filters.area:
        conditions.append(MentorRequest.area == filters.area)
    return conditions


@dataclass
class Report:
    pairs: list  # active pairs, newest first
    waiting: list  # requests still looking, longest waiting first


def report(filters: ReportFilters) -> Report:
    """Active pairs and waiting requests for admins and theme leads, in three queries whatever their number."""
    conditions = _report_conditions(filters)
    options = (selectinload(MentorRequest.member), selectinload(MentorRequest.mentor),
               selectinload(MentorRequest.themes))
    rows = db.session.scalars(
        select(MentorRequest).where(MentorRequest.status.in_(("active",) + LOOKING), *conditions)
        .options(*options).order_by(MentorRequest.created_at, MentorRequest.id)).all()
    pairs = sorted((r for r in rows if r.status == "active"), key=lambda r: r.started_at or r.created_at,
                   reverse=True)
    return Report(pairs=pairs, waiting=[r for r in rows if r.status in LOOKING])


def waited_days(request, now=None) -> int:
    """Whole days since the request was made."""
    return max(((now or utcnow()) - request.created_at).days, 0)


def report_rows(result: Report, now=None):
    """(headers, rows) of the report as one table, for CSV."""
    names = theme_names()
    headers = ["Status", "Kind", "Asked by", "Mentor or buddy", "Themes", "Area", "Asked on", "Days waiting",
               "Paired on"]
    rows = []
    for r in result.pairs + result.waiting:
        rows.append([r.status_label, MENTORING_KINDS.get(r.kind, r.kind), r.member.name,
                     r.mentor.name if r.mentor else "", "; ".join(names.get(s, s) for s in r.theme_slugs),
                     area_label(r.area), r.created_at.date().isoformat(),
                     waited_days(r, now) if r.status in LOOKING else "",
                     r.started_at.date().isoformat() if r.started_at else ""])
    return headers, rows


# -- a member's data: export and erasure (copractice/members/data_rights.py) ---------------------------------

def _when(dt):
    return dt.isoformat() + "Z" if dt else None


def export_mentoring(member) -> dict:
    """Everything mentoring holds about ``member``: their offers, their requests and pairs, the requests sent
    to them and the answers they gave."""
    offers = db.session.scalars(select(MentorOffer).where(MentorOffer.member_id == member.id)
                                .options(selectinload(MentorOffer.themes)).order_by(MentorOffer.id))
    own = db.session.scalars(select(MentorRequest).where(MentorRequest.member_id == member.id)
                             .options(selectinload(MentorRequest.themes), selectinload(MentorRequest.mentor))
                             .order_by(MentorRequest.id))
    theirs = db.session.scalars(select(MentorRequest).where(MentorRequest.mentor_id == member.id)
                                .options(selectinload(MentorRequest.member)).order_by(MentorRequest.id))
    declines = db.session.execute(select(MentorDecline, MentorRequest.kind, Member.name)
                                  .join(MentorRequest, MentorRequest.id == MentorDecline.request_id)
                                  .join(Member, Member.id == MentorRequest.member_id)
                                  .where(MentorDecline.mentor_id == member.id).order_by(MentorDecline.id)).all()
    return {
        "offers": [{"kind": o.kind, "status": o.status, "themes": o.theme_slugs, "area": o.area,
                    "experience": o.experience, "experience_tags": list(o.experience_tags or []),
                    "capacity": o.capacity, "current_pairs": o.active_pairs, "offered_at": _when(o.created_at),
                    "changed_at": _when(o.updated_at)} for o in offers],
        "requests": [{"kind": r.kind, "status": r.status, "themes": r.theme_slugs, "area": r.area, "hopes": r.hopes,
                      "asked_of": r.mentor.name if r.mentor else None, "asked_at": _when(r.asked_at),
                      "answer_message": r.answer_message, "paired_at": _when(r.started_at),
                      "ended_at": _when(r.ended_at), "ended_by": _who_ended(r, member),
                      "end_message": r.end_message, "made_at": _when(r.created_at)} for r in own],
        "as_mentor_or_buddy": [{"kind": r.kind, "status": r.status, "asked_by": r.member.name,
                                "asked_at": _when(r.asked_at), "your_answer_message": r.answer_message,
                                "paired_at": _when(r.started_at), "ended_at": _when(r.ended_at),
                                "ended_by": _who_ended(r, member), "end_message": r.end_message} for r in theirs],
        "declined": [{"kind": kind, "asked_by": name, "your_message": d.message, "at": _when(d.at)}
                     for d, kind, name in declines],
    }


def _who_ended(request, member):
    if request.ended_by_id is None:
        return None
    return "you" if request.ended_by_id == member.id else "the other person"


def erase_mentoring(member, now: datetime | None = None) -> None:
    """End and remove ``member``'s mentoring when their account is erased (the caller commits).

    Their active pairs end and the other side is told; a request sent to them goes back to looking so the asker
    can choose someone else; requests they sent to someone are withdrawn (that person is told). Then their
    offers, requests and the answers they gave are deleted, and they are taken off other people's requests."""
    now = now or utcnow()
    mid = member.id
    involved = db.session.scalars(
        select(MentorRequest).where(or_(MentorRequest.member_id == mid, MentorRequest.mentor_id == mid),
                                    MentorRequest.status.in_(("asked", "active")))
        .options(selectinload(MentorRequest.member), selectinload(MentorRequest.mentor))).all()
    for request in involved:
        mine = request.member_id == mid
        other = request.mentor if mine else request.member
        # The request itself goes when it is theirs: their partner's link leads to the mentoring page instead.
        link = external_url("mentoring.index") if mine else None
        if request.status == "active":
            if mine and request.mentor_id is not None:
                _give_back_place(request.mentor_id, request.kind)
            if other is not None:
                _notify(other, "mentoring_ended", "mentoring_ended", request, link=link, ended_by=None, message=None)
        elif mine and other is not None:  # asked: the person asked need not answer any more
            _notify(other, "mentoring_ended", "mentoring_withdrawn", request, link=link, asker=None)
        if not mine:
            if request.status == "active":
                request.status, request.ended_at = "ended", now
            else:  # they were asked and never answered: the asker can choose someone else
                request.status, request.asked_at = "open", None
    db.session.flush()
    db.session.execute(delete(MentorDecline).where(MentorDecline.mentor_id == mid))
    db.session.execute(delete(MentorRequest).where(MentorRequest.member_id == mid))
    db.session.execute(update(MentorRequest).where(MentorRequest.mentor_id == mid).values(mentor_id=None))
    db.session.execute(update(MentorRequest).where(MentorRequest.ended_by_id == mid).values(ended_by_id=None))
    db.session.execute(delete(MentorOffer).where(MentorOffer.member_id == mid))
    _scrub_name(member)
    db.session.flush()


def _scrub_name(member):
    """Other people's mentoring notices and unsent emails named the member ("Ann asks you to be their mentor"):
    the name becomes "Former member"."""
    name = member.name
    if not name:
        return
    kinds = ("mentoring_asked", "mentoring_answered", "mentoring_ended")
    db.session.execute(update(Notice).where(Notice.kind.in_(kinds), Notice.member_id != member.id,
                                            Notice.message.contains(name, autoescape=True))
                       .values(message=func.replace(Notice.message, name, FORMER_MEMBER))
                       .execution_options(synchronize_session=False))
    db.session.execute(update(OutboxMessage).where(OutboxMessage.kind.in_(kinds), OutboxMessage.status == "queued",
                                                   OutboxMessage.member_id != member.id,
                                                   or_(OutboxMessage.subject.contains(name, autoescape=True),
                                                       OutboxMessage.body.contains(name, autoescape=True)))
                       .values(subject=func.replace(OutboxMessage.subject, name, FORMER_MEMBER),
                               body=func.replace(OutboxMessage.body, name, FORMER_MEMBER))
                       .execution_options(synchronize_session=False))

