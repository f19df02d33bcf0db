"""Settings the README documents do what it says (no dead settings)."""

from __future__ import annotations

import pytest

from field_app.config import SETTINGS, load_config
from field_app.extensions import db
from field_app.models import Client
from tests import factories as f
from tests.api.conftest import check_in


def test_the_default_fence_radius_setting_sets_a_new_clients_fence(app, client, now, same_person):
    """FIELD_APP_GEOFENCE_DEFAULT_RADIUS_M = 300: a client created without a radius gets 300 m, and a
    check-in 200 m from the home (accuracy 10 m) is inside it; a radius given explicitly still wins."""
    app.config["GEOFENCE_DEFAULT_RADIUS_M"] = 300.0
    w = f.world(app, client)
    with app.app_context():
        assert db.session.get(Client, w.client_id).fence_radius_m == 300.0
        other = f.add_client(db.session.get(Client, w.client_id).agency, "330400000002", radius_m=80.0)
        assert other.fence_radius_m == 80.0
    resp = check_in(client, w, "att-00000001", same_person, now, lat=f.HOME[0] + 0.0018, accuracy_m=10)
    assert resp.status_code == 200, resp.get_json()
    geofence = resp.get_json()["attempt"]["geofence"]
    assert geofence["status"] == "inside" and 190 < geofence["distance_m"] < 210


def test_with_the_default_radius_the_same_check_in_is_outside(app, client, now, same_person):
    w = f.world(app, client)
    resp = check_in(client, w, "att-00000001", same_person, now, lat=f.HOME[0] + 0.0018, accuracy_m=10)
    assert resp.get_json()["attempt"]["geofence"]["status"] == "outside"


@pytest.mark.parametrize("value", ["0", "-5", "wide"])
def test_a_default_radius_that_is_not_a_positive_number_refuses_to_start(tmp_path, value):
    with pytest.raises(RuntimeError, match="GEOFENCE_DEFAULT_RADIUS_M"):
        load_config(str(tmp_path), {"FIELD_APP_GEOFENCE_DEFAULT_RADIUS_M": value})


def test_every_setting_is_read_somewhere_outside_the_config_module():
    """A setting nobody reads is a lie in the README (TRAIL_MAX_BATCH was one: the batch limit is the
    request schema's)."""
    from pathlib import Path

    root = Path(__file__).parents[2]
    sources = (
        "".join(p.read_text() for p in (root / "field_app").rglob("*.py") if p.name != "config.py")
        + (root / "gunicorn.conf.py").read_text()
    )
    config_py = (root / "field_app" / "config.py").read_text()
    used_in_config = {"ENV", "SECRET_KEY", "RULES_FILE", "IMAGE_MAX_BYTES"}  # read by load_config itself
    unread = [name for name in SETTINGS if f'"{name}"' not in sources and name not in used_in_config]
    assert unread == [] and all(f'"{n}"' in config_py for n in used_in_config)
