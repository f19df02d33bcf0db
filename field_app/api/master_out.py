"""Response shapes of the master-data endpoints (for the OpenAPI spec and the response checks)."""

from __future__ import annotations

from pydantic import Field

from field_app.api.responses import Out


class AgencyOut(Out):
    id: int
    code: str
    name: str
    credit_code: str | None
    district: str | None
    contract_status: str
    contract_start: str | None
    contract_end: str | None
    phones_per_caregiver: int
    active: bool
    demo: bool


class PhoneSummaryOut(Out):
    id: int
    device_id: str
    status: str
    model: str | None


class CaregiverOut(Out):
    id: int
    agency_id: int
    agency_code: str
    code: str
    name: str
    id_masked: str | None = Field(description="Masked ID number; the number itself is never returned")
    phone: str | None
    qualification: str
    is_nurse: bool
    certificate_no: str | None
    certificate_valid_from: str | None
    certificate_expires_on: str | None
    employed_from: str | None
    employed_until: str | None
    status: str
    phones: list[PhoneSummaryOut]
    enrolled_faces: int


class FamilyOut(Out):
    id: int
    name: str
    relation: str | None
    phone: str | None
    user_id: int | None


class ClientOut(Out):
    id: int
    agency_id: int
    agency_code: str
    insured_id: str
    name: str
    id_masked: str | None
    birth_date: str | None
    grade: str | None
    grade_valid_until: str | None
    care_type: str
    address: str | None
    home_lat: float
    home_lng: float
    home_datum: str
    home_lat_wgs84: float
    home_lng_wgs84: float
    fence_radius_m: float
    fence_polygon_wgs84: list[list[float]] | None
    trail_consent: bool
    status: str
    family: list[FamilyOut]


class PlanItemOut(Out):
    code: str
    per_week: int
    minutes: int


class PlanCaregiverOut(Out):
    caregiver_id: int
    role: str


class CarePlanOut(Out):
    id: int = Field(description="This version's id; visits keep the version they ran under")
    client_id: int
    insured_id: str
    plan_no: str
    version: int
    status: str
    effective_from: str
    effective_until: str | None
    items: list[PlanItemOut]
    visits_per_week: int
    visit_days: list[int]
    visit_time: str | None
    visit_minutes: int | None
    caregivers: list[PlanCaregiverOut]
    allow_overlap: bool
    monthly_cap_yuan: float
    fund_share: float
    scheme_rate_id: int | None


class SchemeRateOut(Out):
    id: int
    care_type: str
    grade: str | None
    effective_from: str
    effective_until: str | None
    monthly_cap_yuan: float
    fund_share: float
    note: str | None


class PhoneOut(Out):
    id: int
    caregiver_id: int
    caregiver_code: str
    device_id: str
    model: str | None
    status: str
    registered_at: str
    decided_at: str | None
    decided_by: str | None
    ended_at: str | None
    replaces_id: int | None
    reason: str | None


def page_of(item: type[Out]) -> type[Out]:
    """``{"items": [...], "total", "page", "per_page"}`` of an item shape."""
    return type(
        f"{item.__name__[:-3]}PageOut",
        (Out,),
        {
            "__annotations__": {"items": list[item], "total": int, "page": int, "per_page": int},
            "__doc__": f"One page of {item.__name__[:-3].lower()} records",
        },
    )
