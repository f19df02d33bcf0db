"""A lease in the database so that only one scanner runs at a time, across processes and machines.

A plain UPDATE ... WHERE (free or expired) is atomic on SQLite and PostgreSQL alike; a holder that
dies stops renewing and its lease expires, so a restarted scheduler takes over.
"""

from __future__ import annotations

import os
import socket
import uuid
from datetime import datetime, timedelta

from sqlalchemy import or_, update

from field_app.extensions import db
from field_app.models import ScanLock
from field_app.services.upserts import insert_ignoring_duplicates

SCANNER = "scanner"


def holder_id() -> str:
    """Who we are, for the lock row and the logs: host, pid and a random part."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def acquire(holder: str, now: datetime, lease_seconds: int, name: str = SCANNER) -> bool:
    """Take (or renew) the lease; False when another live holder has it. Commits."""
    insert_ignoring_duplicates(ScanLock, [{"name": name, "holder": None, "expires_at": None}], ["name"])
    stmt = (update(ScanLock).where(ScanLock.name == name)
            .where(or_(ScanLock.holder.is_(None), ScanLock.holder == holder, ScanLock.expires_at < now))
            .values(holder=holder, expires_at=now + timedelta(seconds=lease_seconds)))
    taken = db.session.execute(stmt).rowcount == 1
    db.session.commit()
    return taken


def release(holder: str, name: str = SCANNER) -> None:
    """Give the lease back (only if we still hold it). Commits."""
    db.session.execute(update(ScanLock).where(ScanLock.name == name, ScanLock.holder == holder)
                       .values(holder=None, expires_at=None))
    db.session.commit()
