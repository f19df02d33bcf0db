"""Scheduler jobs of the evidence log (declared in ``field_app.scheduler``; the wrapper commits)."""

from __future__ import annotations

from field_app.evidence import service
from field_app.timeutil import now_utc


def sequence_pending() -> int:
    """Give leaves committed since the last run their places in the tree (every minute)."""
    return service.sequence()


def sign_tree_head() -> int:
    """Sign (and time-stamp, when a TSA is configured) the tree as it stands: at least daily."""
    return service.sign_head(now_utc()).tree_size


def clip_housekeeping() -> int:
    """Live requests past their deadline become missed; clip contents past the retention are deleted."""
    from flask import current_app

    from field_app.evidence.media import clips, storage

    now = now_utc()
    missed = clips.mark_missed(now)
    store = storage.from_config(current_app.config, current_app.instance_path)
    return missed + clips.purge_expired(store, current_app.config["CLIP_RETENTION_DAYS"], now)
