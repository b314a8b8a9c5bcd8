"""The community's part of the large demo data (``copractice demo-data --scale large``): issue 14 point 10.

At full size: 24 spaces (open, members-only and private, with leads, moderators and invited members), 10,000
topics and 200,000 posts (first posts and replies), about 1% of replies held for a moderator and 0.5% hidden.
One space is the benchmark's showcase (*Co-production champions*, open, led by facilitator@example.org) with a
quarter of the topics, and one of its topics has exactly 200 published replies (*What does good co-production
look like to you?*). Written in bulk like the rest of the large data (copractice_demo/large.py: PostgreSQL COPY
or Core executemany batches, ids assigned up front, one transaction the caller commits).

Derived state is kept as the posting operations keep it: ``topic.reply_count`` counts published replies,
``topic.last_posted_at`` is the latest published post, answered questions point at a published reply, every
published post has its ``post_search`` row (the FTS5 triggers and PostgreSQL's generated tsvector follow), and
every post counts as already mailed (``mailed_at``), so no job sends 200,000 notices about old posts.
"""
import html
import random
from datetime import timedelta

from sqlalchemy import select, text

from copractice.community.models import Space, Topic
from copractice.community.search import plain_text
from copractice.extensions import db
from copractice.timeutil import utcnow
from copractice_demo.large import _next_id, _Writer

FULL = {"spaces": 24, "topics": 10_000, "posts": 200_000}
SHOWCASE_SPACE = "co-production-champions"
SHOWCASE_TOPIC = "What does good co-production look like to you?"
SHOWCASE_REPLIES = 200
SHOWCASE_SHARE = 0.25  # of the topics, in the showcase space

SPACES = [
    (SHOWCASE_SPACE, "Co-production champions", "open"),
    ("public-involvement-regional-forum", "Public involvement regional forum", "open"),
    ("co-production-trainers", "Co-production trainers", "members"),
    ("kent-and-medway-forum", "Kent and Medway forum", "members"),
    ("surrey-forum", "Surrey forum", "members"),
    ("sussex-forum", "Sussex forum", "members"),
    ("carers-in-research", "Carers in research", "members"),
    ("young-researchers-network", "Young researchers network", "open"),
    ("paying-public-contributors", "Paying public contributors", "members"),
    ("writing-plain-english", "Writing in plain English", "open"),
    ("evaluation-and-impact", "Evaluation and impact", "members"),
    ("online-involvement", "Online involvement", "members"),
    ("research-ethics-questions", "Research ethics questions", "members"),
    ("commissioners-network", "Commissioners network", "private"),
    ("ppi-leads", "PPI leads", "private"),
    ("memory-cafe-organisers", "Memory café organisers", "members"),
    ("school-mental-health-projects", "School mental health projects", "members"),
    ("care-home-research", "Care home research", "members"),
    ("seldom-heard-communities", "Seldom-heard communities", "open"),
    ("lived-experience-researchers", "Lived experience researchers", "private"),
    ("data-and-analysis-together", "Data and analysis together", "members"),
    ("funding-bids", "Funding bids", "members"),
    ("newsletter-and-events", "Newsletter and events", "open"),
    ("old-pilot-projects", "Old pilot projects", "members"),
]
SUBJECTS = [
    "paying public contributors", "plain English summaries", "co-analysis of interview data", "online meetings",
    "involving carers", "young people's advisory groups", "memory cafés", "care home visits", "ethics applications",
    "recruiting from seldom-heard communities", "feedback to contributors", "co-producing research questions",
    "training facilitators", "accessible venues", "easy read versions", "expenses and benefits",
    "sharing power in meetings", "evaluating impact", "writing funding bids together", "safeguarding in projects",
]
TITLES = [
    "How do you handle {s}?", "Tips for {s}", "Question about {s}", "Our experience of {s}",
    "Resources on {s} wanted", "{S}: what worked for us", "Help with {s} please", "Lessons from {s} in Kent",
    "Does anyone have a template for {s}?", "Starting out with {s}",
]
SENTENCES = [
    "We tried this last year and it made a real difference to who came along.",
    "Our public contributors said they wanted more notice before meetings.",
    "I would start by asking the people affected what matters to them.",
    "The ethics committee asked us to explain how carers would be supported.",
    "Paying people on the day, in cash or vouchers, helped a lot.",
    "We wrote the summary together and read it aloud before we finished.",
    "Online meetings suit some people, but others need a phone option.",
    "A memory café was a good place to meet people living with dementia.",
    "The young people's group chose the questions and ran the first session.",
    "Has anyone found a good way to feed back results to everyone involved?",
    "We kept a shared log of decisions so nobody lost track.",
    "Travel expenses were the biggest barrier for our contributors.",
    "Easy read versions took longer than we planned but were worth it.",
    "Our care home partners wanted short visits at quiet times of day.",
    "Thank you, this is really helpful.",
    "I agree, and I would add that training for researchers matters just as much.",
    "We budgeted for involvement from the start of the funding bid.",
    "The safeguarding lead helped us plan what to do if someone became upset.",
    "Co-analysis sessions worked best in small groups with printed quotes.",
    "Could you share the template you mentioned?",
]


