"""Per-request wall time, worker CPU and PostgreSQL backend CPU of one page, in process (medians).

    COPRACTICE_DATABASE_URL=... COPRACTICE_CACHE_TYPE=NullCache .venv/bin/python bench/measure_search.py PATH [N]

Wall time on a shared machine is noisy; CPU times are not (they leave out time waiting for a core).
"""
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def backend_cpu(pid):
    """Seconds of CPU the PostgreSQL backend ``pid`` has used (utime + stime from /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main():
    from sqlalchemy import text

    from copractice import create_app
    from copractice.extensions import db

    path, n = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 30
    app = create_app({"HTTP_CACHE_SECONDS": 0})
    client = app.test_client()
    assert client.get(path).status_code == 200
    with app.app_context():
        postgres = db.engine.dialect.name == "postgresql"
        pid = db.session.scalar(text("SELECT pg_backend_pid()")) if postgres else None
        db.session.rollback()
    walls, cpus = [], []
    pg_before = backend_cpu(pid) if pid else 0
    for _ in range(n):
        wall, cpu = time.perf_counter(), time.process_time()
        client.get(path)
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    pg = (backend_cpu(pid) - pg_before) / n if pid else 0
    print(f"{path}: wall median {statistics.median(walls) * 1000:.1f} ms, min {min(walls) * 1000:.1f}; "
          f"worker CPU median {statistics.median(cpus) * 1000:.1f} ms"
          + (f"; PostgreSQL backend CPU {pg * 1000:.1f} ms per request (one pooled connection)" if pid else ""))


if __name__ == "__main__":
    main()
