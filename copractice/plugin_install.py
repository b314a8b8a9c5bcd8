"""Installing plugins without a shell, safely (``copractice plugins install`` and the approved catalogue).

An install has four steps, each of which can fail and leave the site as it was:

1. **pip** installs the distribution into the site's own environment (``PLUGIN_PYTHON``, default the
   Python running the site): from the package index, or -- when ``PLUGIN_WHEELS`` names a folder of
   approved wheels -- only from that folder (``--no-index --find-links``). If pip fails, pip changed nothing
   we need to undo.
2. **load**: a new process of that Python builds the app and checks the plugin loads and is compatible
   (``COPRACTICE_REQUIRES``, the hook-spec version). The running process cannot check this: it imported
   its plugins when it started.
3. **migrate**: the same process runs the database upgrade (every head, so the plugin's own branch comes
   along) in ONE transaction, committed only when every migration has run. A failed migration leaves the
   database at its previous revision, on PostgreSQL and on SQLite alike.
4. If step 2 or 3 failed, the plugin is uninstalled again -- or, for an upgrade, the previous version is
   put back. If they passed, the web server is told to reload (``PLUGIN_RELOAD_PIDFILE``: SIGHUP to
   gunicorn's master, which starts new workers and lets the old ones finish their requests).

A newly installed plugin is installed, not enabled: an admin switches it on.

Every install is recorded in ``plugin_install`` with its progress (queued, installing, migrating, done or
failed with a plain-English reason). From the web (``PLUGIN_INSTALL = "catalogue"``) only a wheel listed
in the approved catalogue can be asked for, the install runs as a job on Huey, and only one install runs
at a time (a unique ``active`` column: at most one row holds it).

Reading the catalogue never runs code from a wheel: a wheel is a zip file, and its name, version, summary
and entry points are read from its METADATA and entry_points.txt with the standard library.
"""
from __future__ import annotations

import configparser
import hashlib
import json
import logging
import os
import re
import signal
import subprocess
import sys
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.parser import HeaderParser
from pathlib import Path

from flask import current_app
from packaging.utils import InvalidWheelFilename, canonicalize_name, parse_wheel_filename
from packaging.version import InvalidVersion, Version
from sqlalchemy import ForeignKey, Integer, String, Text, event, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Mapped, Session, mapped_column

from copractice.errors import Refused
from copractice.extensions import db
from copractice.timeutil import utcnow

log = logging.getLogger(__name__)

STATUSES = {
    "queued": "Waiting to start",
    "installing": "Installing with pip",
    "migrating": "Checking the plugin and updating the database",
    "done": "Installed",
    "failed": "Not installed",
}
RESULT_MARK = "COPRACTICE-INSTALL-RESULT "
# What the checking process runs (not ``-m copractice.plugin_install``: the module would be imported twice).
_FINISH = "import sys; from copractice.plugin_install import main; sys.exit(main(['finish', sys.argv[1]]))"
_NEW_INSTALLS = "copractice_new_plugin_installs"
_NAME = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?(?:==[A-Za-z0-9.+!_-]+)?$")
_MAX_METADATA = 1024 * 1024  # a METADATA file larger than this is not read


