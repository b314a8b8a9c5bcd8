"""Named expensive pieces of pages kept with Flask-Caching, each under the generations of the entities it is built from.

A piece (the catalogue's ordering, a theme's most-used resources) is kept under a key made of its name, what
it was asked for, and the current generation token of every entity it reads ("catalogue", "theme:dementia").
An operation that changes an entity calls :func:`changed`; the entity gets a new token at once and again
when the transaction commits (so a reader that built the piece from the old rows in between cannot keep it
under the new token), and every piece built from it is missed from then on. Pieces built from other entities
stay: a check-in or a download changes none of the catalogue's entities.

One window stays: on SQLite a request reads from the snapshot of its first statement, so a request that began
just before a write committed, and asks for the token just after, can keep a piece built from the old rows
under the new token, until it expires (``CACHE_DEFAULT_TIMEOUT``) or the entity changes again. PostgreSQL
(read committed) reads each statement afresh, so there the window is closed.

Only a shared cache keeps pieces (``CACHE_TYPE = "RedisCache"``); the in-process ``SimpleCache`` keeps them only
with ``PIECES_IN_PROCESS`` set, for a site served by one process. With ``CACHE_TYPE = "NullCache"`` nothing is kept and no key is worked out: every piece is built each time.
"""
import hashlib
import json
import logging
import secrets

from flask import current_app, has_app_context
from flask_caching.backends import NullCache, SimpleCache
from sqlalchemy import event
from sqlalchemy.orm import Session

from copractice.extensions import cache, db

_STALE = "copractice_changed_entities"
_PREFIX = "generation:"
log = logging.getLogger(__name__)


def enabled():
    """Pieces are kept only in a cache every process shares (Redis): a change made in one worker must reach the
    others at once. The in-process default is used only where one process serves the site and says so
    (``PIECES_IN_PROCESS``): with several workers each would keep its own pieces and miss the others' changes."""
    if not has_app_context() or isinstance(cache.cache, NullCache):
        return False
    return not isinstance(cache.cache, SimpleCache) or current_app.config.get("PIECES_IN_PROCESS", False)


def backend():
    """The cache's backend itself (for callers outside an application context, such as pool events)."""
    return cache.cache


def plugins_state():
    """What the plugins' switches are: part of every key of something a plugin can change."""
    from copractice.plugins import get_plugins

    return get_plugins().state_key()


def renew(backend, entities, timeout=0):
    """New tokens for these entities: what was kept under the old ones is missed from now on. One round trip, and
    no error when another worker asks for a token at the same moment (cachelib's ``delete_many`` checks each key
    afterwards and raises when one is back). ``timeout``: the tokens go after so many seconds (0: never); what
    was kept under a token that has gone is missed, so a token may go any time."""
    backend.set_many({_PREFIX + entity: secrets.token_hex(8) for entity in entities}, timeout=timeout)


def current(*entities):
    """The current token of each entity as it is, None for one that has none yet (one read)."""
    return list(cache.get_many(*(_PREFIX + entity for entity in entities)))


def generations(*entities, timeout=lambda entity: 0):
    """The current token of each entity (a new one for an entity nobody has asked about since it changed, lasting
    ``timeout(entity)`` seconds, 0: for ever)."""
    keys = [_PREFIX + entity for entity in entities]
    tokens = current(*entities)
    for i, token in enumerate(tokens):
        if token is None:
            token = secrets.token_hex(8)
            if not cache.add(keys[i], token, timeout=timeout(entities[i])):  # another worker made one first: theirs
                token = cache.get(keys[i]) or token
            tokens[i] = token
    return tokens


def remember(name, parts, entities, build, still_good=None):
    """The piece ``name`` for ``parts`` (JSON-able), built by ``build()`` when it is not kept under the current
    generations of ``entities``, or when ``still_good(piece)`` says it has run out (the clock moved past it)."""
    if not enabled():
        return build()
    from copractice.kept_pages import note

    note(*entities)  # a page kept with this piece on it is missed when the piece is
    tag = json.dumps([parts, generations(*entities)], default=str, sort_keys=True)
    key = f"{name}:{hashlib.sha256(tag.encode()).hexdigest()[:32]}"
    piece = cache.get(key)
    if piece is None or still_good is not None and not still_good(piece):
        piece = build()
        cache.set(key, piece)
    return piece


def changed(*entities, session=None):
    """An operation changed these entities: forget every piece built from them, now and once it commits."""
    if not entities:
        return
    (session or db.session()).info.setdefault(_STALE, set()).update(entities)
    if enabled():
        _renew_or_log(entities)


@event.listens_for(Session, "after_commit")
def _forget_after_commit(session):
    entities = session.info.pop(_STALE, None)
    if entities and enabled():
        _renew_or_log(entities)


def _renew_or_log(entities):
    """A cache that has gone away must not undo (or, after the commit, seem to undo) the work that changed the
    entities: the failure is logged, and pieces built before it last at most ``CACHE_DEFAULT_TIMEOUT``."""
    try:
        renew(cache.cache, entities)
    except Exception:  # noqa: BLE001  (Redis down, slow or full)
        log.exception("pieces: could not renew %s", sorted(entities))


@event.listens_for(Session, "after_rollback")
def _nothing_changed_after_rollback(session):
    if not session.in_nested_transaction():
        session.info.pop(_STALE, None)
