"""Micro-benchmark: what one hook call costs through the plugin manager (core + the 3 bundled plugins enabled).

    .venv/bin/python bench/hook_calls.py /tmp/hook_calls.sqlite3

Prints the best of 40 runs of 5,000 calls, in CPU time (process_time), per call. To compare with
another version of copractice, run it with that version first on PYTHONPATH.
"""
import os
import sys
import time
import timeit

from flask_login import AnonymousUserMixin
from flask_migrate import upgrade

import copractice
from copractice import create_app
from copractice.plugins import get_plugins

CALLS, RUNS = 5000, 40


def main(path):
    app = create_app({"ENV_NAME": "testing", "DATABASE_URL": "sqlite:///" + path, "SECRET_KEY": "bench",
                      "RATELIMIT_STORAGE_URI": "memory://", "PLUGIN_STATE_TTL": 60})
    with app.app_context():
        upgrade(revision="heads")
    runner = app.test_cli_runner()
    for name in ("dementia", "social_care", "childrens_mental_health"):
        assert runner.invoke(args=["plugins", "enable", name]).exit_code == 0
    with app.test_request_context():
        plugins, visitor = get_plugins(), AnonymousUserMixin()
        for hook, kwargs in (("copractice_themes", {}), ("copractice_nav_items", {"member": visitor}),
                             ("copractice_page_assets", {"member": visitor})):
            plugins.collect(hook, **kwargs)
            best = min(timeit.repeat(lambda: plugins.collect(hook, **kwargs), number=CALLS, repeat=RUNS,  # noqa: B023
                                     timer=time.process_time))
            print(f"{os.path.dirname(copractice.__file__)}: {hook}: {best / CALLS * 1e6:.2f} us per call")


if __name__ == "__main__":
    main(sys.argv[1])
