"""Limits on guesses that are not whole requests: wrong check-in codes, per member and per session.

Counted in Flask-Limiter's storage (RATELIMIT_STORAGE_URI), so with Redis every worker shares the
counts. Only wrong guesses count: a member who checks in at the first try spends nothing.
"""
from flask import current_app
from limits import parse

from copractice.extensions import limiter


class Budget:
    """A number of failures allowed per key in a window, from a setting like "10 per 10 minutes"."""

    def __init__(self, setting, scope):
        self.setting = setting
        self.scope = scope

    def _limit(self):
        return parse(current_app.config[self.setting])

    def _on(self):
        return limiter.enabled and current_app.config.get("RATELIMIT_ENABLED", True)

    def exhausted(self, key):
        """True when ``key`` has used up its failures for now."""
        return self._on() and not limiter.limiter.test(self._limit(), "copractice", self.scope, str(key))

    def spend(self, key):
        """Count one failure for ``key``."""
        if self._on():
            limiter.limiter.hit(self._limit(), "copractice", self.scope, str(key))


CHECKIN_PER_MEMBER = Budget("CHECKIN_LIMIT_PER_MEMBER", "checkin-member")
CHECKIN_PER_SESSION = Budget("CHECKIN_LIMIT_PER_SESSION", "checkin-session")


def checkin_blocked(member, sessions):
    """Why this member may not try a code now (plain English), or None."""
    if CHECKIN_PER_MEMBER.exhausted(member.id):
        return ("You have typed too many wrong codes. Please wait 10 minutes and try again, "
                "or ask the facilitator to mark you present.")
    if sessions and all(CHECKIN_PER_SESSION.exhausted(s.id) for s in sessions):
        return ("Too many wrong codes have been typed for this session. "
                "Please ask the facilitator to mark you present.")
    return None


def checkin_failed(member, sessions):
    """Count one wrong code against the member and every session it was tried on."""
    CHECKIN_PER_MEMBER.spend(member.id)
    for session in sessions:
        CHECKIN_PER_SESSION.spend(session.id)
