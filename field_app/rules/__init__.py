"""The suspicious-behaviour rule library (疑似违规行为规则库).

Each rule lives in its own module and is registered in ``registry.RULE_MODULES``.
"""

from field_app.rules.base import Finding, Rule
from field_app.rules.registry import all_rules, get_rule

__all__ = ["Finding", "Rule", "all_rules", "get_rule"]
