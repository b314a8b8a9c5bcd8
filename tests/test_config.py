"""Configuration classes and settings from the environment."""
import pytest

from config import DEV_SECRET_KEY, DevelopmentConfig, ProductionConfig, TestingConfig
from copractice import create_app


def test_default_database_is_a_sqlite_file_in_the_instance_folder(monkeypatch):
    monkeypatch.delenv("COPRACTICE_DATABASE_URL", raising=False)
    app = create_app({"ENV_NAME": "development"})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "sqlite:///" + app.instance_path + "/copractice.sqlite3"


def test_every_setting_is_read_from_the_environment(monkeypatch):
    monkeypatch.setenv("COPRACTICE_DATABASE_URL", "postgresql+psycopg://u:p@db.example:5432/copractice")
    monkeypatch.setenv("COPRACTICE_SECRET_KEY", "s" * 40)
    monkeypatch.setenv("COPRACTICE_MAIL_SERVER", "smtp.example.org")
    monkeypatch.setenv("COPRACTICE_MAIL_PORT", "587")
    monkeypatch.setenv("COPRACTICE_MAIL_USE_TLS", "true")
    monkeypatch.setenv("COPRACTICE_UPLOAD_FOLDER", "/srv/copractice/uploads")
    monkeypatch.setenv("COPRACTICE_RATELIMIT_STORAGE_URI", "redis://127.0.0.1:6379")
    app = create_app({"ENV_NAME": "development"})
    assert app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql+psycopg://")
    assert app.config["SECRET_KEY"] == "s" * 40
    assert (app.config["MAIL_SERVER"], app.config["MAIL_PORT"], app.config["MAIL_USE_TLS"]) == \
        ("smtp.example.org", 587, True)
    assert app.config["UPLOAD_FOLDER"] == "/srv/copractice/uploads"
    assert app.config["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379"


def test_environment_chooses_the_config_class(monkeypatch):
    monkeypatch.setenv("COPRACTICE_ENV", "testing")
    assert create_app().config["TESTING"] is True
    monkeypatch.setenv("COPRACTICE_ENV", "nonsense")
    with pytest.raises(RuntimeError, match="COPRACTICE_ENV must be one of"):
        create_app()


def test_production_refuses_the_development_secret_key(monkeypatch):
    monkeypatch.delenv("COPRACTICE_SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="Production needs its own secret key"):
        create_app({"ENV_NAME": "production"})
    with pytest.raises(RuntimeError):
        create_app({"ENV_NAME": "production", "SECRET_KEY": DEV_SECRET_KEY})


def test_production_starts_with_a_real_key_and_secure_cookies(monkeypatch):
    monkeypatch.setenv("COPRACTICE_SECRET_KEY", "k" * 64)
    monkeypatch.setenv("COPRACTICE_BASE_URL", "https://copractice.example.org")
    app = create_app({"ENV_NAME": "production"})
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["SESSION_COOKIE_HTTPONLY"]
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax" and app.config["REMEMBER_COOKIE_SECURE"]


def test_fast_password_hashing_only_under_testing():
    assert TestingConfig.PASSWORD_HASH_MEMORY_COST < 1024
    for cls in (DevelopmentConfig, ProductionConfig):
        assert cls.PASSWORD_HASH_MEMORY_COST >= 19 * 1024 and cls.PASSWORD_HASH_TIME_COST >= 2


def test_extensions_are_unbound_so_two_apps_keep_their_own_databases(tmp_path):
    from flask import Flask

    from copractice import extensions
    from copractice.extensions import db

    assert not any(isinstance(value, Flask) for value in vars(extensions).values())
    first = create_app({"ENV_NAME": "testing", "DATABASE_URL": f"sqlite:///{tmp_path}/one.sqlite3"})
    second = create_app({"ENV_NAME": "testing", "DATABASE_URL": f"sqlite:///{tmp_path}/two.sqlite3"})
    with first.app_context():
        one = str(db.engine.url)
    with second.app_context():
        two = str(db.engine.url)
    assert one.endswith("one.sqlite3") and two.endswith("two.sqlite3")


def test_production_needs_the_public_address_for_email_links(monkeypatch):
    monkeypatch.setenv("COPRACTICE_SECRET_KEY", "k" * 64)
    monkeypatch.delenv("COPRACTICE_BASE_URL", raising=False)
    with pytest.raises(RuntimeError, match="COPRACTICE_BASE_URL"):
        create_app({"ENV_NAME": "production"})
