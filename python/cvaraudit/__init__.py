"""CVaRAudit for Python: test whether a classifier performs unequally across
many intersectional groups, via the CVaR of the group disparities.

>>> import cvaraudit
>>> r = cvaraudit.audit(df, sensitive_features=["race", "sex", "age"], y_true="y", y_pred="p", metric="fnr")
>>> r.by_group.head()          # worst groups first: n, rate, CI, disparity, weight, tail weight
>>> r.cvar, r.cvar_interval    # CVaR_α of the disparities and its simultaneous interval
>>> t = cvaraudit.test(df, sensitive_features=["race", "sex"], y_true="y", y_pred="p", seed=1)
>>> t.pvalue, t.decision, t.by_group[["pvalue", "holm", "bh"]]

The computation runs in the compiled Swift core (the same code as the
``cvar-audit`` command-line tool, with the same numbers), on the DataFrame's
buffers without a copy where their types allow.
"""
from ._api import audit, plan, test
from ._monitor import Monitor
from ._results import AuditResult, Plan, TestResult

__all__ = ["audit", "test", "plan", "Monitor", "AuditResult", "TestResult", "Plan"]
__version__ = "0.1.0"
