"""What a master-data record looks like on the way in: one pydantic model per kind, shared by the API
bodies and the CSV/XLSX import rows (so a file row and a JSON body are checked by the same rules).

Cells from files arrive as text: lists are written ``a;b;c`` (``L01:3:20;L04:2:15`` for plan items,
``code:per_week:minutes``), polygons ``lng,lat;lng,lat;...``, booleans ``true/false/1/0/是/否``.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from field_app import identity
from field_app.models.agency import CONTRACT_STATUSES
from field_app.models.caregiver import CAREGIVER_STATUSES, QUALIFICATIONS
from field_app.models.client import CARE_TYPES, CLIENT_STATUSES, GRADES
from field_app.registries.rows import GRADE_NAMES


def _split(sep: str = ";"):
    def split(value: Any) -> Any:
        if isinstance(value, str):
            return [part.strip() for part in value.split(sep) if part.strip()]
        return value

    return split


def _yes_no(value: Any) -> Any:
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in ("1", "true", "yes", "y", "是"):
            return True
        if lowered in ("0", "false", "no", "n", "否", ""):
            return False
    return value


def _resident_id(value: str) -> str:
    try:
        return identity.check_resident_id(value)
    except ValueError as exc:
        raise PydanticCustomError("invalid_id_number", "{reason}", {"reason": str(exc)}) from None


def _credit_code(value: str) -> str:
    try:
        return identity.check_credit_code(value)
    except ValueError as exc:
        raise PydanticCustomError("invalid_credit_code", "{reason}", {"reason": str(exc)}) from None


def _grade(value: Any) -> Any:
    return GRADE_NAMES.get(value.strip().lower(), value) if isinstance(value, str) else value


def _time(value: str) -> str:
    hour, _, minute = value.partition(":")
    if not (hour.isdigit() and minute.isdigit() and int(hour) < 24 and int(minute) < 60 and len(minute) == 2):
        raise PydanticCustomError("invalid_field", "a local time is HH:MM, e.g. 08:30")
    return f"{int(hour):02d}:{minute}"


ResidentId = Annotated[str, Field(max_length=24), AfterValidator(_resident_id)]
YesNo = Annotated[bool, BeforeValidator(_yes_no)]
Code = Annotated[str, Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_.-]+$")]
Name = Annotated[str, Field(min_length=1, max_length=100)]
Phone = Annotated[str, Field(min_length=5, max_length=20, pattern=r"^\+?[0-9 -]+$")]
Datum = Literal["WGS84", "GCJ02", "BD09"]
Grade = Annotated[Literal[GRADES], BeforeValidator(_grade)]  # type: ignore[valid-type]


class Shape(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, str_strip_whitespace=True)


class AgencyIn(Shape):
    """A designated care agency (定点护理机构)."""

    code: Code
    name: Annotated[str, Field(min_length=1, max_length=200)]
    credit_code: Annotated[str, AfterValidator(_credit_code)] | None = Field(
        None, description="统一社会信用代码, 18 characters, check character verified"
    )
    district: Annotated[str, Field(max_length=64)] | None = None
    contract_status: Literal[CONTRACT_STATUSES] = "active"  # type: ignore[valid-type]
    contract_start: date | None = None
    contract_end: date | None = None
    phones_per_caregiver: Annotated[int, Field(ge=1, le=5)] = 1

    @model_validator(mode="after")
    def _dates(self):
        _ordered(self.contract_start, self.contract_end, "contract_end")
        return self


class CaregiverIn(Shape):
    """A caregiver (护理员) of an agency."""

    code: Code = Field(description="Staff number, unique in the city")
    agency_code: Code
    name: Name
    id_number: ResidentId | None = Field(None, description="身份证号; stored only as a keyed hash + mask")
    phone: Phone | None = None
    qualification: Literal[QUALIFICATIONS] = "caregiver_5"  # type: ignore[valid-type]
    certificate_no: Annotated[str, Field(max_length=64)] | None = None
    certificate_valid_from: date | None = None
    certificate_valid_until: date | None = None
    employed_from: date | None = None
    employed_until: date | None = None
    status: Literal[CAREGIVER_STATUSES] = "active"  # type: ignore[valid-type]

    @model_validator(mode="after")
    def _dates(self):
        _ordered(self.certificate_valid_from, self.certificate_valid_until, "certificate_valid_until")
        _ordered(self.employed_from, self.employed_until, "employed_until")
        return self


class FamilyMemberIn(Shape):
    name: Name
    relation: Annotated[str, Field(max_length=32)] | None = None
    phone: Phone | None = None


def _polygon(value: Any) -> Any:
    if isinstance(value, str):
        pairs = [p.split(",") for p in value.split(";") if p.strip()]
        try:
            return [[float(a), float(b)] for a, b in pairs]
        except ValueError:
            raise PydanticCustomError(
                "invalid_field", "a polygon is lng,lat;lng,lat;... (3+ points)"
            ) from None
    return value


class ClientIn(Shape):
    """An insured person receiving care (参保人)."""

    insured_id: Code = Field(description="Insurance number (参保号)")
    agency_code: Code = Field(description="The agency that serves the client")
    name: Name
    id_number: ResidentId | None = Field(None, description="身份证号; stored only as a keyed hash + mask")
    birth_date: date | None = Field(None, description="Taken from the ID number when not given")
    grade: Grade | None = Field(None, description="失能等级; empty = none or lapsed")
    grade_valid_until: date | None = None
    care_type: Literal[CARE_TYPES] = "home"  # type: ignore[valid-type]
    address: Annotated[str, Field(max_length=300)] | None = None
    home_lat: Annotated[float, Field(ge=-90, le=90)]
    home_lng: Annotated[float, Field(ge=-180, le=180)]
    home_datum: Datum = Field("GCJ02", description="Geocoded addresses arrive in GCJ-02")
    fence_radius_m: Annotated[float, Field(ge=20, le=2000)] = 100.0
    fence_polygon: Annotated[
        Annotated[list[tuple[float, float]], Field(min_length=3, max_length=200)] | None,
        BeforeValidator(_polygon),
    ] = Field(None, description="(lng, lat) ring in home_datum; replaces the circle")
    trail_consent: YesNo = True
    status: Literal[CLIENT_STATUSES] = "active"  # type: ignore[valid-type]
    family: list[FamilyMemberIn] | None = Field(None, max_length=10)

    @model_validator(mode="after")
    def _birth(self):
        if self.id_number and self.birth_date and identity.birth_date_of(self.id_number) != self.birth_date:
            raise PydanticCustomError("invalid_field", "birth_date differs from the ID number's birth date")
        return self


def _item_lines(value: Any) -> Any:
    """``L01:3:20;L04:2`` -> [{code, per_week, minutes}], minutes defaulting to the catalogue's."""
    if not isinstance(value, str):
        return value
    lines = []
    for part in _split()(value):
        code, *rest = part.split(":")
        line: dict[str, Any] = {"code": code, "per_week": rest[0] if rest else None}
        if len(rest) > 1:
            line["minutes"] = rest[1]
        lines.append(line)
    return lines


