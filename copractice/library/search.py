"""Full-text search over resources: SQLite FTS5 or PostgreSQL text search, one contract.

On PostgreSQL, resource_search.document is a stored generated tsvector (migration 0007), weighting
the title above the rest. Both stem English words (FTS5's porter tokenizer; PostgreSQL's 'english' configuration), match
every word given, and rank title matches above matches in the summary, tags and authors.

Each search row also keeps its resource's keys (migration 0016): what the facets count and the filters
and visibility rules test. So a search with facets finds its rows once, in one table (on PostgreSQL in one
GIN index over the words and the keys), and counts every facet from those rows' keys.
"""
import re

from sqlalchemy import bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.types import Text

from copractice.extensions import db
from copractice.library.models import ResourceSearch

# Schema objects the migrations create for search that the models do not describe: SQLite's FTS5
# table, and PostgreSQL's stored tsvector column (resource_search.document) with its GIN index.
OUTSIDE_MODELS = {"resource_fts", "ix_resource_search_tsv", "ix_resource_search_document", "ix_resource_search_match"}


def outside_models(obj, name, type_, reflected, compare_to):
    """Alembic include_object filter: leave out the search objects above."""
    if type_ == "column" and name == "document" and getattr(obj, "table", None) is not None \
            and obj.table.name == "resource_search":
        return False
    return name not in OUTSIDE_MODELS and not (name or "").startswith("resource_fts")


def words(query):
    """The searchable words of what someone typed (letters and digits only)."""
    return re.findall(r"\w+", (query or "").lower())[:12]


def keys_for(resource):
    """The search row's keys of ``resource``: its facet values and, once published, who may see it.

    ``shown:public`` / ``shown:members`` for its visibility, ``shown:theme:<slug>`` per theme when only
    people taking part in its themes may see it, and ``published`` (admins see every published one).
    Migration 0016 backfills the same keys in SQL.
    """
    keys = [f"type:{resource.type}"]
    keys += [f"format:{resource.format}"] if resource.format else []
    keys += [f"year:{resource.year}"] if resource.year is not None else []
    keys += [f"theme:{slug}" for slug in resource.themes] + [f"audience:{who}" for who in resource.audience]
    if resource.status == "published":
        keys.append("published")
        if resource.visibility == "theme":
            keys += [f"shown:theme:{slug}" for slug in resource.themes]
        else:
            keys.append(f"shown:{resource.visibility}")
    return keys


def index_resource(resource):
    """Write the text and keys search reads for ``resource`` (the FTS index follows by trigger or expression)."""
    body = " ".join(filter(None, [resource.summary, " ".join(resource.tags), resource.authors or "",
                                  resource.plain_summary or "", resource.key_findings or ""]))
    keys = keys_for(resource)
    row = db.session.get(ResourceSearch, resource.id)
    if row is None:
        db.session.add(ResourceSearch(resource_id=resource.id, title=resource.title, body=body, keys=keys))
    else:
        row.title, row.body, row.keys = resource.title, body, keys


# -- one match, read by the page and the facet counts -------------------------------------------------------------

def _postgres():
    return db.session.get_bind().dialect.name == "postgresql"


def _hits(query, required, any_of):
    """The search rows ``s`` that match the words and have every ``required`` key and one of ``any_of`` (when
    given): (FROM, WHERE, a rank expression or None without words, bound parameters)."""
    terms = words(query)
    params = {"required": list(required)} if required else {}
    if _postgres():
        where = (["s.keys @> :required"] if required else []) + (["s.keys && :any_of"] if any_of else [])
        source, rank = "resource_search AS s", None
        if terms:
            params["q"] = " & ".join(terms)
            where.insert(0, "s.document @@ to_tsquery('english', :q)")
            rank = "ts_rank(s.document, to_tsquery('english', :q))"
    else:
        where = [f"EXISTS (SELECT 1 FROM json_each(s.keys) WHERE value = :required_{i})" for i in range(len(required))]
        params = {f"required_{i}": key for i, key in enumerate(required)}
        if any_of:
            where.append("EXISTS (SELECT 1 FROM json_each(s.keys) WHERE value IN :any_of)")
        source, rank = "resource_search AS s", None
        if terms:
            params["q"] = " AND ".join(f'"{term}"' for term in terms)
            source = "resource_fts JOIN resource_search AS s ON s.resource_id = resource_fts.rowid"
            where.insert(0, "resource_fts MATCH :q")
            # bm25 is smaller for better matches; negate it so that bigger is better on both databases.
            rank = "-bm25(resource_fts, 10.0, 1.0)"
    if any_of:
        params["any_of"] = list(any_of)
    return source, " AND ".join(where) or "1 = 1", rank, params


