"""Command-line tasks: ``copractice <command>`` (the same as ``flask --app copractice <command>``)."""
import os
import sys

import click
from flask import current_app, g
from flask.cli import FlaskGroup, with_appcontext
from flask_migrate import upgrade as migrate_upgrade
from flask_migrate.cli import db as migrate_db_group

from copractice.extensions import db


def main():
    """Entry point of the ``copractice`` console script."""
    from copractice import create_app

    cli = FlaskGroup(create_app=create_app, help="copractice: run and manage the site.")
    cli.main(prog_name="copractice")


def site_request_context():
    """A request context for the site's public address (BASE_URL), so commands build correct links."""
    return current_app.test_request_context("/", base_url=current_app.config["BASE_URL"])


# -- db: Flask-Migrate's commands, but "upgrade" goes to every head (core and plugin branches)

db_group = click.Group(
    "db", help="Database migrations (Alembic through Flask-Migrate).",
    params=migrate_db_group.params, callback=migrate_db_group.callback,
    commands={name: cmd for name, cmd in migrate_db_group.commands.items() if name != "upgrade"},
)


@db_group.command("upgrade")
@click.option("--sql", is_flag=True, help="Print the SQL instead of running it.")
@click.argument("revision", default="heads")
@with_appcontext
def db_upgrade(sql, revision):
    """Upgrade the database to REVISION (default: every head, so plugin branches come along)."""
    migrate_upgrade(revision=revision, sql=sql, x_arg=g.x_arg)


# -- accounts -------------------------------------------------------------------------------

@click.command("create-admin")
@click.option("--email", required=True, help="The admin's email address.")
@click.option("--name", default="Site admin", show_default=True)
@click.option("--password", envvar="COPRACTICE_ADMIN_PASSWORD",
              help="The password (or set COPRACTICE_ADMIN_PASSWORD). Asked for when missing and a terminal is there.")
@with_appcontext
def create_admin(email, name, password):
    """Create the first admin (or make an existing member an admin)."""
    from copractice.audit import audit
    from copractice.members import operations
    from copractice.members.models import Member
    from copractice.security import hash_password
    from copractice.timeutil import utcnow

    existing = operations.find_by_email(email)
    if existing is None and not password:
        if not sys.stdin.isatty():
            raise click.UsageError("give --password or set COPRACTICE_ADMIN_PASSWORD (no terminal to ask on)")
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    if password is not None:
        from copractice.passwords import password_problem

        problem = password_problem(password, user_inputs=[email, name])
        if problem:
            raise click.UsageError(problem)
    if existing is None:
        member = Member(email=operations.normalise_email(email), name=name, stakeholder_type="other",
                        password_hash=hash_password(password), role="admin", email_verified_at=utcnow())
        db.session.add(member)
        db.session.flush()
        audit(None, "member.admin_created", "member", member.id, member.name, None, {"role": "admin"},
              "created with copractice create-admin")
        click.echo(f"Created admin {member.email}.")
    else:
        before = existing.role
        existing.role, existing.active = "admin", True
        existing.email_verified_at = existing.email_verified_at or utcnow()
        if password:
            existing.password_hash = hash_password(password)
        audit(None, "member.role_changed", "member", existing.id, existing.name, {"role": before},
              {"role": "admin"}, "promoted with copractice create-admin")
        click.echo(f"{existing.email} is now an admin.")
    db.session.commit()


@click.command("demo-data")
@click.option("--force", is_flag=True, help="Allow on a production configuration.")
@click.option("--scale", type=click.Choice(["small", "large"]), default="small", show_default=True,
              help="small: one login per role and a few courses. large: that plus 100,000 members, 2,000 courses, "
                   "a million attendance marks and 50,000 resources, for load tests (a few minutes).")
