"""CPU time of processes, from /proc (Linux): the benchmarks' load-independent figure.

On a machine shared with other work, wall time stretches with the load while
the CPU seconds a run costs the application and its database stay roughly the
same; the benchmarks record both.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pids: Iterable[int]) -> float:
    """User + system CPU seconds used so far by ``pids`` (those gone count 0)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / TICKS


def children(pid: int) -> list[int]:
    """The direct children of ``pid`` (gunicorn's workers)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def local_backends(connection, everyone: bool = False) -> list[int]:
    """PostgreSQL server processes of this database (or only this connection's), when local.

    ``connection`` is a SQLAlchemy connection; an empty list when the server
    runs on another machine (its processes are not in /proc).
    """
    if connection.dialect.name != "postgresql":
        return []
    host = connection.engine.url.host or "localhost"
    if host not in ("localhost", "127.0.0.1", "::1") and not host.startswith("/"):
        return []
    from sqlalchemy import text

    if everyone:
        query = "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
    else:
        query = "SELECT pg_backend_pid()"
    return [int(pid) for pid in connection.execute(text(query)).scalars()]