class PlanItemIn(Shape):
    code: Annotated[str, Field(min_length=1, max_length=16)]
    per_week: Annotated[int, Field(ge=1, le=21)]
    minutes: Annotated[int, Field(ge=1, le=240)] | None = Field(None, description="Default: the catalogue's")


class CarePlanIn(Shape):
    """A care plan (护理计划) version: a change makes a new version effective from a day."""

    insured_id: Code
    plan_no: Code = "P1"
    effective_from: date
    effective_until: date | None = None
    items: Annotated[list[PlanItemIn], BeforeValidator(_item_lines), Field(min_length=1, max_length=50)]
    visit_days: Annotated[
        list[Annotated[int, Field(ge=1, le=7)]],
        BeforeValidator(_split(",")),
        Field(min_length=1, max_length=7),
    ] = Field(description="ISO weekdays of the visits, 1 = Monday")
    visit_time: Annotated[str, AfterValidator(_time)] = Field(description="Local start time, HH:MM")
    visit_minutes: Annotated[int, Field(ge=10, le=240)] = 60
    primary_caregiver: Code = Field(description="Staff number of the primary caregiver")
    substitutes: Annotated[list[Code], BeforeValidator(_split())] = Field(default_factory=list, max_length=10)
    allow_overlap: YesNo = Field(False, description="A household of two insured people served in one stay")

    @model_validator(mode="after")
    def _checks(self):
        _ordered(self.effective_from, self.effective_until, "effective_until")
        if len(set(self.visit_days)) != len(self.visit_days):
            raise PydanticCustomError("invalid_field", "visit_days lists a weekday twice")
        if self.primary_caregiver in self.substitutes:
            raise PydanticCustomError("invalid_field", "the primary caregiver is not also a substitute")
        return self


class PhoneIn(Shape):
    """A caregiver's phone: a registration request (or, by the agency, a phone approved at once)."""

    caregiver_code: Code
    device_id: Annotated[str, Field(min_length=1, max_length=128)]
    model: Annotated[str, Field(max_length=100)] | None = None
    approved: YesNo = Field(False, description="Agency staff registering a phone they hold: approve at once")


class SchemeRateIn(Shape):
    """A row of the scheme table (待遇标准) from a day on."""

    care_type: Literal[CARE_TYPES]  # type: ignore[valid-type]
    grade: Grade | None = None
    effective_from: date
    monthly_cap_yuan: Annotated[float, Field(gt=0, le=100_000)]
    fund_share: Annotated[float, Field(gt=0, le=1)]
    note: Annotated[str, Field(max_length=200)] | None = None


def _ordered(start: date | None, end: date | None, field: str) -> None:
    if start and end and end < start:
        raise PydanticCustomError("invalid_field", "{field} is before its start", {"field": field})


SHAPES: dict[str, type[Shape]] = {
    "agencies": AgencyIn,
    "caregivers": CaregiverIn,
    "phones": PhoneIn,
    "clients": ClientIn,
    "care_plans": CarePlanIn,
    "scheme_rates": SchemeRateIn,
}
