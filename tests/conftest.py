"""The core's tests use the fixtures every plugin author gets: copractice.testing, a pytest plugin
shipped with the core (loaded through its pytest11 entry point, and by ``-p copractice.testing`` in
pyproject.toml's addopts). It gives a real database (SQLite file, or PostgreSQL from
COPRACTICE_TEST_DATABASE_URL), a real SMTP server (aiosmtpd), the app, a client with CSRF on, and
factories. The helpers are importable from here too, as tests always have."""
from copractice.testing import (  # noqa: F401
                                PASSWORD,
                                POSTGRES_URL,
                                AuthActions,
                                DeliveredMailbox,
                                Mailbox,
                                create_member,
                                csrf_from,
                                drop_isolated,
                                empty_all_tables,
                                free_port,
                                isolated_database_url,
                                post_form,
                                test_settings,
)

# The longest tests first: pytest-xdist hands out tests in this order, so neither of CI's two workers is left
# running a minute-long walker alone at the end while the other has finished.
_LONGEST_FIRST = ("tests/test_bad_input_walker.py", "tests/test_permission_matrix", "tests/browser/")


def pytest_collection_modifyitems(items):
    def rank(item):
        return next((i for i, start in enumerate(_LONGEST_FIRST) if item.nodeid.startswith(start)), len(_LONGEST_FIRST))

    items.sort(key=rank)  # a stable sort: each module's tests stay together and in order
