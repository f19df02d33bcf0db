"""Configuration from environment variables: the only module that reads ``os.environ``.

Every setting is ``FIELD_APP_<NAME>``; ``DATABASE_URL`` is also read unprefixed because that is the
convention hosting tools follow. Values are parsed strictly: a malformed number stops the start-up
with a message naming the variable instead of running with a surprise.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

PREFIX = "FIELD_APP_"
DEFAULT_SECRET = "dev-only-not-secret"


def _bool(text: str) -> bool:
    lowered = text.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"expected true/false, got {text!r}")


def _aes_key_hex(text: str) -> str:
    key = text.strip()
    if len(key) != 32 or any(c not in "0123456789abcdefABCDEF" for c in key):
        raise ValueError("expected 32 hex digits (an AES-128 key)")
    return key.upper()


def _int_list(text: str) -> tuple[int, ...]:
    return tuple(int(x) for x in text.replace(" ", "").split(",") if x)


def _positive_float(text: str) -> float:
    value = float(text)
    if not value > 0 or value == float("inf"):
        raise ValueError(f"expected a positive number, got {text!r}")
    return value


#: name -> (parser, default). Defaults are safe for a laptop; production overrides by environment.
SETTINGS: dict[str, tuple[Callable[[str], Any], Any]] = {
    "ENV": (str, "development"),  # "production" refuses default secrets
    "SECRET_KEY": (str, DEFAULT_SECRET),
    "TIMEZONE": (str, "Asia/Shanghai"),  # clock face for service hours and calendar days
    # Face check: chosen from bench/face_threshold.py's curve (see verification.face and the README).
    "FACE_MATCH_THRESHOLD": (float, 0.56),
    "FACE_ENROL_MIN_PHOTOS": (int, 3),  # a gallery of 3-5 carries genuine faces (README, the face threshold)
    "FACE_MAX_ATTEMPTS": (int, 3),  # per visit end (check-in / check-out), retries included
    "FACE_MIN_PX": (int, 0),  # 0 = the engine's default
    "IMAGE_MAX_BYTES": (int, 8 * 1024 * 1024),
    "IMAGE_MAX_PIXELS": (int, 50_000_000),
    # Geofence: a new client's radius unless given; Android's accuracy is a 68 % radius, and a factor > 1
    # widens it towards 95 %.
    "GEOFENCE_DEFAULT_RADIUS_M": (_positive_float, 100.0),
    "GEOFENCE_ACCURACY_FACTOR": (float, 1.0),
    # Time checks.
    "VISIT_MAX_MINUTES": (int, 240),
    "FUTURE_TOLERANCE_SECONDS": (int, 300),  # a fix time further ahead than this is refused
    "PAST_LIMIT_DAYS": (int, 30),  # offline uploads older than this are refused
    "TRAIL_GRACE_HOURS": (float, 48.0),  # late trail uploads accepted this long after check-out
    "TRAIL_RESCAN_MINUTES": (int, 10),  # an open visit's new points are re-judged at most this often
    # Accounts and security.
    "ACCESS_TOKEN_MINUTES": (int, 60),
    "REFRESH_TOKEN_DAYS": (int, 30),
    "UNREGISTERED_DEVICE": (str, "refuse"),  # refuse | flag: a caregiver on a phone not registered
    "SIGN_IN_LIMIT": (int, 10),  # failed sign-ins per username (and per client address) per window
    "ATTEMPT_LIMIT": (int, 30),  # check-in/out attempts per user (and per device) per window
    "RATE_WINDOW_SECONDS": (int, 300),
    # Reverse proxies in front of the app whose X-Forwarded-For is trusted (0: none; the socket's address)
    "TRUSTED_PROXIES": (int, 0),
    "METRICS_TOKEN": (str, ""),  # /metrics needs "Authorization: Bearer <this>"; empty: /metrics is off
    "PASSWORD_MIN_LENGTH": (int, 8),  # NIST SP 800-63B 5.1.1.2; plus the common-password list
    # Trail points and items must lie within the visit: check-in - slack .. (check-out or now) + slack
    "VISIT_WINDOW_SLACK_MINUTES": (int, 60),
    "ACCURACY_MAX_M": (float, 20_000.0),  # a fix less precise than this is no position at all
    "SELFIE_RETENTION_DAYS": (int, 0),  # 0 = selfies are not stored at all, only their encodings
    # Presence (在场证明): liveness by challenge, bedside NFC tags, two-way confirmation (README "Presence").
    "LIVENESS_POLICY": (str, "off"),  # off | always | agencies | risk: when a check-in/out needs a burst
    "LIVENESS_AGENCIES": (_int_list, ()),  # agency ids, for the "agencies" policy
    "LIVENESS_RISK_MIN_SCORE": (int, 50),  # "risk": caregivers whose alert risk is at least this ...
    "LIVENESS_SAMPLE_RATE": (float, 0.0),  # ... plus this share of the other visits, at random
    "LIVENESS_CHALLENGE_SECONDS": (int, 120),  # a challenge's life, from issue to the check-in using it
    "LIVENESS_YAW_THRESHOLD": (float, 0.14),  # measured: bench/liveness_threshold.py
    "LIVENESS_ACTIONS": (int, 1),  # head movements asked per challenge: 1 or 2
    "TAG_MASTER_KEY": (_aes_key_hex, ""),  # 32 hex digits; empty in development = derived from SECRET_KEY
    "TAG_REQUIRED": (_bool, False),  # a valid tap at check-in and check-out where the client has a tag
    "CONFIRMATION_POLICY": (str, "off"),  # off | sample | always: family confirmation at check-out
    "CONFIRMATION_SAMPLE_RATE": (float, 0.1),  # "sample": this share of visits, more for risky caregivers
    "CONFIRMATION_MINUTES": (int, 720),  # the signed code's life
    # Rule library and scheduler.
    "RULES_FILE": (str, ""),  # JSON {"F01": {"max_mismatches": 2}, "disabled": ["T05"], "preview": ["X10"]}
    "SCAN_INTERVAL_SECONDS": (int, 60),
    "FULL_SCAN_HOUR": (int, 2),  # local hour of the nightly full scan
    "FULL_SCAN_DAYS": (int, 7),
    "SCAN_LOCK_SECONDS": (int, 600),  # a scheduler that dies frees its lock after this
    "SCAN_CONTEXT_DAYS": (int, 30),  # history loaded around scanned days (patterns, re-used selfies)
    "SCAN_CHUNK_SIZE": (int, 500),  # visits per committed chunk: what a killed scan redoes, a stop waits for
    # Evidence log (field_app/evidence): a Merkle log of every event, signed tree heads, bundles.
    "EVIDENCE_LOG": (_bool, True),  # false only for benchmarks' A/B runs
    "EVIDENCE_KEY_FILE": (str, ""),  # Ed25519 PEM private key; default instance/evidence_ed25519.pem
    "EVIDENCE_TSA_URL": (str, ""),  # an RFC 3161 time-stamp authority; empty = heads are not time-stamped
    "EVIDENCE_TSA_TIMEOUT_SECONDS": (float, 10.0),
    "EVIDENCE_SIGN_HOURS": (int, 24),  # a signed tree head at least this often (and on demand)
    # Audio/video evidence (clips): limits, storage, retention (PIPL), re-use thresholds.
    "CLIP_MAX_BYTES": (int, 50 * 1024 * 1024),
    "CLIP_MAX_SECONDS": (float, 120.0),
    "CLIP_CHUNK_MAX_BYTES": (int, 4 * 1024 * 1024),  # one PUT of an upload; phones send 256 KiB-1 MiB
    "CLIP_STORE": (str, "fs"),  # fs | s3
    "CLIP_DIR": (str, ""),  # default instance/clips (chunks in progress: instance/clip_uploads)
    "CLIP_S3_BUCKET": (str, ""),
    "CLIP_S3_ENDPOINT_URL": (str, ""),  # any S3-compatible endpoint; credentials: boto3's usual chain
    "CLIP_S3_REGION": (str, ""),
    "CLIP_RETENTION_DAYS": (int, 180),  # clip contents are deleted after this; metadata and hash stay
    # Schedules (排班): planned visits generated this many days ahead; a visit not checked in by its
    # planned start + the missed-visit rule's grace is flagged (rule S01).
    "SCHEDULE_DAYS": (int, 7),
    # Review console map (/console/): base-map tiles; empty URL = no tiles, a blank map with a scale bar.
    "MAP_TILE_URL": (str, ""),  # a Leaflet URL template, e.g. https://{s}.example/{z}/{x}/{y}.png
    "MAP_TILE_DATUM": (str.upper, "GCJ02"),  # WGS84 | GCJ02: the tiles' datum; AMap/Tencent are GCJ02
    "MAP_TILE_ATTRIBUTION": (str, ""),  # the tile provider's required credit
    "MAP_TILE_SUBDOMAINS": (str, "abc"),  # letters or digits substituted for {s}
    "MAP_TILE_MAX_ZOOM": (int, 18),
}


PRESENCE_WORDS = {
    "LIVENESS_POLICY": ("off", "always", "agencies", "risk"),
    "CONFIRMATION_POLICY": ("off", "sample", "always"),
}


def _database_url(environ: Mapping[str, str], instance_path: str) -> str:
    url = environ.get(PREFIX + "DATABASE_URL") or environ.get("DATABASE_URL")
    if url:
        # SQLAlchemy names the psycopg 3 driver explicitly.
        for old in ("postgres://", "postgresql://"):
            if url.startswith(old):
                return "postgresql+psycopg://" + url[len(old) :]
        return url
    return "sqlite:///" + str(Path(instance_path) / "field_app.sqlite")


def load_config(instance_path: str, environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Build the Flask config dict from the environment."""
    environ = os.environ if environ is None else environ
    config: dict[str, Any] = {}
    for name, (parse, default) in SETTINGS.items():
        raw = environ.get(PREFIX + name)
        try:
            config[name] = default if raw is None or raw == "" else parse(raw)
        except ValueError as exc:
            raise RuntimeError(f"{PREFIX}{name}: {exc}") from exc
    config["SQLALCHEMY_DATABASE_URI"] = _database_url(environ, instance_path)
    # hide_parameters: a database error's message never carries the values (coordinates, names, faces)
    config["SQLALCHEMY_ENGINE_OPTIONS"] = {"pool_pre_ping": True, "hide_parameters": True}
    # base64 inflates a selfie by 4/3; leave room for the JSON around it.
    config["MAX_CONTENT_LENGTH"] = config["IMAGE_MAX_BYTES"] * 4 // 3 + 256 * 1024
    config["RULE_OVERRIDES"] = load_rule_overrides(config["RULES_FILE"])
    return config


