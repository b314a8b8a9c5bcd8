"""The audit log lives in its own module, copractice.audit, and nowhere else (no re-export left behind)."""
import ast
import importlib
import importlib.util
from pathlib import Path

from sqlalchemy import select

from copractice.audit import AuditEntry, audit
from copractice.extensions import db
from tests.conftest import create_member

ROOT = Path(__file__).resolve().parent.parent


def test_audit_records_who_did_what(app):
    with app.app_context():
        actor = create_member(role="admin")
        audit(actor, "member.noted", "member", actor.id, actor.name, {"a": 1}, {"a": 2}, "  because  ")
        db.session.flush()
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "member.noted"))
        assert (entry.actor_id, entry.target_id, entry.before, entry.after, entry.reason) == (
            actor.id, str(actor.id), {"a": 1}, {"a": 2}, "because")
        assert AuditEntry.__module__ == "copractice.audit"


def test_only_copractice_audit_defines_the_audit_log():
    assert importlib.util.find_spec("copractice.admin.models") is None  # nothing left behind in admin
    defined = [f"{path.relative_to(ROOT)}:{node.lineno}" for path in (ROOT / "copractice").rglob("*.py")
               for node in ast.walk(ast.parse(path.read_text()))
               if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and node.name in {"audit", "AuditEntry"}
               and path != ROOT / "copractice" / "audit.py"]
    assert defined == []


def test_everything_imports_the_audit_log_from_copractice_audit():
    # copractice.plugin_api re-exports the same function for plugins (their one door).
    wrong = []
    for folder in ("copractice", "plugins", "tests", "bench"):
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                if (isinstance(node, ast.ImportFrom) and node.module not in ("copractice.audit", "copractice.plugin_api")
                        and {"audit", "AuditEntry"} & {alias.name for alias in node.names}):
                    wrong.append(f"{path.relative_to(ROOT)}:{node.lineno} from {node.module}")
    assert wrong == []
