"""Input nobody types by accident is dealt with at the door, so bad input never reaches the database as a 500.

- A NUL byte in the address or the query string, or an address or query string that is not UTF-8
  (overlong forms and lone surrogates included), gets the 400 page: there is no form to explain it beside.
- A NUL byte in a form field becomes U+FFFD (the "unknown character" sign), as bytes that are not UTF-8
  already do, so the form says what is wrong beside the field instead of PostgreSQL refusing the text.
  No one types a NUL; this only keeps crafted requests from turning into errors. Single-line fields
  refuse U+FFFD (copractice.forms.SingleLine); in long free text it is kept as the sign it is.
- Whole numbers in addresses (``<int:...>``) stop at the largest id a table can hold (2^31 - 1): beyond it
  the address matches nothing (404) instead of overflowing the database driver.
- ``page_arg`` and ``year_arg`` read page and year numbers from the query string within sensible bounds.
"""
from urllib.parse import unquote_to_bytes

from flask import abort, request
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.routing import IntegerConverter

# The largest value of a 32-bit signed INTEGER column, which every id column is.
MAX_ID = 2**31 - 1
# Further than anyone will page through; small enough that page x per_page stays far inside 64 bits.
MAX_PAGE = 100_000
YEARS = (1000, 9999)


class BoundedIntegerConverter(IntegerConverter):
    """Werkzeug's ``int`` converter, capped at MAX_ID unless a route asks for another bound."""

    def __init__(self, map, fixed_digits=0, min=None, max=None, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=MAX_ID if max is None else max, signed=signed)


def _utf8(wsgi_string, *, unquote=False):
    """Whether a WSGI string (bytes carried as latin-1) is UTF-8, after decoding percent-escapes if asked."""
    try:
        raw = wsgi_string.encode("latin-1")
        (unquote_to_bytes(raw) if unquote else raw).decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return False
    return True


def _has_nul(multidict):
    return any("\x00" in key or "\x00" in value for key, value in multidict.items(multi=True))


def refuse_unreadable_input():
    """Before anything else reads the request (CSRF included): 400 for an unreadable address, no NUL in forms."""
    environ = request.environ
    raw_uri = environ.get("RAW_URI") or environ.get("REQUEST_URI")  # as sent, before any decoding
    if raw_uri is not None:
        readable = _utf8(raw_uri, unquote=True)
    else:
        readable = _utf8(environ.get("PATH_INFO", "")) and _utf8(environ.get("QUERY_STRING", ""), unquote=True)
    if not readable:
        abort(400)
    if "\x00" in request.path or _has_nul(request.args):
        abort(400)
    if request.method in ("POST", "PUT", "PATCH", "DELETE"):
        if any("\x00" in (f.filename or "") for f in request.files.values()):
            abort(400)
        if _has_nul(request.form):
            # Werkzeug's cached request.form can be replaced; everything after this (CSRF, forms, views) reads this one.
            request.form = ImmutableMultiDict([(key.replace("\x00", "\ufffd"), value.replace("\x00", "\ufffd"))
                                               for key, value in request.form.items(multi=True)])


def init_inputs(app):
    """Cap ``<int:...>`` URL parts and refuse unreadable input; call before extensions and blueprints."""
    app.url_map.converters["int"] = BoundedIntegerConverter
    app.before_request(refuse_unreadable_input)


def _int(text):
    text = (text or "").strip()
    if not text.isascii() or not text.lstrip("-").isdigit() or len(text) > 12:
        return None  # not a whole number written in digits, or longer than any bound here
    return int(text)


def page_arg(name="page"):
    """The page number in the query string: 1 if missing or not a number, never below 1 or above MAX_PAGE."""
    value = _int(request.args.get(name))
    if value is None or value < 1:
        return 1
    return min(value, MAX_PAGE)


def year_arg(name="year"):
    """The year in the query string as an int, or None if missing or not a plausible year."""
    value = _int(request.args.get(name))
    return value if value is not None and YEARS[0] <= value <= YEARS[1] else None

