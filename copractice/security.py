"""Password hashing, signed email tokens, safe redirects and security headers."""
from urllib.parse import urlsplit

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer


def _hasher():
    cfg = current_app.config
    return PasswordHasher(
        time_cost=cfg["PASSWORD_HASH_TIME_COST"],
        memory_cost=cfg["PASSWORD_HASH_MEMORY_COST"],
        parallelism=cfg["PASSWORD_HASH_PARALLELISM"],
    )


def hash_password(password):
    """Return an argon2id hash of ``password``."""
    return _hasher().hash(password)


def check_password(stored_hash, password):
    """True when ``password`` matches ``stored_hash``; never raises for a bad or missing hash."""
    if not stored_hash:
        return False
    try:
        return _hasher().verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def password_needs_rehash(stored_hash):
    """True when the hash was made with other cost settings than this site's."""
    return _hasher().check_needs_rehash(stored_hash)


def _serializer(purpose):
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"copractice.{purpose}")


def make_token(purpose, payload):
    """Sign ``payload`` for one purpose (a token for one purpose is useless for another)."""
    return _serializer(purpose).dumps(payload)


def read_token(purpose, token, max_age):
    """Return the payload of a valid token, or None when it is forged, altered or too old."""
    try:
        return _serializer(purpose).loads(token, max_age=max_age)
    except (SignatureExpired, BadSignature):
        return None


def is_safe_next(target):
    """True only for a path on this site: no scheme, no host, no protocol-relative URL."""
    if not target or not isinstance(target, str):
        return False
    target = target.strip()
    if "\\" in target or any(ord(c) < 32 for c in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//")


CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def set_security_headers(response):
    """Add the headers every response carries."""
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(), interest-cohort=()")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if current_app.config.get("SESSION_COOKIE_SECURE"):
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    return response
