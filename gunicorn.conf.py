"""gunicorn settings for field_app: process workers (dlib is not thread-safe), metrics across them."""

import os

# One BLAS thread per process: workers = cores already, and OpenBLAS's own threads (numpy's, or dlib's
# when built with BLAS) spin on the other workers' cores. Measured (bench/README.md): dlib built with
# OpenBLAS took 203 ms of CPU a check-in with its default threads, 97 ms with one. Set before the app
# (numpy, dlib) is imported: gunicorn reads this file first, workers import the app after forking.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

bind = os.environ.get("BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WORKERS", "2"))
worker_class = "sync"
timeout = 60
graceful_timeout = 30
accesslog = None  # the app logs each request with its id and route template, without personal data


def child_exit(server, worker):
    """Drop a dead worker's live gauges from the shared Prometheus folder."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