def planned(factor=1.0):
    """{what: how many} ``create_community_large(factor)`` writes (the showcase topic always has its replies)."""
    topics = max(4, round(FULL["topics"] * factor))
    posts = max(round(FULL["posts"] * factor), topics + SHOWCASE_REPLIES + 2 * (topics - 1))
    return {"spaces": max(4, min(len(SPACES), round(FULL["spaces"] * max(factor, 0.2)))), "topics": topics,
            "posts": posts}


def community_present():
    """True when the community's large data is already there (its showcase space is)."""
    return db.session.scalar(select(Space.id).where(Space.slug == SHOWCASE_SPACE)) is not None


def showcase_topic_id():
    """The topic with exactly SHOWCASE_REPLIES replies (for the benchmark), or None."""
    return db.session.scalar(select(Topic.id).join(Space, Space.id == Topic.space_id).where(
        Space.slug == SHOWCASE_SPACE, Topic.title == SHOWCASE_TOPIC))


def _body(rng, n):
    return " ".join(rng.choice(SENTENCES) for _ in range(n))


def _reply_counts(rng, total, topics):
    """Replies per topic (the first, the showcase, has exactly SHOWCASE_REPLIES): a long tail, summing to total."""
    weights = [rng.paretovariate(1.3) for _ in range(topics - 1)]
    wsum = sum(weights)
    left = total - SHOWCASE_REPLIES
    counts = [min(SHOWCASE_REPLIES - 1, int(left * w / wsum)) for w in weights]
    short = left - sum(counts)
    i = 0
    while short > 0:  # hand out what the rounding and the cap left, one at a time
        if counts[i % len(counts)] < SHOWCASE_REPLIES - 1:
            counts[i % len(counts)] += 1
            short -= 1
        i += 1
    return [SHOWCASE_REPLIES, *counts]


def create_community_large(factor=1.0, seed=14, progress=None, now=None):
    """Add the community's large data in bulk (the caller commits); returns {table: rows written}."""
    rng = random.Random(seed)
    now = (now or utcnow()).replace(microsecond=0)
    plan = planned(factor)
    connection = db.session.connection()
    writer = _Writer(connection, progress)
    members = [row[0] for row in connection.execute(text(
        "SELECT id FROM member WHERE active = :yes AND erased_at IS NULL ORDER BY id"), {"yes": True})]
    if not members:
        raise RuntimeError("the community's large data needs members: run demo-data first")
    demo = dict(connection.execute(text("SELECT email, id FROM member WHERE email IN "
                                        "('facilitator@example.org', 'trainee@example.org', 'admin@example.org')")).all())
    spaces = _spaces(writer, connection, rng, plan["spaces"], members, demo, now)
    _topics_and_posts(writer, connection, rng, plan, spaces, members, now)
    writer.finish()
    if connection.dialect.name == "postgresql":
        for name in ("space", "space_role", "topic", "post"):
            connection.execute(text(f"SELECT setval(pg_get_serial_sequence('\"{name}\"', 'id'), "
                                    f"(SELECT max(id) FROM \"{name}\"))"))
    # The community's own tables only, on both databases: the rest of the site's were analysed with their data.
    for name in ("space", "topic", "post", "post_search"):
        connection.execute(text(f"ANALYZE {name}"))
    return dict(writer.counts)


