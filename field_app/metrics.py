"""Prometheus metrics: request latency by route, verification outcomes, scans and alerts.

Under gunicorn every worker is its own process, and the scheduler another: with
``PROMETHEUS_MULTIPROC_DIR`` set (scripts/prod does) they all write to that folder and ``/metrics``
on any worker aggregates them.
"""

from __future__ import annotations

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)

from field_app.config import metrics_multiproc_dir

REQUEST_SECONDS = Histogram(
    "field_app_request_seconds",
    "API request latency by route template",
    ["method", "route", "status"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
VERIFICATIONS = Counter(
    "field_app_verifications_total",
    "Check-in/out attempts by face and geofence outcome",
    ["kind", "face", "geofence"],
)
TRAIL_POINTS = Counter("field_app_trail_points_total", "Trail points stored (duplicates not counted)")
SCAN_SECONDS = Histogram(
    "field_app_scan_seconds",
    "Duration of rule scans",
    ["kind"],
    buckets=(0.1, 0.5, 1, 5, 15, 60, 300, 1800),
)
ALERTS_RAISED = Counter("field_app_alerts_raised_total", "New alerts raised by the rule library", ["rule"])


def render() -> tuple[bytes, str]:
    """The exposition text: every process's metrics in multiprocess mode, else this process's."""
    if metrics_multiproc_dir():
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    return generate_latest(registry), CONTENT_TYPE_LATEST
