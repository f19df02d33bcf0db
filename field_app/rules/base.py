"""What a rule is and what it returns.

A rule is one module holding ``RULE = Rule(...)``: a stable code, a snake_case name, English and
Chinese titles, a severity, a risk score, default thresholds, a scope and a pure ``evaluate``
function. The module docstring says the fraud pattern and the legitimate look-alike; it is the
rule's documentation (``flask rules list``, the review console) and a test checks it is there.

``evaluate(subject, ctx, params)`` takes plain facts (``rules.facts``), a ``RuleContext`` with the
injected ``now``, and the rule's thresholds (defaults merged with configuration), and yields
``Finding`` objects. What ``subject`` is depends on the scope:

- ``visit``: one ``Visit``.
- ``caregiver``: one caregiver's visits in the scanned window, sorted by check-in time.
- ``client``: one client's visits in the scanned window, sorted by check-in time.
- ``population``: all visits in the scanned window (trail points may be left out), for patterns
  that cut across caregivers: shared devices, many clients served from one spot.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

SCOPES = ("visit", "caregiver", "client", "population")
SEVERITIES = ("low", "medium", "high", "critical")

HIT = "hit"
#: the rule could not judge for a reason a supervisor should know (e.g. no trail consent)
NOT_APPLICABLE = "not_applicable"


@dataclass(frozen=True)
class Finding:
    """One suspicion raised by a rule, with the evidence a person can check.

    ``subject_key`` identifies what the alert is about, so a re-scan updates the same alert instead
    of adding one: ``visit:<id>``, ``caregiver_day:<id>:<YYYY-MM-DD>``, ``device_day:<device>:<day>``,
    ``client_week:<id>:<YYYY-Www>``, ``client_month:<id>:<YYYY-MM>``, ``spot_day:<lat>,<lng>:<day>``,
    ``caregiver_period:<id>:<YYYY-MM-DD>`` (the window's last day), ``attempt:<id>``.
    """

    subject_type: str
    subject_key: str
    #: one English sentence with the numbers, for a supervisor; its Chinese is the catalogue's
    #: ``rule.<CODE>.<outcome>`` template filled from ``evidence`` (``rules/explain.py``)
    message: str
    evidence: Mapping[str, Any]  #: JSON-serialisable: the numbers compared, the ids involved
    visit_ids: tuple[int, ...] = ()
    caregiver_id: int | None = None
    client_id: int | None = None
    agency_id: int | None = None
    occurred_at: datetime | None = None  #: when the suspicious thing happened
    outcome: str = HIT  #: HIT or NOT_APPLICABLE


Evaluate = Callable[[Any, Any, Mapping[str, Any]], Iterable[Finding]]


@dataclass(frozen=True)
class Rule:
    """A registered rule: metadata plus its pure evaluate function."""

    code: str  #: stable, e.g. "F01"; never reused for another meaning
    name: str  #: snake_case, e.g. "face_mismatch"
    title_en: str
    title_zh: str
    severity: str
    score: int  #: risk score 0-100 an alert of this rule adds
    scope: str
    evaluate: Evaluate
    defaults: Mapping[str, Any] = field(default_factory=dict)  #: thresholds, overridable in config
    doc: str = ""  #: the module docstring (pattern, why, legitimate look-alike)

    def __post_init__(self) -> None:
        if self.scope not in SCOPES:
            raise ValueError(f"rule {self.code}: unknown scope {self.scope!r}")
        if self.severity not in SEVERITIES:
            raise ValueError(f"rule {self.code}: unknown severity {self.severity!r}")

    def params(self, overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Default thresholds with configured overrides; unknown keys are a configuration error."""
        merged = dict(self.defaults)
        for key, value in (overrides or {}).items():
            if key not in merged:
                raise KeyError(f"rule {self.code} has no threshold {key!r}")
            merged[key] = value
        return merged

    def run(self, subject: Any, ctx: Any, overrides: Mapping[str, Any] | None = None) -> list[Finding]:
        """Evaluate with merged thresholds, returning a list."""
        return list(self.evaluate(subject, ctx, self.params(overrides)))