@with_appcontext
def demo_data(force, scale):
    """Create a believable demo site, small or large (safe to run again: nothing is duplicated)."""
    from copractice.demo import (
        DEMO_PASSWORD,
        create_demo_courses,
        create_demo_data,
        create_demo_groups,
        create_demo_resources,
    )

    if current_app.config.get("ENV_NAME") == "production" and not force:
        raise click.UsageError("demo data has known passwords; refusing on production without --force")
    with site_request_context():
        created, members = create_demo_data()
        courses = create_demo_courses(members)
        resources = create_demo_resources(members)
        create_demo_groups(members)
        db.session.commit()
    click.echo(f"Demo data ready ({created} new members, {courses} new courses, {resources} new resources). "
               f"Every demo login uses the password: {DEMO_PASSWORD}")
    for member in members:
        click.echo(f"  {member.role_label:<12} {member.stakeholder_label:<38} {member.email}")
    if scale == "large":
        _large_demo_data()


def _large_demo_data():
    """Add the large demo data in one transaction, with a progress bar, unless it is already there."""
    import time

    from copractice_demo import large as demo_large

    if demo_large.large_present():
        click.echo("The large demo data is already there; nothing added.")
    else:
        started = time.monotonic()
        with click.progressbar(length=sum(demo_large.planned().values()), label="Creating the large demo data",
                               show_pos=True) as bar:
            counts = demo_large.create_large(progress=bar.update)
            db.session.commit()
        summary = ", ".join(f"{n:,} {table}" for table, n in counts.items() if n)
        click.echo(f"Large demo data ready in {time.monotonic() - started:.0f} s: {summary}.")
    _large_community_data()


def _large_community_data():
    """The community's spaces, topics and posts (copractice_demo/community_large.py), unless already there."""
    import time

    from copractice_demo import community_large

    if community_large.community_present():
        click.echo("The large community data is already there; nothing added.")
        return
    started = time.monotonic()
    plan = community_large.planned()
    with click.progressbar(length=plan["spaces"] + plan["topics"] + plan["posts"],
                           label="Creating the large community data", show_pos=True) as bar:
        counts = community_large.create_community_large(progress=bar.update)
        db.session.commit()
    summary = ", ".join(f"{n:,} {table}" for table, n in counts.items() if n)
    click.echo(f"Large community data ready in {time.monotonic() - started:.0f} s: {summary}.")


@click.command("send-mail")
@click.option("--watch", is_flag=True,
              help="Keep running: deliver due mail every MAIL_POLL_SECONDS until stopped (Ctrl+C or SIGTERM).")
@click.option("--interval", type=float, default=None, help="Seconds between rounds with --watch.")
@with_appcontext
def send_mail(watch, interval):
    """Deliver the email that is due (safe to run every minute; failures are retried later)."""
    from copractice.notifications.operations import deliver_due
    from copractice.notifications.operations import watch as watch_outbox

    if not watch:
        sent, failed = deliver_due(limit=1000)
        click.echo(f"sent {sent}, failed {failed} (will retry or see /admin/email)")
        if failed:
            sys.exit(1)
        return
    import signal

    stopping = []

    def stop(signum, frame):  # finish the message in hand, then stop: nothing is left half-sent
        stopping.append(signum)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    cfg = current_app.config
    click.echo(f"Delivering email to {cfg['MAIL_SERVER']}:{cfg['MAIL_PORT']} "
               f"every {interval if interval is not None else cfg['MAIL_POLL_SECONDS']} s (Ctrl+C to stop)")

    def report(result):
        if result.sent or result.failed:
            click.echo(f"sent {result.sent}, failed {result.failed}")

    watch_outbox(interval, should_stop=lambda: bool(stopping), on_round=report)


