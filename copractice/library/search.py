"""Full-text search over resources: SQLite FTS5 or PostgreSQL text search, one contract.

On PostgreSQL, resource_search.document is a stored generated tsvector (migration 0007), weighting
the title above the rest. Both stem English words (FTS5's porter tokenizer; PostgreSQL's 'english' configuration), match
every word given, and rank title matches above matches in the summary, tags and authors.
"""
import re

from sqlalchemy import text

from copractice.extensions import db
from copractice.library.models import ResourceSearch

# Schema objects the migrations create for search that the models do not describe: SQLite's FTS5
# table, and PostgreSQL's stored tsvector column (resource_search.document) with its GIN index.
OUTSIDE_MODELS = {"resource_fts", "ix_resource_search_tsv", "ix_resource_search_document"}


def outside_models(obj, name, type_, reflected, compare_to):
    """Alembic include_object filter: leave out the search objects above."""
    if type_ == "column" and name == "document" and getattr(obj, "table", None) is not None \
            and obj.table.name == "resource_search":
        return False
    return name not in OUTSIDE_MODELS and not (name or "").startswith("resource_fts")


def words(query):
    """The searchable words of what someone typed (letters and digits only)."""
    return re.findall(r"\w+", (query or "").lower())[:12]


def index_resource(resource):
    """Write the text search reads for ``resource`` (the FTS index follows by trigger or expression)."""
    body = " ".join(filter(None, [resource.summary, " ".join(resource.tags), resource.authors or "",
                                  resource.plain_summary or "", resource.key_findings or ""]))
    row = db.session.get(ResourceSearch, resource.id)
    if row is None:
        db.session.add(ResourceSearch(resource_id=resource.id, title=resource.title, body=body))
    else:
        row.title, row.body = resource.title, body


def matching(query):
    """A selectable of (resource_id, rank) for the words in ``query``, best first; None when no words."""
    terms = words(query)
    if not terms:
        return None
    if db.session.get_bind().dialect.name == "postgresql":
        tsquery = " & ".join(terms)
        return text(
            "SELECT resource_id, ts_rank(document, to_tsquery('english', :q)) AS rank "
            "FROM resource_search WHERE document @@ to_tsquery('english', :q)"
        ).bindparams(q=tsquery).columns(resource_id=db.Integer, rank=db.Float)
    fts = " AND ".join(f'"{term}"' for term in terms)
    # bm25 is smaller for better matches; negate it so that bigger is better on both databases.
    return text(
        "SELECT rowid AS resource_id, -bm25(resource_fts, 10.0, 1.0) AS rank FROM resource_fts "
        "WHERE resource_fts MATCH :q"
    ).bindparams(q=fts).columns(resource_id=db.Integer, rank=db.Float)
