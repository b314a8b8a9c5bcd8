"""Full-text search over topics and replies: SQLite FTS5 or PostgreSQL text search, the library's contract.

The contract (the same as ``copractice.library.search``, on both databases): English words are stemmed
("meetings" finds "meeting"; FTS5's porter tokenizer, PostgreSQL's 'english' configuration), every word typed
must match, and a match in a topic's title ranks above a match in the text of a post. Within each of the two,
newest first: a forum's readers want the latest, and reading in post order lets the database stop at the page's
last row instead of scoring every match (a common word is in tens of thousands of posts). Whatever is typed (quotes,
stars, OR, NEAR(, minus signs, NUL, 10,000 characters, any alphabet) is cut into words first, so nobody can
write a query of the search engine's own language, and nothing typed makes an error.

What is searched: one row per **published** post in ``post_search`` (the post's text without the posts it
quotes; the first post of a topic also carries the topic's title, so the title ranks that topic's first post
first). Held and hidden posts have no row, so no search can find them. The rows keep themselves up to date:
every flush that writes a post or a topic (whoever writes it: posting, editing, moderation, moving, splitting)
writes the rows in the same transaction (``_after_flush``), so the posting code calls nothing here. Bulk writers
that skip the ORM (the large demo data) write the rows themselves with ``plain_text``.

On SQLite the FTS5 table ``post_fts`` follows ``post_search`` by triggers; on PostgreSQL
``post_search.document`` is a stored generated tsvector with a GIN index (migration 0025). Who may read what
is ``permissions.visible_spaces``, applied in the search's own statement (whatever narrowing the caller asks
for), so a member never sees a word of a space they may not read.
"""
import html as html_lib
import re
from dataclasses import dataclass
from datetime import datetime

from markupsafe import Markup, escape
from sqlalchemy import ForeignKey, Integer, Text, delete, event, func, inspect, literal, select, text, union_all
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.orm import Session as OrmSession

from copractice.community.models import Post, Space, Topic
from copractice.extensions import db

MAX_WORDS = 12  # more words than this are not searched for (every one must match anyway)
PER_PAGE = 20
MAX_COUNTED = 200  # "more than 200 posts" (10 pages): counting further costs more than anyone reads