def _spaces(writer, connection, rng, count, members, demo, now):
    writer.table("space", ["id", "slug", "name", "description", "guidelines", "visibility", "theme_slug",
                           "young_people", "safeguarding_lead_id", "archived_at", "created_at"], counted=True)
    writer.table("space_role", ["id", "space_id", "member_id", "role", "created_at"], parents=("space",))
    space_id, role_id = _next_id(connection, "space"), _next_id(connection, "space_role")
    chosen = SPACES[:count - 1] + [SPACES[-1]]  # the archived one is always there
    spaces = []
    for n, (slug, name, visibility) in enumerate(chosen):
        created = now - timedelta(days=800 - n)
        archived = now - timedelta(days=30) if slug == "old-pilot-projects" else None
        lead = demo.get("facilitator@example.org", members[0]) if slug == SHOWCASE_SPACE else rng.choice(members)
        writer.add("space", (space_id, slug, name, f"A place to talk about {name.lower()}.",
                             "Be kind, keep personal details out of posts, and ask if something is unclear.",
                             visibility, None, slug == "young-researchers-network", None, archived, created))
        people = {lead: "lead"}
        for member_id in rng.sample(members, min(len(members), 2)):
            people.setdefault(member_id, "moderator")
        if visibility == "private":
            for member_id in rng.sample(members, min(len(members), 40)):
                people.setdefault(member_id, "member")
            if "trainee@example.org" in demo and slug == "ppi-leads":
                people.setdefault(demo["trainee@example.org"], "member")
        for member_id, role in people.items():
            writer.add("space_role", (role_id, space_id, member_id, role, created))
            role_id += 1
        spaces.append((space_id, slug, created))
        space_id += 1
    writer.flush("space")
    writer.flush("space_role")
    return spaces


def _topics_and_posts(writer, connection, rng, plan, spaces, members, now):
    writer.table("topic", ["id", "space_id", "author_id", "title", "kind", "pinned", "closed_at", "answer_post_id",
                           "reply_count", "last_posted_at", "created_at"], counted=True)
    writer.table("post", ["id", "topic_id", "number", "author_id", "body", "html", "status", "hidden_reason",
                          "hidden_by_id", "quote_of_id", "created_at", "edited_at", "published_at", "mailed_at"],
                 counted=True, parents=("topic",))
    writer.table("post_search", ["post_id", "topic_id", "space_id", "title", "body"], parents=("post",))
    topic_id, post_id = _next_id(connection, "topic"), _next_id(connection, "post")
    topics = plan["topics"]
    replies = _reply_counts(rng, plan["posts"] - topics, topics)
    showcase = spaces[0][0]
    others = spaces[1:]
    span = 700 * 86400
    for n in range(topics):
        space_id = showcase if n == 0 or rng.random() < SHOWCASE_SHARE else rng.choice(others)[0]
        subject = rng.choice(SUBJECTS)
        if n == 0:
            title, kind = SHOWCASE_TOPIC, "discussion"
        else:
            template = rng.choice(TITLES)
            title = template.format(s=subject, S=subject[0].upper() + subject[1:])
            kind = rng.choices(["discussion", "question", "announcement"], [0.72, 0.23, 0.05])[0]
        created = now - timedelta(seconds=rng.randrange(3600, span)) if n else now - timedelta(days=60)
        author = rng.choice(members)
        count = replies[n]
        # Replies spread after the topic started, up to now, in order.
        gaps = sorted(rng.random() for _ in range(count))
        window = (now - created).total_seconds()
        published_replies, last, answer = 0, created, None
        rows, search_rows = [], []  # written after the topic's row (foreign keys are checked at once)
        for number in range(1, count + 2):
            at = created if number == 1 else created + timedelta(seconds=int(gaps[number - 2] * window))
            status = "published"
            if number > 1 and n != 0:
                status = rng.choices(["published", "held", "hidden"], [0.985, 0.01, 0.005])[0]
            body = (f"{_body(rng, 2)} I wanted to ask about {subject}: {_body(rng, 2)}" if number == 1
                    else _body(rng, rng.choice((1, 1, 2, 3))))
            markup = f"<p>{html.escape(body, quote=False)}</p>"
            published = at if status == "published" else None
            rows.append((post_id, topic_id, number, author if number == 1 else rng.choice(members), body,
                         markup, status, "Off topic for this space." if status == "hidden" else None,
                         None, None, at, None, published, at + timedelta(minutes=10)))
            if status == "published":
                search_rows.append((post_id, topic_id, space_id, title if number == 1 else "", plain_text(markup)))
                last = at
                if number > 1:
                    published_replies += 1
                    if kind == "question" and answer is None and rng.random() < 0.3:
                        answer = post_id
            post_id += 1
        pinned = n != 0 and rng.random() < 0.004
        closed = created + timedelta(days=90) if n and rng.random() < 0.05 and created + timedelta(days=90) < now \
            else None
        writer.add("topic", (topic_id, space_id, author, title, kind, pinned, closed, answer, published_replies,
                             last, created))
        for row in rows:
            writer.add("post", row)
        for row in search_rows:
            writer.add("post_search", row)
        topic_id += 1
    writer.flush("topic")
    writer.flush("post")
    writer.flush("post_search")