def load_rule_overrides(path: str) -> dict[str, Any]:
    """Thresholds from the rules file: {code: {param: value}, "disabled": [codes]}."""
    if not path:
        return {}
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise RuntimeError(f"{PREFIX}RULES_FILE {path}: {exc}") from exc
    if not isinstance(data, dict):
        raise RuntimeError(f"{PREFIX}RULES_FILE {path}: expected a JSON object")
    return data


def check_production_safety(config: Mapping[str, Any]) -> None:
    """Refuse to run in production with the development secret or unknown policy words."""
    if config.get("ENV") == "production" and config.get("SECRET_KEY") in (DEFAULT_SECRET, "", None):
        raise RuntimeError(f"{PREFIX}SECRET_KEY must be set to a real secret when {PREFIX}ENV=production")
    if config.get("UNREGISTERED_DEVICE", "refuse") not in ("refuse", "flag"):
        raise RuntimeError(f"{PREFIX}UNREGISTERED_DEVICE must be 'refuse' or 'flag'")
    for name, words in PRESENCE_WORDS.items():
        if config.get(name, words[0]) not in words:
            raise RuntimeError(f"{PREFIX}{name} must be one of {', '.join(words)}")
    if config.get("ENV") == "production" and config.get("TAG_REQUIRED") and not config.get("TAG_MASTER_KEY"):
        raise RuntimeError(f"{PREFIX}TAG_MASTER_KEY must be set when tags are required in production")


def metrics_multiproc_dir() -> str | None:
    """prometheus_client's own switch (it reads the variable itself at import): multiprocess mode."""
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None
