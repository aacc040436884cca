"""The grant-compliance rules engine: pure Python, facts and a program in, a result per rule out (docs/rules.md)."""

from workspace.compliance.engine.activities import reads_attendance
from workspace.compliance.engine.budget import CategoryLine, Ledger, check_expense, ledger, rule_categories
from workspace.compliance.engine.burnup import BurnUp, burn_up
from workspace.compliance.engine.evaluate import KINDS, evaluate
from workspace.compliance.engine.results import Breach, Gap, RuleResult, Status

__all__ = ["KINDS", "Breach", "BurnUp", "CategoryLine", "Gap", "Ledger", "RuleResult", "Status", "burn_up",
           "check_expense", "evaluate", "ledger", "reads_attendance",
           "rule_categories"]