class PluginInstall(db.Model):
    """One install of a plugin, from the command line or the approved catalogue, and how far it got."""

    __tablename__ = "plugin_install"

    id: Mapped[int] = mapped_column(primary_key=True)
    requested: Mapped[str] = mapped_column(String(300))  # what was asked for: a name, a path, a wheel's file name
    distribution: Mapped[str | None] = mapped_column(String(100))
    version: Mapped[str | None] = mapped_column(String(64))
    sha256: Mapped[str | None] = mapped_column(String(64))  # of the approved wheel when it was asked for
    source: Mapped[str] = mapped_column(String(20))  # "catalogue" (the web) or "command"
    status: Mapped[str] = mapped_column(String(20), default="queued")
    message: Mapped[str | None] = mapped_column(Text)  # plain English, for whoever asked
    detail: Mapped[str | None] = mapped_column(Text)  # the end of pip's or the check's output, for admins
    # 1 while queued or running, NULL once finished: a unique column, so only one install runs at a time.
    active: Mapped[int | None] = mapped_column(Integer, unique=True)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("member.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]

    @property
    def status_label(self) -> str:
        return STATUSES.get(self.status, self.status)

    @property
    def finished(self) -> bool:
        return self.status in ("done", "failed")


class InstallRefused(Refused):
    """The install was not started: the message says why, in plain English."""


class InstallFailed(Exception):
    """The install started and failed; the site was left as it was. ``stage`` is pip, load, incompatible or migrate."""

    def __init__(self, stage: str, message: str, detail: str = ""):
        super().__init__(message)
        self.stage = stage
        self.message = message
        self.detail = detail


# -- the approved catalogue: wheels in PLUGIN_WHEELS, read without running them -------------------------

@dataclass
class Wheel:
    """A plugin wheel in the approved folder."""

    filename: str
    path: Path
    name: str  # the distribution's name, e.g. copractice-tiny
    version: str
    summary: str
    plugins: list[str] = field(default_factory=list)  # its entry points in the copractice group

    @property
    def sha256(self) -> str:
        digest = hashlib.sha256()
        with open(self.path, "rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
        return digest.hexdigest()


def approved_folder(app=None) -> Path | None:
    """The folder of approved wheels (PLUGIN_WHEELS), or None when installs may come from the package index."""
    folder = (app or current_app).config.get("PLUGIN_WHEELS")
    return Path(folder).resolve() if folder else None


def read_wheel(path: Path) -> Wheel | None:
    """The name, version, summary and plugins of a wheel, read from its metadata; None if it is not a plugin wheel."""
    try:
        name, version, _build, _tags = parse_wheel_filename(path.name)
    except InvalidWheelFilename:
        return None
    try:
        with zipfile.ZipFile(path) as archive:
            dist_info = f"{path.name.split('-')[0]}-{path.name.split('-')[1]}.dist-info"
            metadata = _read_member(archive, f"{dist_info}/METADATA")
            entry_points = _read_member(archive, f"{dist_info}/entry_points.txt")
    except (zipfile.BadZipFile, OSError, KeyError, UnicodeDecodeError):
        log.warning("could not read the wheel %s", path)
        return None
    if metadata is None:
        return None
    headers = HeaderParser().parsestr(metadata)
    if canonicalize_name(headers.get("Name", "")) != name or headers.get("Version", "") != str(version):
        return None  # the file's name and its metadata disagree: not offered
    plugins = []
    if entry_points:
        parser = configparser.ConfigParser(delimiters=("=",), interpolation=None)
        parser.optionxform = str
        try:
            parser.read_string(entry_points)
        except configparser.Error:
            return None
        if parser.has_section("copractice"):
            plugins = sorted(parser.options("copractice"))
    if not plugins:
        return None  # a supporting package, not a plugin
    return Wheel(filename=path.name, path=path, name=headers["Name"], version=headers["Version"],
                 summary=(headers.get("Summary") or "").strip(), plugins=plugins)


def _read_member(archive, member):
    try:
        info = archive.getinfo(member)
    except KeyError:
        return None
    if info.file_size > _MAX_METADATA:
        return None
    return archive.read(info).decode("utf-8")


def catalogue(folder: Path | None) -> list[Wheel]:
    """The plugin wheels in the approved folder, by name and newest version first."""
    if folder is None or not folder.is_dir():
        return []
    wheels = [w for w in (read_wheel(p) for p in folder.iterdir() if p.suffix == ".whl" and p.is_file()) if w]
    return sorted(wheels, key=lambda w: (canonicalize_name(w.name), _negated(w.version)))


def _negated(version):
    try:
        parsed = Version(version)
    except InvalidVersion:
        return (1, version)
    return (0, tuple(-part for part in parsed.release), str(parsed))


def catalogue_wheel(folder: Path | None, filename: str) -> Wheel:
    """The catalogue's wheel called exactly ``filename``; anything else (a path, a URL, ``../``) is refused."""
    for wheel in catalogue(folder):
        if wheel.filename == filename:
            return wheel
    raise InstallRefused("That plugin is not in the approved catalogue, so it cannot be installed from here.")


# -- what to install ------------------------------------------------------------------------------------

@dataclass
class Target:
    """What pip is given, and the distribution it will install."""

    pip_argument: str
    distribution: str
    version: str | None = None
    sha256: str | None = None
    label: str = ""


def resolve(requested: str, folder: Path | None) -> Target:
    """Turn ``copractice plugins install NAME|PATH`` into what pip installs; refuse what is not allowed."""
    requested = requested.strip()
    if not requested:
        raise InstallRefused("Say which plugin to install: a name or the path of a wheel.")
    if "://" in requested or requested.startswith(("git+", "hg+", "svn+", "bzr+")):
        raise InstallRefused("Plugins are installed by name or from a file on this server, not from a web address.")
    looks_like_path = os.sep in requested or requested.endswith(".whl") or requested.startswith(".")
    if folder is not None:
        return _from_folder(requested, folder, looks_like_path)
    if looks_like_path or Path(requested).exists():
        return _from_path(Path(requested))
    if not _NAME.match(requested):
        raise InstallRefused(f"{requested!r} is not a package name (for example copractice-dementia).")
    name, _, version = requested.partition("==")
    return Target(pip_argument=requested, distribution=name, version=version or None,
                  label=f"{name} from the package index")


def _from_folder(requested, folder, looks_like_path):
    wheels = catalogue(folder)
    if looks_like_path:
        path = Path(requested).resolve()
        for wheel in wheels:
            if wheel.path == path:
                return _wheel_target(wheel)
        raise InstallRefused(f"{requested} is not in the approved folder of wheels ({folder}). "
                             "Only a plugin wheel an admin put in that folder can be installed.")
    name, _, version = requested.partition("==")
    wanted = canonicalize_name(name)
    matching = [w for w in wheels if canonicalize_name(w.name) in (wanted, f"copractice-{wanted}")
                or name in w.plugins]
    if version:
        matching = [w for w in matching if w.version == version]
    if not matching:
        offered = ", ".join(sorted({f"{w.name} {w.version}" for w in wheels})) or "no plugin wheels"
        raise InstallRefused(f"There is no plugin called {requested!r} in the approved folder of wheels ({folder}). "
                             f"It has: {offered}.")
    return _wheel_target(matching[0])  # the newest version


def _wheel_target(wheel):
    return Target(pip_argument=str(wheel.path), distribution=wheel.name, version=wheel.version, sha256=wheel.sha256,
                  label=f"{wheel.name} {wheel.version} from the approved folder")


def _from_path(path):
    if not path.exists():
        raise InstallRefused(f"There is no file or folder at {path}.")
    path = path.resolve()
    if path.is_file():
        try:
            name, version, _build, _tags = parse_wheel_filename(path.name)
        except InvalidWheelFilename:
            raise InstallRefused(f"{path.name} is not a wheel (a file whose name ends in .whl).") from None
        return Target(pip_argument=str(path), distribution=str(name), version=str(version), label=str(path))
    pyproject = path / "pyproject.toml"
    if not pyproject.is_file():
        raise InstallRefused(f"{path} has no pyproject.toml, so it is not a Python distribution.")
    import tomllib

    try:
        project = tomllib.loads(pyproject.read_text(encoding="utf-8")).get("project", {})
    except tomllib.TOMLDecodeError:
        raise InstallRefused(f"{pyproject} could not be read.") from None
    if not project.get("name"):
        raise InstallRefused(f"{pyproject} does not name its distribution ([project] name).")
    return Target(pip_argument=str(path), distribution=project["name"], version=project.get("version"), label=str(path))


# -- running an install -----------------------------------------------------------------------------------

@dataclass
class Outcome:
    distribution: str
    version: str
    plugins: list[str]
    previous: str | None
    reload: str


def install(app, target: Target, install_id: int | None = None, echo=None) -> Outcome:
    """Install ``target``, check it loads, migrate, and tell the web server to reload; undo on failure.

    Raises InstallFailed (the site left as it was). ``install_id`` names the row that shows the progress.
    """
    echo = echo or (lambda line: None)
    python = app.config.get("PLUGIN_PYTHON") or sys.executable
    folder = approved_folder(app)
    timeout = app.config.get("PLUGIN_INSTALL_TIMEOUT", 600)
    previous = installed_version(python, target.distribution)
    _progress(install_id, "installing")
    echo(f"Installing {target.label} with pip ...")
    command = [python, "-m", "pip", "install", "--disable-pip-version-check", "--no-input", "--upgrade",
               "--upgrade-strategy", "only-if-needed"]
    if folder is not None:
        command += ["--no-index", "--find-links", str(folder)]
    result = _run(command + [target.pip_argument], timeout)
    if result.returncode != 0:
        raise InstallFailed("pip", _pip_problem(result.output, target, folder), _tail(result.output))
    _progress(install_id, "migrating")
    echo("Checking the plugin loads and updating the database ...")
    check = _run([python, "-c", _FINISH, target.distribution], timeout, env=_child_environment(app))
    found = _result_of(check)
    if not found.get("ok"):
        stage = found.get("stage", "load")
        reason = found.get("reason") or "The plugin could not be started. Nothing was changed."
        undone = _undo(python, target.distribution, previous, folder, timeout)
        raise InstallFailed(stage, f"{reason} {undone}", _tail(check.output))
    return Outcome(distribution=target.distribution, version=found["version"], plugins=found["plugins"],
                   previous=previous, reload=signal_reload(app))


def installed_version(python: str, distribution: str) -> str | None:
    """The version of ``distribution`` installed for ``python``, or None."""
    code = ("import importlib.metadata as m, sys\n"
            "try: print(m.version(sys.argv[1]))\n"
            "except m.PackageNotFoundError: pass\n")
    try:
        result = subprocess.run([python, "-c", code, distribution], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise InstallFailed("pip", f"The site's Python ({python}) could not be started, so nothing was installed "
                                   f"or changed. Check the setting PLUGIN_PYTHON. ({exc})") from None
    return result.stdout.strip() or None


@dataclass
class _Ran:
    returncode: int
    output: str


def _run(command, timeout, env=None):
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        return _Ran(124, f"did not finish within {timeout} seconds")
    except OSError as exc:  # the configured Python is not there, say
        return _Ran(127, f"could not run {command[0]}: {exc}")
    return _Ran(done.returncode, (done.stdout or "") + (done.stderr or ""))


def _pip_problem(output, target, folder):
    where = f"the approved folder of wheels ({folder})" if folder else "the package index"
    if "No matching distribution found" in output or "from versions: none" in output:
        return f"pip could not find a package called {target.distribution} in {where}. Nothing was changed."
    if "is not a supported wheel on this platform" in output:
        return f"{target.label} is not made for this server's Python. Nothing was changed."
    if "did not finish within" in output:
        return f"pip did not finish in time. {output.strip()}. Nothing was changed."
    if output.startswith("could not run"):
        return f"The site's Python could not be started ({output.strip()}). Nothing was changed."
    errors = [line.strip() for line in output.splitlines() if line.strip().startswith("ERROR:")]
    said = errors[-1][len("ERROR:"):].strip() if errors else _tail(output, 1)
    return f"pip could not install {target.distribution}: {said} Nothing was changed."


def _tail(output, lines=25):
    return "\n".join(output.strip().splitlines()[-lines:])[:4000]


def _result_of(check):
    for line in reversed(check.output.splitlines()):
        if line.startswith(RESULT_MARK):
            try:
                return json.loads(line[len(RESULT_MARK):])
            except ValueError:
                break
    return {"ok": False, "stage": "load",
            "reason": f"The site could not start with the plugin installed: {_tail(check.output, 1)}."}


def _undo(python, distribution, previous, folder, timeout):
    """Put the environment back as it was: uninstall, or reinstall the version that was there. Says what it did."""
    if previous is None:
        result = _run([python, "-m", "pip", "uninstall", "--yes", distribution], timeout)
        if result.returncode == 0:
            return "It has been uninstalled again, and the database is as it was."
        return (f"Uninstalling it again failed too: uninstall it by hand ({python} -m pip uninstall {distribution}). "
                "The database is as it was.")
    command = [python, "-m", "pip", "install", "--disable-pip-version-check", "--no-input", "--force-reinstall",
               "--no-deps"]
    if folder is not None:
        command += ["--no-index", "--find-links", str(folder)]
    result = _run(command + [f"{distribution}=={previous}"], timeout)
    if result.returncode == 0:
        return f"Version {previous} has been put back, and the database is as it was."
    return (f"Putting version {previous} back failed: install it by hand ({python} -m pip install "
            f"{distribution}=={previous}). The database is as it was.")


def _child_environment(app):
    """The site's settings for the checking process: the same database and environment as this app."""
    env = dict(os.environ)
    config = app.config
    env["COPRACTICE_DATABASE_URL"] = json.dumps(config["SQLALCHEMY_DATABASE_URI"])
    if config.get("ENV_NAME") in ("development", "testing", "production"):
        env["COPRACTICE_ENV"] = config["ENV_NAME"]
    for key in ("SECRET_KEY", "BASE_URL", "EXTRA_PLUGINS"):
        if config.get(key) is not None:
            env[f"COPRACTICE_{key}"] = json.dumps(config[key])
    return env


def signal_reload(app) -> str:
    """Ask the web server to reload gracefully (SIGHUP to the pid in PLUGIN_RELOAD_PIDFILE); say what was done."""
    pidfile = app.config.get("PLUGIN_RELOAD_PIDFILE")
    advice = ("Reload the web server so every worker loads it without dropping a request (gunicorn: "
              "kill -HUP <master pid>, or systemctl reload copractice), and restart the job worker.")
    if not pidfile:
        return advice
    try:
        pid = int(Path(pidfile).read_text().strip())
        os.kill(pid, signal.SIGHUP)
    except (OSError, ValueError) as exc:
        return f"Could not signal the web server through {pidfile} ({exc}). {advice}"
    return f"The web server (process {pid}) was asked to reload gracefully; restart the job worker too."


# -- the checking process, a new Python of the site's environment (see _FINISH) -----------------------------

def finish(distribution: str) -> dict:
    """In a new process: build the app, check the distribution's plugins load, and migrate in one transaction."""
    from importlib.metadata import version as dist_version

    from copractice import create_app
    from copractice.plugins import discover_entry_points, get_plugins

    app = create_app()
    with app.app_context():
        wanted = canonicalize_name(distribution)
        names = [ep.name for ep in discover_entry_points(app)
                 if getattr(ep, "dist", None) is not None and canonicalize_name(ep.dist.name) == wanted]
        if not names:
            return {"ok": False, "stage": "load",
                    "reason": f"{distribution} is not a copractice plugin (it adds nothing to the copractice "
                              "entry-point group)."}
        infos = get_plugins(app).infos
        for name in names:
            info = infos[name]
            if info.incompatible:
                return {"ok": False, "stage": "incompatible",
                        "reason": f"The plugin {name} does not work with this site: {info.error}"}
            if not info.loaded:
                return {"ok": False, "stage": "load", "reason": f"The plugin {name} could not be loaded: {info.error}"}
        try:
            upgrade_in_one_transaction(app)
        except Exception as exc:  # noqa: BLE001  (any failure: the transaction was rolled back; report it)
            log.exception("the database upgrade failed")
            short = f"{type(exc).__name__}: {exc}".splitlines()[0][:300]
            return {"ok": False, "stage": "migrate",
                    "reason": f"Its database changes failed, so none of them were kept ({short})."}
        return {"ok": True, "plugins": names, "version": dist_version(distribution)}


def upgrade_in_one_transaction(app):
    """Upgrade to every head inside one transaction: on any error nothing is kept, the revision included.

    PostgreSQL runs DDL in transactions. So does SQLite, but Python's sqlite3 module commits before DDL
    unless the transaction is begun by hand, which is done here on this one connection.
    """
    from alembic import command

    migrate = app.extensions["migrate"]
    config = migrate.migrate.get_config(migrate.directory)
    with db.engine.connect() as connection:
        raw = connection.connection.driver_connection
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            raw.isolation_level = None  # no implicit transactions: the BEGIN below holds everything
        try:
            connection.exec_driver_sql("BEGIN" if sqlite else "SELECT 1")  # the transaction Alembic will run in
            config.attributes["connection"] = connection
            command.upgrade(config, "heads")
            connection.commit()
        except BaseException:
            connection.rollback()
            raise
        finally:
            if sqlite:
                raw.isolation_level = ""


# -- the record of an install ------------------------------------------------------------------------------

def _table():
    return PluginInstall.__table__


def _progress(install_id, status, **values):
    """Write how far an install got, on a connection of its own, so the page shows it at once."""
    if install_id is None:
        return
    values["status"] = status
    if status in ("done", "failed"):
        values.update(active=None, finished_at=utcnow())
    with db.engine.begin() as connection:
        connection.execute(update(_table()).where(_table().c.id == install_id).values(**values))


def _abandoned():
    """An install still marked running long after it must have ended (its worker died) stops blocking others."""
    limit = utcnow() - timedelta(seconds=3 * current_app.config.get("PLUGIN_INSTALL_TIMEOUT", 600))
    table = _table()
    return update(table).where(table.c.active.is_not(None), table.c.created_at < limit).values(
        status="failed", active=None, finished_at=utcnow(),
        message="This install stopped without finishing (its worker stopped). Check the plugin list, then try again.")


def start_command_install(target: Target) -> int:
    """Record an install from the command line (committed at once, so the admin page shows it); refuse a second."""
    try:
        with db.engine.begin() as connection:
            connection.execute(_abandoned())
            result = connection.execute(_table().insert().values(
                requested=target.label[:300], distribution=target.distribution, version=target.version,
                sha256=target.sha256, source="command", status="queued", active=1, created_at=utcnow()))
            return result.inserted_primary_key[0]
    except IntegrityError:
        raise InstallRefused("Another plugin is being installed. Wait until it has finished, then try again.") from None
    except SQLAlchemyError:
        raise InstallRefused("The database is not ready for installs: run copractice db upgrade first.") from None


def run_recorded(app, target: Target, install_id: int, echo=None) -> Outcome:
    """Run an install and record its end, done or failed, on its row; InstallFailed is raised again."""
    try:
        outcome = install(app, target, install_id, echo)
    except InstallFailed as failure:
        _progress(install_id, "failed", message=failure.message, detail=failure.detail)
        raise
    except Exception as exc:
        log.exception("plugin install %s failed", install_id)
        _progress(install_id, "failed", message="Something went wrong while installing. The site is as it was "
                  "unless the detail below says otherwise.", detail=f"{type(exc).__name__}: {exc}"[:4000])
        raise
    _progress(install_id, "done", version=outcome.version,
              message=f"{outcome.distribution} {outcome.version} is installed. {switched_on_note(outcome.plugins)} "
                      f"{outcome.reload}")
    return outcome


def switched_on_note(names) -> str:
    """Whether the plugins are on: an upgrade keeps a plugin's switch; a new plugin is installed, not enabled."""
    table = db.metadata.tables["plugin_state"]
    with db.engine.connect() as connection:
        on = set(connection.execute(select(table.c.name).where(table.c.name.in_(names), table.c.enabled)).scalars())
    notes = [f"The plugin {name} stays switched on." if name in on else
             f"The plugin {name} is installed but not switched on: enable it on the Plugins page "
             f"(or copractice plugins enable {name})." for name in names]
    return " ".join(notes)


# -- from the web: ask, then a job does it -------------------------------------------------------------------

def install_allowed(app=None) -> bool:
    return (app or current_app).config.get("PLUGIN_INSTALL") == "catalogue"


def active_install():
    return db.session.scalar(select(PluginInstall).where(PluginInstall.active.is_not(None)))


def request_install(actor, filename: str) -> PluginInstall:
    """Queue the install of the catalogue's wheel ``filename`` (the job starts once the request commits)."""
    from copractice.audit import audit

    if not install_allowed():
        raise InstallRefused("Installing plugins from the web is switched off on this site.")
    wheel = catalogue_wheel(approved_folder(), filename)
    db.session.execute(_abandoned())
    if active_install() is not None:
        raise InstallRefused("Another plugin is being installed. Wait until it has finished, then try again.")
    record = PluginInstall(requested=wheel.filename, distribution=wheel.name, version=wheel.version,
                           sha256=wheel.sha256, source="catalogue", status="queued", active=1,
                           requested_by_id=getattr(actor, "id", None), created_at=utcnow())
    try:
        with db.session.begin_nested():
            db.session.add(record)
            db.session.flush()
    except IntegrityError:
        raise InstallRefused("Another plugin is being installed. Wait until it has finished, then try again.") from None
    audit(actor, "plugin.install_requested", "plugin_install", record.id, f"{wheel.name} {wheel.version}", None,
          {"wheel": wheel.filename, "sha256": record.sha256})
    db.session.info.setdefault(_NEW_INSTALLS, []).append(record.id)
    return record


def run_queued(install_id: int):
    """The job: install the catalogue wheel an install row names, if it is still the approved wheel it was."""
    app = current_app._get_current_object()
    with db.engine.connect() as connection:
        row = connection.execute(select(_table()).where(_table().c.id == install_id)).mappings().first()
    if row is None or row["status"] != "queued":
        return None  # done already (a job run twice) or unknown
    try:
        wheel = catalogue_wheel(approved_folder(app), row["requested"])
        if wheel.sha256 != row["sha256"]:
            raise InstallRefused("The wheel in the approved folder changed after the install was asked for, "
                                 "so it was not installed. Ask again if the new wheel is the one you want.")
    except InstallRefused as refused:
        _progress(install_id, "failed", message=str(refused))
        return None
    try:
        return run_recorded(app, _wheel_target(wheel), install_id)
    except InstallFailed:
        return None  # recorded on the row; a job that raised would be retried, and an install must not be


def recent_installs(limit=10):
    return db.session.scalars(select(PluginInstall).order_by(PluginInstall.id.desc()).limit(limit)).all()


@event.listens_for(Session, "after_commit")
def _queue_after_commit(session):
    ids = session.info.pop(_NEW_INSTALLS, None)
    if not ids:
        return
    from copractice.jobs import jobs_for

    for install_id in ids:
        try:
            jobs_for().run("install_plugin", install_id)
        except Exception:  # noqa: BLE001  (the job queue is away: say so on the row, free the slot)
            log.exception("could not queue plugin install %s", install_id)
            _progress(install_id, "failed", message="The install could not be started because the job queue "
                      "could not be reached. Nothing was changed. Please try again in a few minutes.")


@event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session):
    if not session.in_nested_transaction():
        session.info.pop(_NEW_INSTALLS, None)


def main(argv=None):
    """The checking process (``finish DISTRIBUTION``): print the check's result as one JSON line."""
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 2 or argv[0] != "finish":
        print("usage: finish DISTRIBUTION", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.WARNING)
    try:
        result = finish(argv[1])
    except Exception as exc:  # noqa: BLE001  (the site could not even start: report it, do not hide it)
        logging.exception("checking %s failed", argv[1])
        result = {"ok": False, "stage": "load",
                  "reason": f"The site could not start with {argv[1]} installed ({type(exc).__name__}: {exc})."}
    print(RESULT_MARK + json.dumps(result), flush=True)
    return 0 if result.get("ok") else 1

