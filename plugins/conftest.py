"""Bundled plugins' tests use the core's fixtures: real databases, real SMTP, the app and factories."""
from tests.conftest import *  # noqa: F401,F403
from tests.conftest import _schema  # noqa: F401  (a star import leaves out underscore names)
