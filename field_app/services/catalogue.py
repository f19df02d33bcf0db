"""Load the service catalogue (护理服务项目目录) from a JSON file."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select

from field_app.extensions import db
from field_app.models import ServiceItem

DEFAULT_FILE = Path(__file__).resolve().parents[2] / "fixtures" / "catalogue.json"


def load_catalogue(path: Path = DEFAULT_FILE) -> int:
    """Insert or update every item of the file by code; returns how many items it holds."""
    items = json.loads(Path(path).read_text(encoding="utf-8"))["items"]
    existing = {s.code: s for s in db.session.scalars(select(ServiceItem))}
    for raw in items:
        item = existing.get(raw["code"]) or ServiceItem(code=raw["code"])
        item.name_zh, item.name_en, item.group = raw["name_zh"], raw["name_en"], raw["group"]
        item.min_minutes, item.needs_nurse = raw["min_minutes"], raw["needs_nurse"]
        item.unit_price_yuan = Decimal(str(raw["unit_price_yuan"]))
        db.session.add(item)
    db.session.flush()
    return len(items)
