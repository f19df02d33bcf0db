"""Find every error code the API can answer by reading the source, not a hand list that can rot.

An error code is born in one of three ways, and all three are found here:

- a raise site: a call of a domain error class (``Conflict("visit_closed", "English {x}", "field",
  x=...)``, any subclass of ``field_app.errors.DomainError``), of ``ApiError(status, code, message,
  field, extra)`` (until every site is converted), or of a verification error (``ImageError(code,
  message)``, ``FaceError``) or a pydantic ``PydanticCustomError(code, ...)`` that the API passes on;
- a class with a ``code = "..."`` attribute that subclasses one of those;
- a module-level table whose name holds ``CODES`` (``HTTP_CODES``: werkzeug's 404/405/413...,
  ``PYDANTIC_CODES``, ``OUR_CODES``, the API's ``CODES_BY_KIND``): its string values or elements, and
  the fallback of its ``.get(key, "code")``.

``flask i18n missing`` and ``tests/i18n`` use this to list codes without Chinese.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1]
#: callables whose calls create an error code: name -> position of (code, English message) arguments
EXTRA_RAISERS = {
    "ApiError": (1, 2),
    "_answer": (1, 2),  # the API's error handler answering Werkzeug's and the database's errors
    "ImageError": (0, 1),
    "FaceError": (0, 1),
    "PydanticCustomError": (0, 1),
}


#: keywords whose dict is answered beside the error (``details={"retry_after_seconds": 30}``)
BODY_KEYWORDS = ("extra", "details")


@dataclass
class Site:
    """One place that answers a code: where, its English (``None`` when not a literal) and param names."""

    code: str
    path: str
    line: int
    english: str | None = None
    params: frozenset[str] = field(default_factory=frozenset)
    raised: bool = False  #: a raise site (its params fill the message), not a table or class entry


def raisers() -> dict[str, tuple[int, int]]:
    """Every domain error class by name (found by subclassing, so new kinds count) plus the extras."""
    from field_app.errors import DomainError

    found, todo = {}, [DomainError]
    while todo:
        cls = todo.pop()
        found[cls.__name__] = (0, 1)
        todo.extend(cls.__subclasses__())
    return {**found, **EXTRA_RAISERS}


def _name(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _literal(node: ast.AST | None) -> str | None:
    """A string constant, or an f-string's text with its holes shown as ``{…}``."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) else "{…}" for v in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _literal(node.left), _literal(node.right)
        return None if left is None or right is None else left + right
    return None


def _arg(call: ast.Call, index: int, keyword: str) -> ast.AST | None:
    if len(call.args) > index and not isinstance(call.args[index], ast.Starred):
        return call.args[index]
    return next((k.value for k in call.keywords if k.arg == keyword), None)


def _call_site(call: ast.Call, where: tuple[int, int], path: str) -> Site | None:
    code_node = _arg(call, where[0], "code")
    if not (isinstance(code_node, ast.Constant) and isinstance(code_node.value, str)):
        return None  # a code passed on from elsewhere (``exc.code``): its own raise site counts
    params = {k.arg for k in call.keywords if k.arg not in (None, "code", "message", "field", *BODY_KEYWORDS)}
    for body in [k.value for k in call.keywords if k.arg in BODY_KEYWORDS] + call.args[4:5]:
        if isinstance(body, ast.Dict):  # fields answered beside the error can fill its message too
            params |= {k.value for k in body.keys if isinstance(k, ast.Constant)}
    english = _literal(_arg(call, where[1], "message"))
    return Site(code_node.value, path, call.lineno, english, frozenset(params), raised=True)


def _table_codes(node: ast.Assign | ast.AnnAssign, path: str) -> Iterator[Site]:
    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
    if not any(isinstance(t, ast.Name) and "CODES" in t.id for t in targets) or node.value is None:
        return
    value = node.value
    values = value.values if isinstance(value, ast.Dict) else [value]
    for v in values:  # strings of the table's values, also inside tuples (CODES_BY_KIND)
        for leaf in ast.walk(v):
            if isinstance(leaf, ast.Constant) and isinstance(leaf.value, str):
                yield Site(leaf.value, path, leaf.lineno)


def _table_default(call: ast.Call, path: str) -> list[Site]:
    """``HTTP_CODES.get(status, "http_error")``: the fallback code of a table is answered too."""
    func = call.func
    if not (
        isinstance(func, ast.Attribute)
        and func.attr == "get"
        and (_name(func.value) or "").endswith("_CODES")
    ):
        return []
    default = call.args[1] if len(call.args) > 1 else None
    if isinstance(default, ast.Constant) and isinstance(default.value, str):
        return [Site(default.value, path, call.lineno)]
    return []


def _class_codes(node: ast.ClassDef, names: set[str], path: str) -> Iterator[Site]:
    if not any(_name(b) in names for b in node.bases):
        return
    for stmt in node.body:
        named_code = isinstance(stmt, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "code" for t in stmt.targets
        )
        if named_code and isinstance(stmt.value, ast.Constant) and isinstance(stmt.value.value, str):
            yield Site(stmt.value.value, path, stmt.lineno)


def error_sites(root: Path = PACKAGE) -> list[Site]:
    """Every site in the package's source that answers an error code."""
    callers = raisers()
    sites: list[Site] = []
    for file in sorted(root.rglob("*.py")):
        path = str(file.relative_to(root.parent))
        for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"), path)):
            if isinstance(node, ast.Call) and _name(node.func) in callers:
                site = _call_site(node, callers[_name(node.func)], path)
                sites += [site] if site else []
            elif isinstance(node, ast.Call):
                sites += _table_default(node, path)
            elif isinstance(node, (ast.Assign, ast.AnnAssign)):
                sites += _table_codes(node, path)
            elif isinstance(node, ast.ClassDef):
                sites += _class_codes(node, set(callers), path)
    return sites


def error_codes(root: Path = PACKAGE) -> dict[str, list[Site]]:
    """code -> the sites that answer it."""
    out: dict[str, list[Site]] = {}
    for site in error_sites(root):
        out.setdefault(site.code, []).append(site)
    return out
