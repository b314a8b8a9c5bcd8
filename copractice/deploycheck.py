"""Settings that are unsafe for a public site: checked at start (warnings) and by `copractice check`.

Each problem is one plain sentence saying what is wrong and what to set.
"""
import logging
import os
import shlex
import sys

log = logging.getLogger("copractice.deploy")


def _workers_from_args(args):
    for index, arg in enumerate(args):
        for flag in ("--workers", "-w"):
            if arg == flag and index + 1 < len(args):
                return args[index + 1]
            if arg.startswith(flag + "=") or (flag == "-w" and arg.startswith("-w") and arg[2:].isdigit()):
                return arg.split("=", 1)[1] if "=" in arg else arg[2:]
    return None


def detect_workers(config, argv=None, environ=None):
    """How many processes serve the site: WORKERS, else gunicorn's --workers or WEB_CONCURRENCY, else 1."""
    argv = sys.argv if argv is None else argv
    environ = os.environ if environ is None else environ
    found = config.get("WORKERS")
    if found is None and argv and os.path.basename(argv[0]).startswith("gunicorn"):
        found = _workers_from_args(argv[1:]) or _workers_from_args(shlex.split(environ.get("GUNICORN_CMD_ARGS", "")))
        if found is None:
            found = environ.get("WEB_CONCURRENCY")
    try:
        return max(1, int(found)) if found is not None else 1
    except (TypeError, ValueError):
        return 1


def problems(config, workers=1):
    """Return a list of sentences, one per unsafe setting (empty when all is well)."""
    from config import DEV_SECRET_KEY, Config

    found = []
    storage = str(config.get("RATELIMIT_STORAGE_URI") or "memory://")
    if storage.startswith("memory://") and workers > 1:
        found.append(
            f"Rate limits are kept in memory (RATELIMIT_STORAGE_URI=memory://) but {workers} workers serve the "
            "site: each counts on its own, so every limit is multiplied. Set "
            "COPRACTICE_RATELIMIT_STORAGE_URI=redis://127.0.0.1:6379 (shared by all workers).")
    if not config.get("BASE_URL") or config.get("BASE_URL") == Config.BASE_URL:
        found.append("BASE_URL is not set to the site's public address, so links in email would point at "
                     f"{Config.BASE_URL}. Set COPRACTICE_BASE_URL, for example https://copractice.example.org")
    key = config.get("SECRET_KEY")
    if not key or key == DEV_SECRET_KEY or len(str(key)) < 32:
        found.append("SECRET_KEY is the development key or too short. Set COPRACTICE_SECRET_KEY to a random value "
                     "of at least 32 characters (python -c 'import secrets; print(secrets.token_hex(32))').")
    if str(config.get("JOBS_URL") or "").startswith("memory://"):
        found.append("Background jobs are kept in one process's memory (JOBS_URL=memory://), where `copractice worker` "
                     "never sees them, so email waits for the minute's sweep. Leave COPRACTICE_JOBS_URL unset "
                     "(a SQLite file, one server) or set it to redis://... shared by every server.")
    if not int(config.get("TRUSTED_PROXIES") or 0):
        found.append("TRUSTED_PROXIES is 0: if nginx or another proxy is in front of the site, every visitor "
                     "shares its address and one person's failed logins lock everyone out. Behind one proxy, "
                     "set COPRACTICE_TRUSTED_PROXIES=1 (see docs/deployment.md). Ignore this if nothing is in front.")
    return found


# Problems that only say "check this" rather than "this is wrong".
HINTS = ("TRUSTED_PROXIES is 0",)


def is_hint(problem):
    return problem.startswith(HINTS)


def warn_at_start(app):
    """Production: say loudly, in the log and on stderr, what is unsafe (the hint is left to `copractice check`)."""
    for problem in problems(app.config, detect_workers(app.config)):
        if is_hint(problem):
            continue
        message = "WARNING (copractice): " + problem
        log.warning(message)
        print("\n" + "!" * 78 + "\n" + message + "\n" + "!" * 78 + "\n", file=sys.stderr)
