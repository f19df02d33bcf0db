"""A visit made through the real API (real face engine, trail, items), so the log captures what it would."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests import factories as f
from tests.api.conftest import check_in, check_out

VISIT = "visit-evid-0001"


def trail(start: datetime, n: int, offset: int = 0) -> dict:
    return {
        "points": [
            f.fix(start + timedelta(seconds=30 * (i + offset)), lat=f.HOME[0] + 1e-5 * i) for i in range(n)
        ]
    }


@pytest.fixture
def visit(app, client):
    """A closed visit: check-in, two trail batches (one re-sent), items, check-out, all through the API."""
    w = f.world(app, client)
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=90)
    selfie = f.photo("obama", 1)
    assert check_in(client, w, "att-evid-in", selfie, start, visit=VISIT).status_code == 200
    for batch in (trail(start, 60), trail(start, 60, offset=60), trail(start, 60, offset=60)):
        assert client.post(f"/api/v1/visits/{VISIT}/trail", json=batch).status_code == 200
    items = {"items": [{"code": "L03", "started_at": (start + timedelta(minutes=1)).isoformat(),
                        "ended_at": (start + timedelta(minutes=42)).isoformat()}]}  # fmt: skip
    assert client.post(f"/api/v1/visits/{VISIT}/items", json=items).status_code in (200, 201)
    end = start + timedelta(minutes=75)
    assert check_out(client, w, "att-evid-out", selfie, end, visit=VISIT).status_code == 200
    w.visit_uuid, w.selfie = VISIT, selfie
    return w