def _bind(statement, params):
    binds = []
    if "required" in params:
        binds.append(bindparam("required", type_=ARRAY(Text)))
    if "any_of" in params:
        binds.append(bindparam("any_of", type_=ARRAY(Text)) if _postgres() else bindparam("any_of", expanding=True))
    return text(statement).bindparams(*binds, **params)


LISTED = "r.id, r.slug, r.title, r.summary, r.type, r.year, r.format"  # what the results list shows
NO_ROW = "CAST(NULL AS TEXT) AS key, CAST(NULL AS BIGINT) AS n"  # a page row has no key count
NO_COUNT = ", ".join(["NULL"] * 8)  # a count row has no page columns


def find_rows(query, required, any_of, limit, offset, counts=True):
    """One statement for a page of results and (with ``counts``) the key counts of every matching row:
    ([(key, rows having it)] or None, [the page's rows: id, slug, title, summary, type, year, format]).

    With words, the matching rows are found and ranked once (a materialised CTE; on PostgreSQL one GIN
    scan over the words and the keys); the counts unnest their keys and the page takes the best of them.
    Without words the page is the newest changes first, found by walking resource.updated_at, and the
    counts read the search rows that have the keys.
    """
    source, where, rank, params = _hits(query, required, any_of)
    params.update(limit=limit, offset=offset)
    # Both kinds of row share the columns: key, n (a count) | sort, the listed columns (a page row).
    if rank is not None:
        statement = (f"WITH hits AS MATERIALIZED (SELECT s.resource_id, s.keys, {rank} AS rank FROM {source} "
                     f"WHERE {where}) SELECT {NO_ROW}, found.rank AS sort, {LISTED} FROM (SELECT resource_id, rank "
                     "FROM hits ORDER BY rank DESC, resource_id LIMIT :limit OFFSET :offset) AS found "
                     "JOIN resource AS r ON r.id = found.resource_id")
        counted, counted_where = "hits AS s", ""
    else:
        statement = (f"SELECT * FROM (SELECT {NO_ROW}, r.updated_at AS sort, {LISTED} FROM {source} "
                     f"JOIN resource AS r ON r.id = s.resource_id WHERE {where} "
                     "ORDER BY r.updated_at DESC, r.id DESC LIMIT :limit OFFSET :offset) AS page")
        counted, counted_where = source, f" WHERE {where}"
    if counts and _postgres():
        statement += (f" UNION ALL SELECT k, count(*), {NO_COUNT} FROM (SELECT unnest(s.keys) AS k FROM {counted}"
                      f"{counted_where}) AS hit_keys GROUP BY k")
    elif counts:
        statement += (f" UNION ALL SELECT key.value, count(*), {NO_COUNT} FROM {counted}, json_each(s.keys) AS key"
                      f"{counted_where} GROUP BY key.value")
    rows = db.session.execute(_bind(statement, params)).all()
    page = sorted((row for row in rows if row[0] is None),
                  key=(lambda row: (-row[2], row[3])) if rank is not None else (lambda row: (row[2], row[3])),
                  reverse=rank is None)  # best first, then by id; or newest change first
    found = [(row[0], row[1]) for row in rows if row[0] is not None] if counts else None
    return found, [tuple(row[3:]) for row in page]