class PostSearch(db.Model):
    """What the text search reads: one row per published post (see the module's docstring and migration 0025)."""

    __tablename__ = "post_search"

    post_id: Mapped[int] = mapped_column(ForeignKey("post.id", ondelete="CASCADE"), primary_key=True)
    topic_id: Mapped[int] = mapped_column(ForeignKey("topic.id", ondelete="CASCADE"), index=True)
    space_id: Mapped[int] = mapped_column(ForeignKey("space.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(Text, default="")  # the topic's title on its first post, else ""
    body: Mapped[str] = mapped_column(Text, default="")  # the post's plain text, without what it quotes


# Schema objects migration 0025 makes that the models do not describe: SQLite's FTS5 table (and its shadow
# tables), PostgreSQL's stored tsvector column post_search.document, its GIN index and a partial one over first posts.
OUTSIDE_MODELS = {"ix_post_search_document", "ix_post_search_titled"}


def outside_models(obj, name, type_, reflected, compare_to):
    """Alembic include_object filter: the library's search objects and these are left out."""
    from copractice.library.search import outside_models as library_outside_models

    if type_ == "column" and name == "document" and getattr(obj, "table", None) is not None \
            and obj.table.name == "post_search":
        return False
    if name in OUTSIDE_MODELS or (name or "").startswith("post_fts"):
        return False
    return library_outside_models(obj, name, type_, reflected, compare_to)


# -- what is indexed -----------------------------------------------------------------------------------------------

_QUOTES = re.compile(r"<blockquote\b.*?</blockquote>", re.S | re.I)
_TAGS = re.compile(r"<[^>]+>")
_SPACES = re.compile(r"\s+")


def plain_text(html):
    """The words a post says itself: its sanitised HTML without tags and without the posts it quotes."""
    text_ = _TAGS.sub(" ", _QUOTES.sub(" ", html or ""))
    return _SPACES.sub(" ", html_lib.unescape(text_)).strip()


def words(query):
    """The searchable words of what someone typed: letters and digits only, lower case, at most MAX_WORDS."""
    found = re.findall(r"[^\W_]+", (query or "")[:1000].lower())
    return list(dict.fromkeys(found))[:MAX_WORDS]


# -- keeping the rows up to date -----------------------------------------------------------------------------------

_POST_FIELDS = ("status", "html", "body", "topic_id", "number", "topic")


def _changed(obj, fields):
    attrs = inspect(obj).attrs
    return any(name in attrs and attrs[name].history.has_changes() for name in fields)


def _write_rows(connection, post_ids, topic_ids):
    """Write the search rows of these posts again (published ones only) and move the rows of these topics
    (their title and space)."""
    if post_ids:
        connection.execute(delete(PostSearch).where(PostSearch.post_id.in_(sorted(post_ids))))
        rows = connection.execute(
            select(Post.id, Post.topic_id, Post.number, Post.html, Topic.space_id, Topic.title)
            .join(Topic, Topic.id == Post.topic_id)
            .where(Post.id.in_(sorted(post_ids)), Post.status == "published")).all()
        if rows:
            connection.execute(PostSearch.__table__.insert(), [
                {"post_id": row.id, "topic_id": row.topic_id, "space_id": row.space_id,
                 "title": row.title if row.number == 1 else "", "body": plain_text(row.html)} for row in rows])
    for topic_id in sorted(topic_ids):
        topic = connection.execute(select(Topic.title, Topic.space_id).where(Topic.id == topic_id)).first()
        if topic is None:
            continue
        connection.execute(PostSearch.__table__.update()
                           .where(PostSearch.topic_id == topic_id, PostSearch.space_id != topic.space_id)
                           .values(space_id=topic.space_id))
        first = select(Post.id).where(Post.topic_id == topic_id, Post.number == 1).scalar_subquery()
        connection.execute(PostSearch.__table__.update()
                           .where(PostSearch.post_id == first, PostSearch.title != topic.title)
                           .values(title=topic.title))


@event.listens_for(OrmSession, "after_flush")
def _after_flush(session, _flush_context):
    """Every flush that writes a post or a topic writes their search rows in the same transaction."""
    post_ids, topic_ids, gone = set(), set(), set()
    for obj in session.new:
        if isinstance(obj, Post):
            post_ids.add(obj.id)
    for obj in session.dirty:
        if isinstance(obj, Post) and _changed(obj, _POST_FIELDS):
            post_ids.add(obj.id)
        elif isinstance(obj, Topic) and _changed(obj, ("title", "space_id", "space")):
            topic_ids.add(obj.id)
    for obj in session.deleted:
        if isinstance(obj, Post):
            gone.add(obj.id)
    if not (post_ids or topic_ids or gone):
        return
    connection = session.connection()
    if gone:
        connection.execute(delete(PostSearch).where(PostSearch.post_id.in_(sorted(gone))))
    _write_rows(connection, post_ids - gone, topic_ids)


def reindex_all():
    """Write every search row again from the posts (after a bulk change that skipped the ORM); returns how many."""
    connection = db.session.connection()
    connection.execute(delete(PostSearch))
    ids = db.session.scalars(select(Post.id).where(Post.status == "published").order_by(Post.id)).all()
    for start in range(0, len(ids), 5000):
        _write_rows(connection, ids[start:start + 5000], ())
    return len(ids)


# -- searching -----------------------------------------------------------------------------------------------------

def _postgres():
    return db.session.get_bind().dialect.name == "postgresql"


def _tier(terms, title_match):
    """The posts whose row matches every word and (``title_match``) has one of them in its title, or (not) has
    none: a subquery (post_id, space_id), to read newest first.

    On SQLite an FTS5 expression (each word quoted: FTS5 reads it as a word, never as AND/OR/NEAR or a prefix);
    on PostgreSQL the stored tsvector, whose title words are weighted 'A'. Read in post order (newest first),
    both stop at the page's last row instead of ranking every match."""
    if _postgres():
        every = "s.document @@ plainto_tsquery('english', :every)"
        # Words are letters and digits only (``words``), so quoting each in the tsquery is safe.
        in_title = "s.document @@ to_tsquery('english', :in_title)"
        # Title matches are few (only a topic's first post has a title): found through the partial GIN index
        # over first posts (ix_post_search_titled), fenced off (OFFSET 0) so the planner does not walk every
        # post newest first looking for them.
        statement = text(
            f"SELECT s.post_id, s.space_id FROM post_search AS s WHERE s.title <> '' AND {every} AND {in_title} "
            "OFFSET 0" if title_match else
            f"SELECT s.post_id, s.space_id FROM post_search AS s WHERE {every} AND NOT {in_title}").bindparams(
            every=" ".join(terms), in_title=" | ".join(f"'{term}':A" for term in terms))
    else:
        every = " AND ".join(f'"{term}"' for term in terms)
        in_title = "{title} : (" + " OR ".join(f'"{term}"' for term in terms) + ")"
        name = "in_title" if title_match else "not_in_title"  # one name a tier: both go in one statement
        statement = text(f"SELECT f.rowid AS post_id, s.space_id FROM post_fts AS f "
                         f"JOIN post_search AS s ON s.post_id = f.rowid WHERE post_fts MATCH :{name}").bindparams(
            **{name: f"({every}) {'AND' if title_match else 'NOT'} {in_title}"})
    return statement.columns(post_id=Integer, space_id=Integer).subquery("title_hits" if title_match else "text_hits")


def _visible(tier, member, space_ids):
    """``tier``'s posts that ``member`` may read (in ``space_ids`` when given), newest first."""
    from copractice.permissions import visible_spaces

    query = select(tier.c.post_id).join(Space, Space.id == tier.c.space_id).where(visible_spaces(member))
    if space_ids is not None:
        query = query.where(tier.c.space_id.in_(sorted(space_ids)))
    return query.order_by(tier.c.post_id.desc())


@dataclass
class Found:
    """One post found: what the results list shows."""

    post_id: int
    number: int
    topic_id: int
    topic_title: str
    space_slug: str
    space_name: str
    author_name: str
    posted_at: datetime
    snippet: Markup  # safe HTML: the words around the first searched word, the searched words marked


@dataclass
class Results:
    terms: list
    items: list
    total: int  # at most MAX_COUNTED + 1 ("more than")
    page: int
    per_page: int

    @property
    def more_than(self):
        return self.total > MAX_COUNTED

    @property
    def pages(self):
        return max(1, -(-min(self.total, MAX_COUNTED) // self.per_page))

    @property
    def has_prev(self):
        return self.page > 1

    @property
    def has_next(self):
        return self.page < self.pages

    @property
    def prev_num(self):
        return self.page - 1

    @property
    def next_num(self):
        return self.page + 1


def readable_spaces(member):
    """The spaces ``member`` may read, by name: [(id, slug, name, archived)]."""
    from copractice.permissions import visible_spaces

    return db.session.execute(select(Space.id, Space.slug, Space.name, Space.archived_at.is_not(None))
                              .where(visible_spaces(member)).order_by(Space.name, Space.id)).all()


def search(member, query, space_ids=None, page=1, per_page=PER_PAGE):
    """The published posts ``member`` may read (``permissions.visible_spaces``, in the same statements), in
    ``space_ids`` when given, that match every word of ``query``: first those with a word in their topic's title
    (a topic's first post), then the others, each newest first; ``per_page`` a page.

    Two statements whatever the data: how many match in each tier (each counted up to MAX_COUNTED + 1, reading
    no further), and the page's rows with their topic, space and author. No words: nothing, without asking."""
    from copractice.members.models import Member

    terms = words(query)
    page = max(1, page)
    if not terms or (space_ids is not None and not space_ids):
        return Results(terms, [], 0, page, per_page)
    first, then = _visible(_tier(terms, True), member, space_ids), _visible(_tier(terms, False), member, space_ids)
    counts = db.session.execute(select(
        select(func.count()).select_from(first.limit(MAX_COUNTED + 1).subquery()).scalar_subquery(),
        select(func.count()).select_from(then.limit(MAX_COUNTED + 1).subquery()).scalar_subquery())).one()
    in_titles, total = counts[0], counts[0] + counts[1]
    offset = (page - 1) * per_page
    parts = []
    if offset < in_titles:
        parts.append(first.limit(per_page).offset(offset).subquery())
    if offset + per_page > in_titles:
        parts.append(then.limit(offset + per_page - max(offset, in_titles)).offset(max(0, offset - in_titles))
                     .subquery())
    rows = []
    if parts and offset < total:
        ids = union_all(*[select(part.c.post_id, literal(n).label("tier")) for n, part in enumerate(parts)]
                        ).subquery("found")
        rows = db.session.execute(
            select(Post.id, Post.number, Post.topic_id, Topic.title, Space.slug, Space.name, Member.name,
                   Member.erased_at, func.coalesce(Post.published_at, Post.created_at), PostSearch.body)
            .select_from(ids)
            .join(Post, Post.id == ids.c.post_id)
            .join(PostSearch, PostSearch.post_id == Post.id)
            .join(Topic, Topic.id == Post.topic_id)
            .join(Space, Space.id == Topic.space_id)
            .outerjoin(Member, Member.id == Post.author_id)
            .order_by(ids.c.tier, ids.c.post_id.desc())).all()
    items = [Found(post_id=row[0], number=row[1], topic_id=row[2], topic_title=row[3], space_slug=row[4],
                   space_name=row[5], author_name=_author(row[6], row[7]), posted_at=row[8],
                   snippet=snippet(row[9], terms)) for row in rows]
    return Results(terms, items, min(total, MAX_COUNTED + 1), page, per_page)


def _author(name, erased_at):
    from copractice.members.data_rights import ERASED_NAME

    return ERASED_NAME if erased_at is not None or not name else name


# -- snippets ------------------------------------------------------------------------------------------------------

def _stem_prefix(term):
    """A prefix that the words a stemmer would match with ``term`` start with (caring, cares, carer: "car")."""
    return term if len(term) <= 4 else term[:max(4, len(term) - 3)]


def snippet(body, terms, before=12, length=40):
    """Some words of ``body`` around the first searched word, the searched words marked: safe HTML (the text
    escaped once, then <mark> put around the words that start like a searched word)."""
    prefixes = "|".join(re.escape(_stem_prefix(term)) for term in terms)
    # Not after a letter, "&" or "#": a word's start, never inside an escaped character (&amp; &#39;).
    searched = re.compile(rf"(?<![\w&#])(?:{prefixes})\w*", re.I)
    match = searched.search(body)
    first = body.count(" ", 0, match.start()) if match else 0
    tokens = body.split(" ")
    start = max(0, first - before)
    end = min(len(tokens), start + length)
    shown = searched.sub(lambda found: f"<mark>{found.group(0)}</mark>", str(escape(" ".join(tokens[start:end]))))
    return Markup(("… " if start else "") + shown + (" …" if end < len(tokens) else ""))
