"""Processes the benches start, and their clean-up: every process is registered and stopped by
``cleanup()``, which ``guarded_main`` runs on success, failure, Ctrl-C and SIGTERM; CPU read from /proc."""

from __future__ import annotations

import atexit
import contextlib
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
_RUNNING: list[subprocess.Popen] = []
_CLEANUPS: list = []  # callables run by cleanup(), last registered first


def _die_with_parent() -> None:
    """In the child: get SIGTERM if the bench dies without cleaning up (even by SIGKILL); Linux only."""
    import ctypes

    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def spawn(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    """Start a process in its own session (so Ctrl-C reaches only us, and we end its whole group)."""
    out = open(log, "ab")  # noqa: SIM115  (closed with the process)
    proc = subprocess.Popen(
        args,
        cwd=REPO,
        env=env,
        stdout=out,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        preexec_fn=_die_with_parent,
    )
    out.close()
    _RUNNING.append(proc)
    return proc


def end(proc: subprocess.Popen | None, sig: int = signal.SIGTERM, wait_s: float = 20.0) -> None:
    """Signal a process group we started (its leader is still ours: not reaped yet), wait, and SIGKILL
    the group if the leader did not exit (gunicorn's master exits only after its workers)."""
    if proc is None:
        return
    for signum, wait in ((sig, wait_s), (signal.SIGKILL, 10)):
        if proc.poll() is not None:
            break
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signum)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(wait)
    if proc in _RUNNING:
        _RUNNING.remove(proc)


def on_cleanup(func) -> None:
    _CLEANUPS.append(func)


def cleanup() -> None:
    """Stop every process we started and run the registered clean-ups (idempotent)."""
    for proc in list(reversed(_RUNNING)):
        end(proc, wait_s=10)
    while _CLEANUPS:
        func = _CLEANUPS.pop()
        try:
            func()
        except Exception as exc:  # keep cleaning up
            print(f"clean-up step failed: {exc}", file=sys.stderr)


def guarded_main(main) -> None:
    """Run ``main()`` (returns True when every correctness check passed) with clean-up on any exit."""

    def _terminate(signum, _frame):
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, _terminate)
    signal.signal(signal.SIGHUP, _terminate)
    atexit.register(cleanup)
    code = 1
    try:
        code = 0 if main() else 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        code = 130
    finally:
        cleanup()
    sys.exit(code)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def children(pid: int) -> list[int]:
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, IndexError, ValueError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) == pid:
                out.append(int(stat.parent.name))
    return sorted(out)


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU seconds of these processes so far."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in pids:
        with contextlib.suppress(OSError, IndexError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
    return total
