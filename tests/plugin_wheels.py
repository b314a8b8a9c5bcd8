"""Real plugin wheels and a throwaway environment to install them into (tests of copractice.plugin_install).

``build_wheels`` writes tiny plugin distributions (copractice-tiny, in several versions and faults) and
builds each with setuptools' PEP 517 backend, as ``pip wheel --no-deps --no-build-isolation`` does (no network). ``throwaway_python`` makes a
virtual environment without pip whose ``.pth`` adds the test environment's site-packages (so copractice,
pip and the bundled plugins import there), while whatever pip installs lands in the throwaway one.
"""
import os
import subprocess
import sys
import sysconfig
import textwrap
from pathlib import Path

from copractice.hookspecs import HOOKSPEC_VERSION

# name -> what is different about it
VARIANTS = {
    "good-1.0.0": {"version": "1.0.0"},
    "good-2.0.0": {"version": "2.0.0", "second_migration": True},
    "bad-migration-2.0.0": {"version": "2.0.0", "second_migration": True, "migration_fails": True},
    "incompatible-1.0.0": {"version": "1.0.0", "requires": ">=99"},
    "import-error-1.0.0": {"version": "1.0.0", "import_error": True},
}


def write_source(root: Path, version, requires=">=0.1", second_migration=False, migration_fails=False,
                 import_error=False, name="tiny"):
    """A plugin distribution copractice-<name>: one table (<name>_note) from its own migration branch."""
    root.mkdir(parents=True)
    package = root / f"copractice_{name}"
    versions = package / "migrations" / "versions"
    versions.mkdir(parents=True)
    (root / "pyproject.toml").write_text(textwrap.dedent(f"""\
        [build-system]
        requires = ["setuptools>=65"]
        build-backend = "setuptools.build_meta"

        [project]
        name = "copractice-{name}"
        version = "{version}"
        description = "A tiny plugin for the install tests ({version})"
        requires-python = ">=3.11"

        [project.entry-points.copractice]
        {name} = "copractice_{name}"

        [tool.setuptools.packages.find]
        include = ["copractice_{name}*"]

        [tool.setuptools.package-data]
        copractice_{name} = ["migrations/**/*"]
        """))
    (package / "__init__.py").write_text(textwrap.dedent(f'''\
        """Tiny: a plugin built by the install tests."""
        from pathlib import Path

        from copractice.plugin_api import hookimpl

        {"raise ImportError('copractice_" + name + " needs a module that is not there')" if import_error else ""}
        COPRACTICE_REQUIRES = "{requires}"
        COPRACTICE_HOOKSPEC_VERSION = {HOOKSPEC_VERSION}


        @hookimpl
        def copractice_migration_locations(app):
            return [str(Path(__file__).parent / "migrations" / "versions")]
        '''))
    (versions / f"{name}_0001.py").write_text(textwrap.dedent(f'''\
        """{name}: notes."""
        import sqlalchemy as sa
        from alembic import op

        revision = "{name}_0001"
        down_revision = None
        branch_labels = ("{name}",)
        depends_on = "0001"


        def upgrade():
            op.create_table("{name}_note", sa.Column("id", sa.Integer(), primary_key=True),
                            sa.Column("text", sa.String(200)))


        def downgrade():
            op.drop_table("{name}_note")
        '''))
    if second_migration:
        (versions / f"{name}_0002.py").write_text(textwrap.dedent(f'''\
            """{name}: tags."""
            import sqlalchemy as sa
            from alembic import op

            revision = "{name}_0002"
            down_revision = "{name}_0001"
            branch_labels = None
            depends_on = None


            def upgrade():
                op.create_table("{name}_tag", sa.Column("id", sa.Integer(), primary_key=True))
                op.execute("INSERT INTO {name}_tag (id) VALUES (1)")
                {"op.execute('INSERT INTO no_such_table (id) VALUES (1)')" if migration_fails else "pass"}


            def downgrade():
                op.drop_table("{name}_tag")
            '''))
    return root


_BUILD = """
import os, sys
from setuptools import build_meta
for source, out in zip(sys.argv[1::2], sys.argv[2::2]):
    os.chdir(source)
    build_meta.build_wheel(out)
"""


def build_wheels(folder: Path, variants=VARIANTS):
    """Build every variant's wheel into folder/<variant>/: {variant: wheel path}.

    With setuptools' PEP 517 backend, as ``pip wheel --no-deps --no-build-isolation`` would, but all in one
    process (pip's start-up for each wheel cost seconds on a busy machine). No network.
    """
    pairs = []
    for variant, options in variants.items():
        source = write_source(folder / "src" / variant, **options)
        out = folder / variant
        out.mkdir()
        pairs += [str(source), str(out)]
    done = subprocess.run([sys.executable, "-c", _BUILD, *pairs], capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stdout + done.stderr
    return {variant: next((folder / variant).glob("*.whl")) for variant in variants}


def throwaway_python(folder: Path) -> str:
    """A new virtual environment (no pip of its own) that also sees the test environment's packages."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(folder)], check=True, timeout=60)
    python = folder / "bin" / "python"
    purelib = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             capture_output=True, text=True, check=True).stdout.strip()
    ours = sysconfig.get_paths()["purelib"]
    # addsitedir, not a plain path: the test environment's own .pth files (editable installs) must run too.
    Path(purelib, "_copractice_tests.pth").write_text(f"import site; site.addsitedir({ours!r})\n")
    return str(python)


def imports_in(python, module):
    """Whether ``module`` imports in that Python."""
    return subprocess.run([python, "-c", f"import {module}"], capture_output=True,
                          env=dict(os.environ, PYTHONDONTWRITEBYTECODE="1")).returncode == 0
