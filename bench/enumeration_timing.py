"""Can registration or password reset tell a known address from a new one by time? (issue 11, point 5)

Posts the real forms through Flask's test client, with the site's real argon2id cost (development
settings), on a throw-away SQLite file, and prints the median time of each path side by side
(a known and a new address are posted in turn, so a busy machine slows both alike):

    .venv/bin/python bench/enumeration_timing.py [--rounds 40]

Mail is only queued (MAIL_DELIVER_ON_COMMIT off): delivery belongs to another process, so the
figures are what a request itself does. Rate limits and CSRF are off so the loop can run.
Timings depend on the machine; this is never part of `make test`.
"""
import argparse
import os
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from flask_migrate import upgrade  # noqa: E402

from copractice import create_app  # noqa: E402
from copractice.extensions import db  # noqa: E402
from copractice.members.models import Member  # noqa: E402
from copractice.security import hash_password  # noqa: E402
from copractice.timeutil import utcnow  # noqa: E402

KNOWN = "known@example.org"
PASSWORD = "teapot lantern river"


def registration(email):
    return {"name": "Bench Person", "email": email, "stakeholder_type": "carer", "area": "surrey",
            "password": PASSWORD, "confirm": PASSWORD}


def timed_post(client, url, data):
    started = time.perf_counter()
    response = client.post(url, data=data)
    elapsed = (time.perf_counter() - started) * 1000
    assert response.status_code == 200, (url, response.status_code)
    return elapsed


def medians(client, url, known_data, new_data, rounds):
    """Median ms of (known, new), the two taken in turn so a busy machine slows both alike."""
    known, new = [], []
    for n in range(rounds):
        known.append(timed_post(client, url, known_data(n)))
        new.append(timed_post(client, url, new_data(n)))
    return statistics.median(known), statistics.median(new)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=40)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        app = create_app({
            "ENV_NAME": "development", "DATABASE_URL": f"sqlite:///{folder}/bench.sqlite3",
            "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False, "MAIL_DELIVER_ON_COMMIT": False,
            "HTTP_CACHE_SECONDS": 0,
        })
        with app.app_context():
            upgrade(revision="heads")
            db.session.add(Member(email=KNOWN, name="Known Person", stakeholder_type="carer", area="surrey",
                                  password_hash=hash_password(PASSWORD), email_verified_at=utcnow()))
            db.session.commit()
        client = app.test_client()
        rounds = args.rounds
        # Warm up both paths (first-request imports, template compilation).
        medians(client, "/register", lambda n: registration(KNOWN), lambda n: registration(f"warm{n}@example.org"), 3)
        medians(client, "/password/forgot", lambda n: {"email": KNOWN}, lambda n: {"email": f"w{n}@example.org"}, 3)
        rows = [
            ("register", *medians(client, "/register", lambda n: registration(KNOWN),
                                  lambda n: registration(f"new{n}@example.org"), rounds)),
            ("forgot password", *medians(client, "/password/forgot", lambda n: {"email": KNOWN},
                                         lambda n: {"email": f"nobody{n}@example.org"}, rounds)),
        ]
        with app.app_context():
            db.engine.dispose()
    print(f"median of {rounds} requests, ms        known address   new address")
    for name, known, new in rows:
        print(f"{name:<36}{known:>13.1f}{new:>14.1f}")


if __name__ == "__main__":
    main()
