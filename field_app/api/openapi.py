"""An OpenAPI 3.1 spec built from the routes themselves: each documented view says its body and answers."""

from __future__ import annotations

import inspect
import re
from typing import Any

from flask import Flask
from pydantic import BaseModel

from field_app.api import error_codes
from field_app.api.errors import STATUS_BY_KIND
from field_app.api.responses import ErrorOut

REF = "#/components/schemas/{model}"
#: an integer path segment is a database id (field_app.BoundedInt): PostgreSQL's integer range
ID_SCHEMA = {"type": "integer", "minimum": 0, "maximum": 2**31 - 1}


def documented(
    summary: str,
    *,
    body: type[BaseModel] | None = None,
    responses: dict[int, type[BaseModel] | str] | None = None,
    errors: tuple[str, ...] = (),
    tag: str = "caregiver",
    query: type[BaseModel] | None = None,
):
    """Attach OpenAPI metadata to a view function.

    ``query`` is the pydantic model the view reads its query string with (``parsing.parse_query``):
    its fields are the documented parameters, so the spec and the parsing cannot drift apart.
    ``errors`` are the error codes of this operation (``api/error_codes.py``); the codes every operation
    of its shape answers (signed in, with a body or a query) are added by ``operation_codes``.
    """

    def decorate(view):
        view.openapi = {
            "summary": summary,
            "body": body,
            "responses": responses or {},
            "errors": errors,
            "tag": tag,
            "description": (view.__doc__ or "").strip(),
            "query": query,
        }
        return view

    return decorate


def operation_codes(view) -> list[str]:
    """Every error code a documented view may answer: its own and those of its shape."""
    meta = view.openapi
    codes = [*error_codes.ALWAYS, *meta["errors"]]
    path_names = inspect.signature(view).parameters  # phone ids in the path are checked (api.path_ids)
    codes += [f"invalid_{name}" for name in ("visit_id", "attempt_id") if name in path_names]
    if getattr(view, "roles", None):
        codes += error_codes.SIGNED_IN
    if meta["body"] is not None:
        codes += error_codes.BODY
    if meta["query"] is not None:
        codes += error_codes.QUERY
    return sorted(set(codes))


def _error_response(codes: list[str], error_ref: dict) -> dict[str, Any]:
    """One status's error answer: the error shape, its ``code`` restricted to this operation's codes."""
    listed = ", ".join(f"`{c}`" for c in codes)
    schema = {
        "allOf": [error_ref, {"properties": {"error": {"properties": {"code": {"enum": codes}}}}}],
    }
    return {"description": f"Error, one of: {listed}", "x-error-codes": codes, **_json(schema)}


def _query_params(query: type[BaseModel] | None) -> list[dict[str, Any]]:
    if query is None:
        return []
    schema = query.model_json_schema(ref_template=REF)
    required = set(schema.get("required", ()))
    out = []
    for name, prop in schema.get("properties", {}).items():
        alias = query.model_fields[name].alias if name in query.model_fields else None
        out.append(
            {
                "name": alias or name,
                "in": "query",
                "required": name in required,
                "schema": {k: v for k, v in prop.items() if k not in ("title", "default")},
            }
        )
    return out


def _schema_ref(model: type[BaseModel], components: dict[str, Any], mode: str) -> dict[str, str]:
    schema = model.model_json_schema(ref_template=REF, mode=mode)
    components.update(schema.pop("$defs", {}))
    components[model.__name__] = schema
    return {"$ref": REF.format(model=model.__name__)}


def _json(schema: dict) -> dict:
    return {"content": {"application/json": {"schema": schema}}}


def _operation(view, endpoint: str, params: list, components: dict) -> dict[str, Any]:
    meta, roles = view.openapi, getattr(view, "roles", None)
    op: dict[str, Any] = {
        "operationId": endpoint,
        "summary": meta["summary"],
        "tags": [meta["tag"]],
        "parameters": params + _query_params(meta.get("query")),
        "responses": {},
    }
    if roles:
        op["security"] = [{"bearer": []}]
        op["x-roles"] = list(roles)
    if meta["description"]:
        op["description"] = meta["description"]
    if meta["body"] is not None:
        op["requestBody"] = {"required": True, **_json(_schema_ref(meta["body"], components, "validation"))}
    for status, out in meta["responses"].items():
        if isinstance(out, str):
            op["responses"][str(status)] = {"description": out}
        else:
            op["responses"][str(status)] = {
                "description": out.__doc__ or out.__name__,
                **_json(_schema_ref(out, components, "serialization")),
            }
    error_ref = _schema_ref(ErrorOut, components, "serialization")
    answered = operation_codes(view)
    if any(p["in"] == "path" and p["schema"].get("type") == "integer" for p in params):
        answered = [*answered, "not_found"]  # the router's own 404 for an id that is not a number
    for status, codes in error_codes.by_status(answered, STATUS_BY_KIND).items():
        if str(status) in op["responses"]:  # a richer error shape of its own (e.g. rows at fault)
            op["responses"][str(status)]["x-error-codes"] = codes
        else:
            op["responses"][str(status)] = _error_response(codes, error_ref)
    return op


def _string_param(name: str) -> dict[str, Any]:
    """Phone-generated ids in paths follow the attempt_id rule (api.schemas.ClientId)."""
    if name in ("visit_id", "attempt_id"):
        return {"type": "string", "minLength": 8, "maxLength": 64, "pattern": "^[A-Za-z0-9_-]+$"}
    return {"type": "string"}


def build_spec(app: Flask) -> dict[str, Any]:
    """Walk the URL map and describe every documented endpoint."""
    paths: dict[str, dict] = {}
    components: dict[str, Any] = {}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        view = app.view_functions[rule.endpoint]
        meta = getattr(view, "openapi", None)
        if meta is None:
            continue
        path = re.sub(r"<(?:(\w+):)?(\w+)>", r"{\2}", rule.rule)
        params = [
            {
                "name": name,
                "in": "path",
                "required": True,
                "schema": dict(ID_SCHEMA) if conv == "int" else _string_param(name),
            }
            for conv, name in re.findall(r"<(?:(\w+):)?(\w+)>", rule.rule)
        ]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            paths.setdefault(path, {})[method.lower()] = _operation(view, rule.endpoint, params, components)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "field_app API",
            "version": "1",
            "description": (
                "Visit verification for long-term care insurance home care (长护险). Messages people read"
                " (error messages, face and fence outcomes with retake hints, alert sentences, reports) follow"
                " `Accept-Language`: Chinese (zh-CN) by default, English with `en`; codes never change."
            ),
        },
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "Access token from /auth/sign-in",
                }
            },
        },
    }
