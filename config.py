"""Configuration classes for copractice.

Every setting can be overridden from the environment with a ``COPRACTICE_`` prefix
(``COPRACTICE_MAIL_SERVER=smtp.example.org``); values that parse as JSON are read as
JSON, so ``COPRACTICE_MAIL_PORT=587`` is a number. The database comes from
``COPRACTICE_DATABASE_URL``; without it, a SQLite file in the instance folder is used.
Choose the class with ``COPRACTICE_ENV`` (development, testing, production).
"""
import os

# The key a development checkout runs with. Production refuses to start with it.
DEV_SECRET_KEY = "dev-only-secret-key-change-me"


class Config:
    """Settings shared by every environment."""

    ENV_NAME = "base"
    SECRET_KEY = DEV_SECRET_KEY
    SERVICE_NAME = "copractice"
    # The site's public address. Every link that leaves the site (email, calendar files, certificates,
    # QR codes) is built from it (copractice.urls), never from the request's Host header.
    BASE_URL = "http://127.0.0.1:5000"
    # None means "a SQLite file in the instance folder", filled in by create_app.
    DATABASE_URL = None
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}

    # Mail: messages go to the outbox table first, then to this SMTP server.
    MAIL_SERVER = "localhost"
    MAIL_PORT = 25
    MAIL_USE_TLS = False
    MAIL_USE_SSL = False
    MAIL_USERNAME = None
    MAIL_PASSWORD = None
    MAIL_DEFAULT_SENDER = "copractice <no-reply@copractice.invalid>"
    MAIL_TIMEOUT = 10
    # Web requests only write mail to the outbox; `copractice worker` delivers it (see JOBS_URL). Without a
    # worker, `copractice send-mail --watch` (or a timer running
    # `copractice send-mail`) delivers it. The watcher looks for due mail every MAIL_POLL_SECONDS.
    MAIL_POLL_SECONDS = 5
    # A failed attempt waits MAIL_RETRY_SECONDS, then twice as long each time (at most 6 hours); after
    # MAIL_MAX_ATTEMPTS the message is marked failed and shown to admins at /admin/email.
    MAIL_RETRY_SECONDS = 60
    MAIL_MAX_ATTEMPTS = 8
    # A message claimed this long ago and never marked sent belonged to a process that died: try again
    # (with the same Message-ID, so a copy can be recognised).
    MAIL_CLAIM_TIMEOUT = 600
    # Background jobs (copractice/jobs.py, run by `copractice worker`): None keeps them in a SQLite file in
    # the instance folder (one server); redis://host:6379/0 or postgresql://... lets several servers share them.
    JOBS_URL = None
    # An idle worker looks for new jobs at least this often (seconds; Redis and PostgreSQL wake it at once).
    JOBS_POLL_SECONDS = 2
    # `copractice develop` runs a mail catcher here and saves what it receives in <instance>/mail.
    DEV_MAIL_PORT = 8025

    # Uploaded files live outside the web root. None means "<instance>/uploads".
    UPLOAD_FOLDER = None
    MAX_CONTENT_LENGTH = 25 * 1024 * 1024

    # Proxies in front of the site that set X-Forwarded-For/-Proto/-Host (nginx: 1). 0 trusts none:
    # the client's address is the connection's. Behind a proxy, 0 makes every visitor share the
    # proxy's address, so one address's limits lock everyone out. See docs/deployment.md.
    TRUSTED_PROXIES = 0
    # The Host names requests may carry. None: any in development and testing; production takes
    # BASE_URL's host (a forged Host gets 400). Flask's own setting (3.1+).
    TRUSTED_HOSTS = None
    # How many worker processes serve the site, when the server does not say (gunicorn --workers
    # and WEB_CONCURRENCY are read). Used to warn about memory:// rate limits with several workers.
    WORKERS = None

    # Rate limiting. memory:// counts per process; use redis://host:6379 for several workers.
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_ENABLED = True
    RATELIMIT_HEADERS_ENABLED = True
    LOGIN_LIMIT_PER_ADDRESS = "20 per 5 minutes"
    LOGIN_LIMIT_PER_ACCOUNT = "8 per 15 minutes"
    RESET_LIMIT_PER_ADDRESS = "10 per hour"
    RESET_LIMIT_PER_ACCOUNT = "3 per hour"
    # Wrong self check-in codes (6 digits): per member, and per session across all its members.
    CHECKIN_LIMIT_PER_MEMBER = "10 per 10 minutes"
    CHECKIN_LIMIT_PER_SESSION = "60 per 10 minutes"
    # New conversations a member may start in an hour (messages between members; counted in the database, so the
    # limit holds across every worker). Replies are not limited.
    MESSAGES_NEW_CONVERSATIONS_PER_HOUR = 10

    # Tokens sent by email (seconds).
    EMAIL_VERIFY_MAX_AGE = 7 * 24 * 3600
    PASSWORD_RESET_MAX_AGE = 2 * 3600

    # Cookies.
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = False
    REMEMBER_COOKIE_DURATION = 30 * 24 * 3600

    # argon2id cost (OWASP's minimum is m=19 MiB, t=2, p=1).
    PASSWORD_HASH_TIME_COST = 2
    PASSWORD_HASH_MEMORY_COST = 19 * 1024
    PASSWORD_HASH_PARALLELISM = 1

    # Plugins named here ("name=module" or "name=module:object") load as if installed
    # through the ``copractice`` entry-point group: handy for trying a plugin in place.
    EXTRA_PLUGINS = []
    # How long a process may keep the plugin switches it read (seconds): one query saved per request;
    # a change reaches every worker within this time.
    PLUGIN_STATE_TTL = 2
    # A plugin's page hook (nav links, stylesheets, account widgets) slower than this many milliseconds
    # is logged and recorded for the Plugins page (at most once per plugin and hook every
    # PLUGIN_SLOW_RECORD_SECONDS); after PLUGIN_SLOW_HOOK_STRIKES slow calls in a row it is paused for
    # PLUGIN_SLOW_HOOK_PAUSE seconds, so one slow plugin cannot slow every page. See copractice/slow_hooks.py.
    PLUGIN_SLOW_HOOK_MS = 50
    PLUGIN_SLOW_HOOK_STRIKES = 3
    PLUGIN_SLOW_HOOK_PAUSE = 300
    PLUGIN_SLOW_RECORD_SECONDS = 60
    # Installing plugins (copractice/plugin_install.py, docs/deployment.md "Installing plugins").
    # "off": only `copractice plugins install` at a shell. "catalogue": admins (and theme leads, with
    # PLUGIN_INSTALL_BY_THEME_LEADS) may also install, from the web, a wheel in the approved folder.
    PLUGIN_INSTALL = "off"
    PLUGIN_INSTALL_BY_THEME_LEADS = False
    # A folder of approved wheels: when set, every install (command line too) comes from it alone
    # (pip --no-index --find-links). None: the command line installs from the package index.
    PLUGIN_WHEELS = None
    # The Python whose environment plugins are installed into (None: the one running the site).
    PLUGIN_PYTHON = None
    # The web server's pidfile (gunicorn --pid): after an install it gets SIGHUP, a graceful reload.
    PLUGIN_RELOAD_PIDFILE = None
    # Seconds pip (or the check after it) may take before the install is given up.
    PLUGIN_INSTALL_TIMEOUT = 600
    # Anonymous pages and calendar feeds carry an ETag (304 on a repeat) and may be kept by a shared
    # reverse proxy for this many seconds (Cache-Control s-maxage; 0: no proxy keeps them). Pages for
    # a logged-in member are never kept by a proxy or a browser (private, no-store). See
    # copractice/http_cache.py and docs/deployment.md.
    HTTP_CACHE_SECONDS = 5
    # Flask-Caching for named expensive pieces (the library's facet counts for visitors): in-process by
    # default; set COPRACTICE_CACHE_TYPE=RedisCache and COPRACTICE_CACHE_REDIS_URL to share one between
    # servers, or NullCache to switch it off. Keys hold the data's version, so a write is never hidden.
    CACHE_TYPE = "SimpleCache"
    CACHE_DEFAULT_TIMEOUT = 300
    # The catalogue's order and a theme's most-used resources are kept only in a shared cache (RedisCache):
    # a change made through one worker must reach every worker. Set this only when one process serves the site.
    PIECES_IN_PROCESS = False
    # Where pieces are kept, a member's busiest pages (My learning, a register, a course's report, the private
    # calendar feed) are kept too, for at most this many seconds, while no table they read changes
    # (copractice/kept_pages.py). 0: never.
    KEPT_PAGE_SECONDS = 10

    # How long an offer of a place from the waiting list stays open before it passes on.
    WAITLIST_OFFER_HOURS = 48
    # Reminders go out this long before a session starts (copractice send-reminders).
    REMINDER_HOURS_BEFORE = 48
    COURSES_PER_PAGE = 12

    # Self check-in: the window around a session, how often the code changes, and how long
    # the previous code still works after it changes.
    CHECKIN_OPENS_MINUTES_BEFORE = 30
    CHECKIN_CLOSES_MINUTES_AFTER = 15
    CHECKIN_CODE_SECONDS = 60
    CHECKIN_CODE_GRACE_SECONDS = 30
    CHECKIN_LATE_AFTER_MINUTES = 10
    # Reports of surveys, evaluation, impact and payments show any count under this as "fewer than N",
    # and hide as many others as it takes to stop it being worked out from the totals.
    SUPPRESS_BELOW = 5
    # Attendance below this share is listed in the low-attendance report.
    LOW_ATTENDANCE_THRESHOLD = 0.6

    MEMBERS_PER_PAGE = 25
    AUDIT_PER_PAGE = 50
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session

    # Community (issue 14): email about a post goes out only after this many minutes, so its author can correct it
    # first; topics per page of a space, and posts per page of a topic (20, as Discourse first shows: a page of a
    # long topic stays short to read, and each post costs its page about 0.2 ms to write out).
    COMMUNITY_EDIT_WINDOW_MINUTES = 10
    COMMUNITY_TOPICS_PER_PAGE = 25
    COMMUNITY_POSTS_PER_PAGE = 20
    # Community email (issue 14 point 3): nothing about a post is mailed until this many minutes after it is
    # published, so edits made before then are what is mailed; daily digests go from this hour (UTC), weekly
    # ones from this hour on Mondays; at most this many @mentions in one post notify anyone.
    COMMUNITY_DIGEST_HOUR = 7
    COMMUNITY_MAX_MENTIONS = 10
    # The community (issue 14 point 4): a member's first this-many published posts wait for a moderator
    # (0: none wait). Young people's posts always wait (copractice/community/safety.py).
    COMMUNITY_HELD_FIRST_POSTS = 2
    # Course evaluation (issue 16 point 3): the follow-up survey goes this many days after a course's last session.
    EVALUATION_FOLLOW_UP_DAYS = 90
    # The programme's safeguarding inbox: every safeguarding concern raised on a post is copied here, besides
    # the space's safeguarding lead (None: only the lead, or the space's leads and the admins).
    SAFEGUARDING_EMAIL = None
    # Involvement of public contributors (issue 17, copractice/involvement/). Stakeholder types who are staff of
    # public bodies: they confirm the work is outside their job and in their own time before payment is offered.
    INVOLVEMENT_PUBLIC_BODY_STAKEHOLDERS = ["practitioner", "commissioner", "researcher"]
    # "Get benefits advice first": what the contributor is told, and where to get free, independent advice.
    INVOLVEMENT_BENEFITS_ADVICE_TEXT = ("Being paid for your time can affect some benefits. Before you say yes "
                                        "to payment, talk to a free, independent benefits adviser.")
    INVOLVEMENT_BENEFITS_ADVICE_URL = "https://www.citizensadvice.org.uk/benefits/"

    @classmethod
    def validate(cls, config):
        """Refuse settings that would be unsafe in this environment."""


