"""PostgreSQL for the benches: scripts/pg.sh's server or --pg-url (loopback only), fresh databases, a
private throw-away cluster for the restart test, and the server processes serving a database."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from _procs import REPO, free_port, on_cleanup


def pg_bin() -> Path | None:
    dirs = sorted(
        Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: [int(x) for x in p.parent.name.split(".")]
    )
    return dirs[-1] if dirs else None


def as_owner(args: list[str]) -> list[str]:
    """initdb/postgres refuse to run as root: run them as the postgres user then (as scripts/pg.sh)."""
    return ["runuser", "-u", "postgres", "--", *args] if os.getuid() == 0 else args


def server_of(url: str) -> str:
    """postgresql://user@host:port (no database) from any database URL; loopback only, by house rule."""
    parts = urlsplit(
        url.replace("postgresql+psycopg://", "postgresql://").replace("postgres://", "postgresql://")
    )
    if parts.hostname not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit(f"the benches talk to 127.0.0.1 only; refusing PostgreSQL at {parts.hostname!r}")
    return urlunsplit((parts.scheme, parts.netloc, "", "", ""))


def db_url(server: str, name: str) -> str:
    return f"{server}/{name}"


def _admin(server: str):
    import psycopg

    return psycopg.connect(db_url(server, "postgres"), autocommit=True, connect_timeout=5)


def server_up(server: str) -> bool:
    try:
        with _admin(server):
            return True
    except Exception:
        return False


def _pg_sh(command: str, check: bool = True) -> str:
    """Run ``scripts/pg.sh COMMAND`` (url | start | stop); its output."""
    script = str(REPO / "scripts" / "pg.sh")
    done = subprocess.run([script, command], check=check, capture_output=True, text=True, errors="replace")
    return done.stdout.strip()


def pg_server(pg_url: str | None) -> str:
    """The server to use: --pg-url, else scripts/pg.sh's (started when down, and stopped again at the end)."""
    if pg_url:
        server = server_of(pg_url)
        if not server_up(server):
            raise SystemExit(f"PostgreSQL at {server} does not answer")
        return server
    server = server_of(_pg_sh("url"))
    if not server_up(server):
        print("scripts/pg.sh server is down: starting it (and stopping it again at the end)")
        _pg_sh("start")
        on_cleanup(lambda: _pg_sh("stop", check=False))
    return server


def recreate_database(server: str, name: str, template: str | None = None) -> str:
    """Drop and create a database (optionally as a copy of another); returns its URL."""
    with _admin(server) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
    return db_url(server, name)


def drop_database(server: str, name: str) -> None:
    with _admin(server) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class PrivateCluster:
    """A throw-away PostgreSQL cluster (same binaries and options as scripts/pg.sh: fsync=off), so a
    restart during the fault test disturbs nobody else's tests on the shared server."""

    def __init__(self) -> None:
        self.bin = pg_bin()
        if self.bin is None:
            raise RuntimeError("PostgreSQL server binaries not found under /usr/lib/postgresql")
        self.dir = Path(tempfile.mkdtemp(prefix="field_app_bench_pg_"))
        self.port = free_port()
        self.server = f"postgresql://postgres@127.0.0.1:{self.port}"
        on_cleanup(self.destroy)
        if os.getuid() == 0:
            shutil.chown(self.dir, "postgres")
        subprocess.run(
            as_owner(
                [
                    str(self.bin / "initdb"),
                    "-D",
                    str(self.dir),
                    "-U",
                    "postgres",
                    "--auth=trust",
                    "-E",
                    "UTF8",
                    "--locale=C.UTF-8",
                ]
            ),
            check=True,
            capture_output=True,
        )
        self.start()

    def _ctl(self, *args: str, check: bool = True) -> None:
        subprocess.run(
            as_owner([str(self.bin / "pg_ctl"), "-D", str(self.dir), *args]), check=check, capture_output=True
        )

    def start(self) -> None:
        self._ctl(
            "-l",
            str(self.dir / "server.log"),
            "-w",
            "-o",
            f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off",
            "start",
        )

    def stop(self, mode: str = "fast", check: bool = True) -> None:
        self._ctl("-m", mode, "-w", "stop", check=check)

    def destroy(self) -> None:
        self.stop("immediate", check=False)  # already stopped (a failed restart) is fine here
        shutil.rmtree(self.dir, ignore_errors=True)


def backend_pids(server: str, dbname: str) -> list[int]:
    """PostgreSQL server processes serving this database (to count their CPU; same machine only)."""
    with _admin(server) as conn:
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", (dbname,)
        ).fetchall()
    return [r[0] for r in rows]