@click.command("develop")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--mail-port", default=None, type=int, help="The mail catcher's port (default DEV_MAIL_PORT).")
@click.option("--mail-folder", default=None, help="Where caught email is saved (default <instance>/mail).")
@with_appcontext
def develop(host, port, mail_port, mail_folder):
    """Run the site for development: web server, job worker (mail delivery) and a local mail catcher.

    Nothing is emailed to anyone: every email is saved in <instance>/mail/ as an .eml file
    (and listed at /dev/mail) and summed up on this terminal.
    """
    import subprocess

    from copractice.devmail import start_catcher

    app = current_app._get_current_object()
    if app.config.get("ENV_NAME") == "production":
        raise click.UsageError("develop is for a development checkout; in production run the web server "
                               "and `copractice worker` separately (docs/deployment.md)")
    mail_port = mail_port or app.config["DEV_MAIL_PORT"]
    folder = app.config["DEV_MAIL_FOLDER"] = mail_folder or os.path.join(app.instance_path, "mail")
    try:
        catcher = start_catcher(folder, port=mail_port, echo=lambda line: click.echo(line))
    except Exception as exc:  # noqa: BLE001  (a port in use, say: say so plainly)
        raise click.ClickException(f"could not start the mail catcher on port {mail_port}: {exc}") from None
    env = dict(os.environ, COPRACTICE_MAIL_SERVER='"127.0.0.1"', COPRACTICE_MAIL_PORT=str(mail_port),
               COPRACTICE_MAIL_USE_TLS="false", COPRACTICE_MAIL_USE_SSL="false", COPRACTICE_MAIL_USERNAME="null")
    env.setdefault("COPRACTICE_BASE_URL", f'"http://{host}:{port}"')
    # The job worker (copractice worker): email, reminders and the end of offers, on the SQLite job queue.
    delivery = subprocess.Popen([sys.executable, "-m", "copractice.cli", "worker"], env=env)
    import signal

    # SIGTERM ends this process through the finally below, so the delivery process stops with it.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
    click.echo(f"Emails are caught on 127.0.0.1:{mail_port} and saved in {folder} "
               f"(also listed at http://{host}:{port}/dev/mail)")
    try:
        from werkzeug.serving import run_simple

        run_simple(host, port, app, threaded=True)
    finally:
        delivery.send_signal(signal.SIGINT)  # the worker finishes the jobs in hand, then stops
        try:
            delivery.wait(timeout=15)
        except subprocess.TimeoutExpired:
            delivery.kill()
        catcher.stop()


@click.command("send-reminders")
@with_appcontext
def send_reminders_command():
    """Remind people of sessions starting in the next 48 hours, and end offers that ran out.

    Safe to run every few minutes: nobody is reminded twice.
    """
    from copractice.courses.operations import expire_offers
    from copractice.courses.reminders import send_reminders

    with site_request_context():
        expired = expire_offers()
        queued = send_reminders()
        db.session.commit()  # the command's one unit of work
    click.echo(f"reminders queued {queued}, offers expired {expired} (the mail goes out with copractice send-mail)")


@click.command("community-mail")
@with_appcontext
def community_mail_command():
    """Queue community email that is due: one email for each post past its edit window, and the daily and weekly
    digests (the worker does this by itself). Safe to run often: nothing is mailed twice."""
    from copractice.community.digests import mail_due_posts, send_digests

    with site_request_context():
        posts = mail_due_posts()
        digests = send_digests()
        db.session.commit()  # the command's one unit of work
    click.echo(f"post emails queued {posts}, digests queued {digests} (the mail goes out with copractice send-mail)")


@click.command("advance-next-sessions")
@with_appcontext
def advance_next_sessions_command():
    """Move on each course's next session once it has started (the worker does this every minute)."""
    from copractice.courses.next_session import advance_next_sessions

    moved = advance_next_sessions()
    db.session.commit()  # the command's one unit of work
    click.echo(f"courses moved on {moved}")


@click.command("worker")
@click.option("--workers", type=click.IntRange(min=1), default=2, show_default=True,
              help="How many jobs this process runs at once (threads).")
@click.option("--no-periodic", is_flag=True,
              help="Do not schedule the periodic jobs (another worker on the same queue does).")
