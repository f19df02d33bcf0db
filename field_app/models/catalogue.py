"""The city's service catalogue (护理服务项目目录)."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import Boolean, Integer, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from field_app.extensions import db

DAILY_LIFE, MEDICAL = "daily_life", "medical"  # 生活照料 / 医疗护理


class ServiceItem(db.Model):
    __tablename__ = "service_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name_zh: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))
    group: Mapped[str] = mapped_column(String(16))  #: DAILY_LIFE | MEDICAL
    min_minutes: Mapped[int] = mapped_column(Integer)
    needs_nurse: Mapped[bool] = mapped_column(Boolean, default=False)
    unit_price_yuan: Mapped[Decimal] = mapped_column(Numeric(10, 2))

    def __repr__(self) -> str:
        return f"<ServiceItem {self.code}>"