class DevelopmentConfig(Config):
    ENV_NAME = "development"
    DEBUG = False


class TestingConfig(Config):
    ENV_NAME = "testing"
    TESTING = True
    PLUGIN_STATE_TTL = 0  # tests switch plugins and look straight away
    PLUGIN_SLOW_HOOK_MS = 60_000  # a busy test machine must not pause plugins; slow-hook tests set their own
    # A fast hasher is acceptable only here: tests create hundreds of members.
    PASSWORD_HASH_TIME_COST = 1
    PASSWORD_HASH_MEMORY_COST = 8
    MAIL_SERVER = "127.0.0.1"
    MAIL_PORT = 8025
    JOBS_URL = "memory://"  # jobs are queued and kept in the process; tests/test_jobs.py runs real workers


class ProductionConfig(Config):
    ENV_NAME = "production"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    PREFERRED_URL_SCHEME = "https"

    @classmethod
    def validate(cls, config):
        """Production must not run with the development secret key or without its address; it accepts
        only requests for BASE_URL's host unless TRUSTED_HOSTS says otherwise."""
        key = config.get("SECRET_KEY")
        if not key or key == DEV_SECRET_KEY or len(str(key)) < 32:
            raise RuntimeError(
                "Production needs its own secret key: set COPRACTICE_SECRET_KEY to a random "
                "value of at least 32 characters (python -c 'import secrets; print(secrets.token_hex(32))')."
            )
        if config.get("BASE_URL") == Config.BASE_URL:
            raise RuntimeError(
                "Production needs the site's public address for links in email: set COPRACTICE_BASE_URL, "
                "for example https://copractice.example.org"
            )
        if config.get("TRUSTED_HOSTS") is None:
            # Only the site's own name: a request with a forged Host header gets 400.
            from urllib.parse import urlsplit

            config["TRUSTED_HOSTS"] = [urlsplit(config["BASE_URL"]).hostname]


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def config_class(name=None):
    """Return the config class named by ``name`` or ``COPRACTICE_ENV`` (default development)."""
    name = (name or os.environ.get("COPRACTICE_ENV") or "development").lower()
    try:
        return CONFIGS[name]
    except KeyError:
        raise RuntimeError(f"COPRACTICE_ENV must be one of {', '.join(CONFIGS)}, not {name!r}") from None