@click.option("--poll-seconds", type=float, default=None, help="Idle polling interval (default JOBS_POLL_SECONDS).")
@with_appcontext
def worker_command(workers, no_periodic, poll_seconds):
    """Run background jobs: email delivery, reminders, offers that ran out (Ctrl+C to stop).

    Jobs come from JOBS_URL (default: a SQLite file in the instance folder). Several servers sharing
    Redis or PostgreSQL each run one; every message is still sent once (docs/deployment.md).
    """
    from copractice.jobs import run_worker

    run_worker(current_app._get_current_object(), workers=workers, periodic=not no_periodic,
               poll_seconds=poll_seconds)


@click.command("check")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="How many worker processes will serve the site (default: WORKERS, gunicorn's, or 1).")
@with_appcontext
def check_command(workers):
    """Check the settings are safe for a public site; exits non-zero when something must change."""
    from copractice.deploycheck import detect_workers, is_hint, problems

    config = current_app.config
    found = problems(config, workers or detect_workers(config))
    must = [p for p in found if not is_hint(p)]
    for problem in must:
        click.echo("Problem: " + problem)
    for hint in (p for p in found if is_hint(p)):
        click.echo("Check: " + hint)
    if must:
        click.echo(f"{len(must)} problem(s) to fix before this site is public.")
        sys.exit(1)
    click.echo("No problems found.")


# -- plugins ----------------------------------------------------------------------------------

@click.group("plugins")
def plugins_group():
    """List, enable, disable and check plugins."""


def _status(plugins, info, states):
    if info.builtin:
        return "built-in"
    if info.incompatible:
        return "incompatible"
    if not info.loaded:
        return "broken"
    return "enabled" if states.get(info.name) else "disabled"


@plugins_group.command("list")
@with_appcontext
def plugins_list():
    """Show each installed plugin with its version, status and error."""
    from copractice.plugins import get_plugins

    plugins = get_plugins()
    states = plugins.stored_states()
    click.echo(f"{'NAME':<24} {'VERSION':<10} {'STATUS':<12} {'WORKS WITH':<32} ERROR")
    for info in plugins.infos.values():
        click.echo(f"{info.name:<24} {info.version or '-':<10} {_status(plugins, info, states):<12} "
                   f"{info.compatibility:<32} {info.error or ''}")


def _switch(name, enabled):
    from copractice.admin.operations import AdminRuleBroken, set_plugin_enabled
    from copractice.plugins import get_plugins

    try:
        set_plugin_enabled(None, get_plugins(), name, enabled)
    except AdminRuleBroken as exc:
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    click.echo(f"{name} {'enabled' if enabled else 'disabled'}")


@plugins_group.command("enable")
@click.argument("name")
@with_appcontext
def plugins_enable(name):
    """Switch an installed plugin on for the whole site."""
    _switch(name, True)


@plugins_group.command("disable")
@click.argument("name")
@with_appcontext
def plugins_disable(name):
    """Switch a plugin off (its data stays)."""
    _switch(name, False)


@plugins_group.command("check")
@with_appcontext
def plugins_check():
    """Exit non-zero if any plugin the site has enabled cannot load."""
    from copractice.plugins import get_plugins

    plugins = get_plugins()
    states = plugins.stored_states()
    broken = [info for info in plugins.infos.values() if states.get(info.name) and not info.loaded]
    missing = [name for name, on in states.items() if on and name not in plugins.infos]
    for info in broken:
        click.echo(f"BROKEN {info.name}: {info.error}", err=True)
    for name in missing:
        click.echo(f"MISSING {name}: enabled but not installed", err=True)
    if broken or missing:
        sys.exit(1)
    click.echo("all enabled plugins load")


