"""Issue 13, point 6: copractice.testing, the pytest plugin plugin authors test with, and the
scaffold's naming rule (hyphenated names such as ``primary-care`` are accepted)."""
import importlib.metadata
import os
import subprocess
import sys

import pytest

from copractice.scaffold import ScaffoldError, plugin_names, write_plugin
from copractice.testing import AuthActions, post_form


def run_pytest(path, *args, env=None):
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args],
                          capture_output=True, text=True, timeout=600, cwd=path, env=env)


def test_the_pytest_plugin_is_an_entry_point():
    [ep] = [ep for ep in importlib.metadata.entry_points(group="pytest11") if ep.value == "copractice.testing"]
    assert ep.name == "copractice.testing"  # named as the module: `-p copractice.testing` loads it only once


def test_a_freshly_scaffolded_plugin_passes_its_own_tests_with_the_fixtures(tmp_path):
    """Not installed: its pytest settings load it into the test apps (copractice_plugins)."""
    path = write_plugin("primary-care", tmp_path)
    tests = (path / "tests" / "test_primary_care.py").read_text()
    for fixture in ("client", "enable_plugin", "make_member", "login", "database", "sent_mail"):
        assert f"{fixture}" in tests
    result = run_pytest(path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "6 passed" in result.stdout, result.stdout


def test_the_fixtures_load_through_the_entry_point_alone(tmp_path):
    """A plugin's own settings need not name the pytest plugin: installing copractice is enough."""
    path = write_plugin("entry", tmp_path)
    pyproject = path / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('addopts = "-p copractice.testing"\n', ""))
    assert "-p copractice.testing" not in pyproject.read_text()
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_DISABLE_PLUGIN_AUTOLOAD"}
    result = run_pytest(path, env=env)
    assert result.returncode == 0, result.stdout + result.stderr


# -- the fixtures, used here directly ------------------------------------------------------------------

@pytest.mark.parametrize("role", ["trainee", "facilitator", "theme_lead", "admin"])
def test_make_member_per_role_and_login(app, client, make_member, login, role):
    member = make_member(role=role, themes=("dementia",) if role == "theme_lead" else ())
    assert member.role == role
    login(client, member)
    assert client.get("/account").status_code == 200
    assert (client.get("/admin/").status_code == 200) is (role == "admin")


def test_make_member_refuses_a_role_that_does_not_exist(make_member):
    with pytest.raises(ValueError, match="role must be one of"):
        make_member(role="superuser")


def test_login_does_not_trip_the_login_limits_however_often_a_test_signs_in(app, make_member, login):
    """The limits stay on: wrong passwords count and lock the account for a while. Signing in through
    the helper clears the counts first, so a test that signs in many times never runs into them."""
    app.config["LOGIN_LIMIT_PER_ACCOUNT"] = "3 per minute"
    member = make_member()
    by_hand = AuthActions(app.test_client())
    assert [by_hand.login(member.email, "wrong password").status_code for _ in range(3)] == [200, 200, 200]
    assert by_hand.login(member.email).status_code == 429  # the limit is on and tripped
    for _ in range(25):
        assert login(app.test_client(), member).status_code == 302


def test_enable_plugin_and_sent_mail(app, client, enable_plugin, sent_mail):
    assert client.get("/social-care/partners").status_code == 404
    enable_plugin("social_care")
    assert client.get("/social-care/partners").status_code == 301  # to the core partnership map (issue 15)
    post_form(client, "/register", {"name": "Nia Jones", "email": "nia@example.org", "stakeholder_type": "carer",
                                    "area": "kent", "password": "three random words", "confirm": "three random words"})
    assert sent_mail.to("nia@example.org"), "the verification email reached the SMTP server"


def test_enable_plugin_says_why_it_failed(enable_plugin):
    with pytest.raises(AssertionError, match="could not enable no_such_plugin"):
        enable_plugin("no_such_plugin")


# -- the scaffold's naming rule ----------------------------------------------------------------------

@pytest.mark.parametrize("name, dist, module, entry_point, slug", [
    ("primary-care", "copractice-primary-care", "copractice_primary_care", "primary_care", "primary-care"),
    ("primary_care", "copractice-primary-care", "copractice_primary_care", "primary_care", "primary-care"),
    ("maternity", "copractice-maternity", "copractice_maternity", "maternity", "maternity"),
    ("long-covid-2", "copractice-long-covid-2", "copractice_long_covid_2", "long_covid_2", "long-covid-2"),
])
def test_hyphenated_names_are_accepted(tmp_path, name, dist, module, entry_point, slug):
    names = plugin_names(name)
    assert (names["dist"], names["module"], names["name"], names["slug"]) == (dist, module, entry_point, slug)
    path = write_plugin(name, tmp_path)
    pyproject = (path / "pyproject.toml").read_text()
    assert f'name = "{dist}"' in pyproject and f'{entry_point} = "{module}"' in pyproject
    assert (path / module / "__init__.py").exists()
    assert f'url_prefix="/{slug}"' in (path / module / "__init__.py").read_text()


@pytest.mark.parametrize("name", ["Primary-Care", "primary care", "2care", "p", "primary--care", "primary-",
                                  "-primary", "primary.care", "prímary", "a" * 32, "primary-_care"])
def test_names_that_cannot_be_a_plugin_are_refused_with_the_rule(tmp_path, name):
    with pytest.raises(ScaffoldError) as refused:
        write_plugin(name, tmp_path)
    message = str(refused.value)
    assert "lower-case letters" in message and "hyphen" in message and "primary-care" in message
    assert not any(tmp_path.iterdir())


def test_the_command_accepts_a_hyphenated_name_and_says_how_to_enable_it(tmp_path, runner):
    result = runner.invoke(args=["plugins", "new", "primary-care", "--directory", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "copractice plugins enable primary_care" in result.output
    refused = runner.invoke(args=["plugins", "new", "Primary Care", "--directory", str(tmp_path)])
    assert refused.exit_code != 0 and "for example primary-care" in refused.output
