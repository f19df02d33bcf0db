"""A lease in the database so that only one scanner runs at a time, across processes and machines.

A plain UPDATE ... WHERE (free or expired) is atomic on SQLite and PostgreSQL alike; a holder that
dies stops renewing and its lease expires, so a restarted scheduler takes over.

The holder id is one per process, not one per scan: a scan cut off by a database outage cannot give
its lease back (the release fails too), and with a fresh id per scan the same scheduler then skipped
every scan until the lease expired (10 minutes by default). With one id, its next scan simply renews
the lease and resumes the run. This relies on the scheduler running its jobs one at a time (one
worker thread): two scans of one process at once would both hold the lease.
"""

from __future__ import annotations

import os
import socket
import uuid
from datetime import datetime, timedelta
from functools import cache

from sqlalchemy import or_, update

from field_app.extensions import db
from field_app.models import ScanLock
from field_app.services.upserts import insert_ignoring_duplicates

SCANNER = "scanner"


def holder_id() -> str:
    """Who this process is, for the lock row and the logs: host, pid and a random part (pids are
    re-used across restarts and containers). Made once per process; a forked child makes its own."""
    return _holder_of(os.getpid())


@cache
def _holder_of(pid: int) -> str:
    return f"{socket.gethostname()}:{pid}:{uuid.uuid4().hex[:8]}"


def acquire(holder: str, now: datetime, lease_seconds: int, name: str = SCANNER) -> bool:
    """Take (or renew) the lease; False when another live holder has it. Commits."""
    insert_ignoring_duplicates(ScanLock, [{"name": name, "holder": None, "expires_at": None}], ["name"])
    stmt = (
        update(ScanLock)
        .where(ScanLock.name == name)
        .where(or_(ScanLock.holder.is_(None), ScanLock.holder == holder, ScanLock.expires_at < now))
        .values(holder=holder, expires_at=now + timedelta(seconds=lease_seconds))
    )
    taken = db.session.execute(stmt).rowcount == 1
    db.session.commit()
    return taken


def release(holder: str, name: str = SCANNER) -> None:
    """Give the lease back (only if we still hold it). Commits."""
    db.session.execute(
        update(ScanLock)
        .where(ScanLock.name == name, ScanLock.holder == holder)
        .values(holder=None, expires_at=None)
    )
    db.session.commit()
