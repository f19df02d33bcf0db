"""gunicorn.conf.py, as gunicorn reads it before the workers import the app (numpy, dlib)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
READ_CONF = (
    "import json, os, runpy; conf = runpy.run_path('gunicorn.conf.py'); print(json.dumps({"
    "'blas': os.environ.get('OPENBLAS_NUM_THREADS'), 'omp': os.environ.get('OMP_NUM_THREADS'),"
    " 'worker_class': conf['worker_class'], 'workers': conf['workers']}))"
)


def read_conf(**env: str) -> dict:
    clean = {
        k: v for k, v in os.environ.items() if k not in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "WORKERS")
    }
    out = subprocess.run(
        [sys.executable, "-c", READ_CONF],
        cwd=REPO,
        env={**clean, **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout)


def test_every_worker_gets_one_blas_thread_and_process_workers():
    # OpenBLAS's spinning threads doubled a check-in's CPU with workers = cores (bench/README.md, peak.py)
    assert read_conf() == {"blas": "1", "omp": "1", "worker_class": "sync", "workers": 2}


def test_an_operator_can_still_choose_the_blas_threads_and_workers():
    assert read_conf(OPENBLAS_NUM_THREADS="4", OMP_NUM_THREADS="2", WORKERS="6") == {
        "blas": "4",
        "omp": "2",
        "worker_class": "sync",
        "workers": 6,
    }