def add_plugin_command(app, plugin_name, command):
    """Add a plugin's command; it refuses to run (exit 1) while the plugin is disabled."""
    from copractice.plugins import get_plugins

    # Plugins' commands are module-level objects shared by every app made in this process: keep the
    # plugin's own callback once, and wrap that, never an earlier wrapper.
    if not hasattr(command, "copractice_original_callback"):
        command.copractice_original_callback = command.callback
    original = command.copractice_original_callback

    def guarded(*args, **kwargs):
        if not get_plugins().is_enabled(plugin_name):
            raise click.ClickException(f"the {plugin_name} plugin is disabled; enable it first")
        return original(*args, **kwargs) if original is not None else None

    # A group's callback runs before any of its subcommands, so guarding it guards them all, even when
    # the group had no callback of its own (an AppGroup made without a function, say).
    guard = original is not None or isinstance(command, click.Group)
    command.callback = with_appcontext(guarded) if guard else None
    app.cli.add_command(command)


@plugins_group.command("new")
@click.argument("name")
@click.option("--directory", default="plugins", show_default=True, help="Where to write the plugin.")
def plugins_new(name, directory):
    """Write a working plugin distribution called copractice-NAME to start from."""
    from copractice.scaffold import ScaffoldError, write_plugin

    try:
        path = write_plugin(name, directory)
    except ScaffoldError as exc:
        raise click.UsageError(str(exc)) from None
    click.echo(f"Wrote {path}. Install it with: pip install -e {path}  (then: copractice db upgrade; "
               f"copractice plugins enable {path.name})")


@click.command("meeting-mail")
@with_appcontext
def meeting_mail_command():
    """Send groups' meeting papers that are due, and remind owners of actions due soon (the worker does this by
    itself). Safe to run often: papers go once per meeting, and each owner is reminded once per action."""
    from copractice.meetings.agenda import send_due_papers
    from copractice.meetings.minutes import send_action_reminders

    with site_request_context():
        papers = send_due_papers()
        reminders = send_action_reminders()
        db.session.commit()  # the command's one unit of work
    click.echo(f"meetings whose papers were sent {papers}, action reminders queued {reminders} "
               "(the mail goes out with copractice send-mail)")


def register_commands(app):
    app.cli.add_command(db_group)  # replaces Flask-Migrate's group, keeping its other commands
    for command in (create_admin, demo_data, send_mail, send_reminders_command, plugins_group,
                    check_command, develop, worker_command, advance_next_sessions_command):
        app.cli.add_command(command)
    app.cli.add_command(community_mail_command)
    app.cli.add_command(meeting_mail_command)


if __name__ == "__main__":  # pragma: no cover
    os.environ.setdefault("FLASK_APP", "copractice")
    main()


@plugins_group.command("install")
@click.argument("target", metavar="NAME|PATH")
@with_appcontext
def plugins_install(target):
    """Install a plugin into the site's environment, migrate, and reload the web server (not enabled).

    With PLUGIN_WHEELS set, only a wheel in that approved folder can be installed. A failed install
    is undone: the plugin is uninstalled (or its previous version put back) and the database is as it was.
    """
    from copractice.plugin_install import (
        InstallFailed,
        InstallRefused,
        approved_folder,
        resolve,
        run_recorded,
        start_command_install,
        switched_on_note,
    )

    app = current_app._get_current_object()
    try:
        chosen = resolve(target, approved_folder(app))
        install_id = start_command_install(chosen)
    except InstallRefused as refused:
        raise click.ClickException(str(refused)) from None
    try:
        outcome = run_recorded(app, chosen, install_id, echo=click.echo)
    except InstallFailed as failure:
        if failure.detail:
            click.echo(failure.detail, err=True)
        raise click.ClickException(failure.message) from None
    if outcome.previous and outcome.previous != outcome.version:
        click.echo(f"Upgraded {outcome.distribution} from {outcome.previous} to {outcome.version}.")
    else:
        click.echo(f"Installed {outcome.distribution} {outcome.version}.")
    click.echo(switched_on_note(outcome.plugins))
    click.echo(outcome.reload)
