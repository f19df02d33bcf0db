"""Master data through the API: agencies, caregivers, clients, care plans, the scheme table.

Each kind gets the same five operations (create or upsert by natural key, read, list with filters and
pages, update, deactivate), built by ``_register`` from a ``Kind``; who may call them is the written
policy of ``masterdata.policy``. Handlers stay thin: parse, check access, call one service, serialise.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Annotated, Any

from flask import Blueprint, jsonify
from pydantic import Field, ValidationError, create_model
from sqlalchemy import or_, select

from field_app.api import error_codes as codes
from field_app.api import master_out as mo
from field_app.api.master_context import actor, ensure_in_scope, scope
from field_app.api.openapi import documented
from field_app.api.parsing import QueryModel, _api_error, parse_body, parse_query
from field_app.api.schemas import StrictModel
from field_app.masterdata import agencies, caregivers, clients, plans, policy, scheme
from field_app.masterdata import records as r
from field_app.masterdata.shapes import AgencyIn, CaregiverIn, CarePlanIn, ClientIn, SchemeRateIn, Shape
from field_app.models import Agency, Caregiver, CarePlan, Client, SchemeRate
from field_app.security import require

bp = Blueprint("master_data", __name__)


class ListQuery(QueryModel):
    page: Annotated[int, Field(ge=1, le=100_000)] = 1
    per_page: Annotated[int, Field(ge=1, le=200)] = 50
    q: Annotated[str, Field(max_length=100)] | None = Field(None, description="Code or name contains")
    status: Annotated[str, Field(max_length=24)] | None = None
    agency_id: int | None = None
    client_id: int | None = None
    grade: Annotated[str, Field(max_length=16)] | None = None
    care_type: Annotated[str, Field(max_length=24)] | None = None
    district: Annotated[str, Field(max_length=64)] | None = None
    qualification: Annotated[str, Field(max_length=24)] | None = None


class DeactivateIn(StrictModel):
    reason: Annotated[str, Field(min_length=1, max_length=200)]


@dataclass(frozen=True)
class Kind:
    name: str  #: policy key
    path: str
    noun: str
    model: Any
    shape: type[Shape]
    out: type
    service: Any
    agency_of: Callable[[Any], int | None]
    filters: Callable[[Any, ListQuery], Any]
    order: Any
    save: Callable[[Shape], tuple[Any, str]] | None = None  #: default: service.save(data, actor())

    @property
    def not_found(self) -> str:
        return f"{self.noun.replace(' ', '_')}_not_found"


def _like(q: str | None, *columns):
    return or_(*(c.ilike(f"%{q}%") for c in columns)) if q else None


def _where(stmt, *conditions):
    return stmt.where(*(c for c in conditions if c is not None))


def _scoped(stmt, column):
    allowed = scope()
    return stmt if allowed is None else stmt.where(column.in_(allowed))


def _agency_filters(stmt, q: ListQuery):
    stmt = _scoped(stmt, Agency.id)
    return _where(
        stmt,
        _like(q.q, Agency.code, Agency.name),
        Agency.contract_status == q.status if q.status else None,
        Agency.district == q.district if q.district else None,
    )


def _caregiver_filters(stmt, q: ListQuery):
    stmt = _scoped(stmt, Caregiver.agency_id)
    return _where(
        stmt,
        _like(q.q, Caregiver.code, Caregiver.name),
        Caregiver.status == q.status if q.status else None,
        Caregiver.agency_id == q.agency_id if q.agency_id else None,
        Caregiver.qualification == q.qualification if q.qualification else None,
    )


def _client_filters(stmt, q: ListQuery):
    stmt = _scoped(stmt, Client.agency_id)
    return _where(
        stmt,
        _like(q.q, Client.insured_id, Client.name),
        Client.status == q.status if q.status else None,
        Client.agency_id == q.agency_id if q.agency_id else None,
        Client.grade == q.grade if q.grade else None,
        Client.care_type == q.care_type if q.care_type else None,
    )


def _plan_filters(stmt, q: ListQuery):
    stmt = _scoped(stmt.join(Client, Client.id == CarePlan.client_id), Client.agency_id)
    return _where(
        stmt,
        CarePlan.client_id == q.client_id if q.client_id else None,
        CarePlan.status == q.status if q.status else None,
        Client.agency_id == q.agency_id if q.agency_id else None,
    )


def _rate_filters(stmt, q: ListQuery):
    return _where(stmt, SchemeRate.care_type == q.care_type if q.care_type else None)


def _save_caregiver(data: CaregiverIn):
    return caregivers.save(data, actor(), agency_scope=scope())


KINDS = (
    Kind(
        "agencies",
        "agencies",
        "agency",
        Agency,
        AgencyIn,
        mo.AgencyOut,
        agencies,
        lambda a: a.id,
        _agency_filters,
        Agency.code,
    ),
    Kind(
        "caregivers",
        "caregivers",
        "caregiver",
        Caregiver,
        CaregiverIn,
        mo.CaregiverOut,
        caregivers,
        lambda c: c.agency_id,
        _caregiver_filters,
        Caregiver.code,
        _save_caregiver,
    ),
    Kind(
        "clients",
        "clients",
        "client",
        Client,
        ClientIn,
        mo.ClientOut,
        clients,
        lambda c: c.agency_id,
        _client_filters,
        Client.insured_id,
    ),
    Kind(
        "care_plans",
        "care-plans",
        "care plan",
        CarePlan,
        CarePlanIn,
        mo.CarePlanOut,
        plans,
        lambda p: p.client.agency_id,
        _plan_filters,
        (CarePlan.client_id, CarePlan.plan_no, CarePlan.version),
    ),
    Kind(
        "scheme_rates",
        "scheme-rates",
        "scheme rate",
        SchemeRate,
        SchemeRateIn,
        mo.SchemeRateOut,
        scheme,
        lambda _: None,
        _rate_filters,
        (SchemeRate.care_type, SchemeRate.effective_from),
    ),
)


def _load(kind: Kind, obj_id: int):
    obj = r.get_or_404(kind.model, obj_id, kind.not_found, kind.noun)
    ensure_in_scope(kind.agency_of(obj), kind.not_found, kind.noun, obj_id)
    return obj


def _save(kind: Kind, data: Shape):
    if kind.save is not None:
        return kind.save(data)
    if kind.name == "scheme_rates":
        return scheme.add(data, actor())
    return kind.service.save(data, actor())


def _validate_merged(kind: Kind, obj, patch: dict):
    """An update is the stored record with the sent fields replaced, checked like a new one."""
    merged = {**kind.service.as_input(obj), **patch}
    if kind.name == "care_plans" and "effective_from" not in patch:
        merged["effective_from"] = max(actor().today, obj.valid_from)
    try:
        return kind.shape.model_validate(merged)
    except ValidationError as exc:
        raise _api_error(exc) from None


@cache
def partial(shape: type[Shape]) -> type[StrictModel]:
    """The shape with every field optional: the body of an update (PATCH)."""
    fields = {name: (f.rebuild_annotation() | None, None) for name, f in shape.model_fields.items()}
    return create_model(f"{shape.__name__[:-2]}Patch", __base__=StrictModel, **fields)


def _register(kind: Kind) -> None:
    write, read = policy.WRITE[kind.name], policy.READ[kind.name]
    tag = "master data"

    def create():
        data = parse_body(kind.shape)
        obj, outcome = _save(kind, data)
        ensure_in_scope(kind.agency_of(obj), kind.not_found, kind.noun, "")
        return jsonify(kind.service.as_json(obj)), (201 if outcome == r.INSERTED else 200)

    def list_():
        q = parse_query(ListQuery)
        stmt = kind.filters(select(kind.model), q)
        order = kind.order if isinstance(kind.order, tuple) else (kind.order,)
        page = r.paginate(stmt.order_by(*order), q.page, q.per_page)
        return jsonify(
            {
                "items": [kind.service.as_json(o) for o in page.items],
                "total": page.total,
                "page": page.page,
                "per_page": page.per_page,
            }
        )

    def read_one(obj_id: int):
        return jsonify(kind.service.as_json(_load(kind, obj_id)))

    def update(obj_id: int):
        patch = parse_body(partial(kind.shape)).model_dump(exclude_unset=True)
        obj = _load(kind, obj_id)
        data = _validate_merged(kind, obj, patch)
        saved, _ = _save(kind, data)
        return jsonify(kind.service.as_json(saved))

    def deactivate(obj_id: int):
        body = parse_body(DeactivateIn)
        obj = _load(kind, obj_id)
        service = kind.service.end if kind.name == "care_plans" else kind.service.deactivate
        service(obj, actor(), body.reason)
        return jsonify(kind.service.as_json(obj))

    page_out = mo.page_of(kind.out)
    noun = kind.noun
    for func, suffix in (
        (create, "create"),
        (list_, "list"),
        (read_one, "get"),
        (update, "update"),
        (deactivate, "deactivate"),
    ):
        func.__name__ = f"{kind.name}_{suffix}"
    create.__doc__ = f"Upsert by natural key: 201 when new, 200 when it existed (changed or not). Roles: {', '.join(write)}."
    bp.post(f"/{kind.path}")(
        require(*write)(
            documented(
                f"Create (or update by key) a {noun}",
                body=kind.shape,
                responses={200: kind.out, 201: kind.out},
                errors=(*codes.MASTER_WRITE, kind.not_found),
                tag=tag,
            )(create)
        )
    )
    bp.get(f"/{kind.path}")(
        require(*read)(
            documented(
                f"List {noun} records (filters, pages)", query=ListQuery, responses={200: page_out}, tag=tag
            )(list_)
        )
    )
    bp.get(f"/{kind.path}/<int:obj_id>")(
        require(*read)(
            documented(f"One {noun}", responses={200: kind.out}, errors=(kind.not_found,), tag=tag)(read_one)
        )
    )
    if kind.name != "scheme_rates":  # rates are never edited: a new rate is a new row
        update.__doc__ = "Send only the fields that change; the record is checked whole." + (
            " A care plan change makes a new version (effective_from: default today)."
            if kind.name == "care_plans"
            else ""
        )
        bp.patch(f"/{kind.path}/<int:obj_id>")(
            require(*write)(
                documented(
                    f"Change a {noun}",
                    body=partial(kind.shape),
                    responses={200: kind.out},
                    errors=(*codes.MASTER_WRITE, kind.not_found),
                    tag=tag,
                )(update)
            )
        )
        deactivate.__doc__ = "Never deletes: visits reference it. The reason is audited."
        bp.post(f"/{kind.path}/<int:obj_id>/deactivate")(
            require(*write)(
                documented(
                    f"Deactivate a {noun}",
                    body=DeactivateIn,
                    responses={200: kind.out},
                    errors=(kind.not_found,),
                    tag=tag,
                )(deactivate)
            )
        )


for _kind in KINDS:
    _register(_kind)
