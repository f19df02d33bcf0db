"""The suspicious-behaviour rule library (疑似违规行为规则库).

Each rule lives in its own module and has its line in the rule table (``table.RULE_TABLE``).
"""

from field_app.rules.base import Finding, Rule
from field_app.rules.registry import all_rules, get_rule

__all__ = ["Finding", "Rule", "all_rules", "get_rule"]
