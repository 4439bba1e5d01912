"""Refuse a query by its plan: the second, spelling-proof half of the guard.

The lexical guard (:mod:`graphinv.querylib.guard`) reads text, and text can be
read two ways (issue #16 item 1: Neo4j decodes ``\\uXXXX`` escapes before it
tokenizes, so a ``LOAD CSV`` hidden in "one string literal" ran). The planner's
``EXPLAIN`` tree names what will really run, however it was spelled, so a plan
is refused when any operator, at any depth:

* loads a file or URL: ``LoadCSV`` (Neo4j), a table function outside
  :data:`ALLOWED_TABLE_FUNCTIONS` such as ``READ_CSV`` (LadybugDB ``LOAD FROM``);
* calls a procedure outside :data:`~graphinv.querylib.guard.ALLOWED_PROCEDURES`;
* calls a namespaced function outside
  :data:`~graphinv.querylib.guard.ALLOWED_FUNCTION_NAMESPACES` (``apoc.*``…);
* writes, or commits in batches (``Create``, ``SetProperty``, ``TransactionApply``…);

and when the planner does not call the whole query read-only.

>>> from graphinv.store.base import PlanOperator as Op, QueryPlan
>>> check_plan(QueryPlan(True, [Op("ProduceResults", "l"), Op("NodeByLabelScan", "s:Shop")]))
>>> check_plan(QueryPlan(True, [Op("ProduceResults", "l"), Op("LoadCSV", "l")]))
... # doctest: +ELLIPSIS
Traceback (most recent call last):
...
graphinv.errors.QueryRefused: query refused: the plan loads a file or URL — LoadCSV — ...
"""

from __future__ import annotations

import re

from graphinv.errors import QueryRefused
from graphinv.querylib.guard import ALLOWED_FUNCTION_NAMESPACES, ALLOWED_PROCEDURES
from graphinv.store.base import PlanOperator, QueryPlan

__all__ = ["check_plan", "ALLOWED_TABLE_FUNCTIONS"]

#: LadybugDB table functions a plan may hold: the catalog calls the guard allows,
#: and READ_FTABLE, the engine's own scan of an intermediate result.
ALLOWED_TABLE_FUNCTIONS = frozenset({"SHOW_TABLES", "TABLE_INFO", "DB_VERSION", "READ_FTABLE"})

_LOADS = frozenset({"LoadCSV"})
# Neo4j operators that change data or commit on their own (the planner's query type
# says "write" for most; these are refused by name too).
_NEO4J_WRITES = re.compile(
    r"^(Create|Merge|LockingMerge|Set|Delete|DetachDelete|Remove|Foreach|Transaction"
    r"|SystemProcedureCall|Administration)")
_PROCEDURES = frozenset({"ProcedureCall", "ProcedureCallRowProcessing"})
# ``ns.fn(`` in an operator's expressions; quoted text and `names` are dropped first.
_QUOTED = re.compile(r"`(?:[^`]|``)*`|'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"")
_CALL = re.compile(r"(?<![\w.$])([A-Za-z_]\w*(?:\s*\.\s*[A-Za-z_]\w*)+)\s*\(")


def _refuse(reason: str, value: str, hint: str = "queries read the graph only") -> QueryRefused:
    return QueryRefused(f"query refused: {reason}", value=value, hint=hint)


def check_plan(plan: QueryPlan) -> None:
    """Raise :class:`QueryRefused` unless every operator of ``plan`` only reads the graph."""
    if not plan.read_only:
        raise _refuse("the planner says it writes", "query type is not read-only",
                      "saved and ad-hoc queries only read")
    for op in plan.operators:
        _check_operator(op)


def _check_operator(op: PlanOperator) -> None:
    if op.name in _LOADS:
        raise _refuse("the plan loads a file or URL", op.name)
    if _NEO4J_WRITES.match(op.name):
        raise _refuse("the plan writes or commits", op.name,
                      "saved and ad-hoc queries only read")
    if op.name == "TABLE_FUNCTION_CALL":
        if op.details.upper() not in ALLOWED_TABLE_FUNCTIONS:
            raise _refuse("the plan calls a table function outside the allowlist",
                          op.details or "?", "LOAD FROM and other file readers are not "
                          "allowed; allowed: show_tables, table_info, db_version")
        return
    if op.name in _PROCEDURES:
        name = op.details.split("(", 1)[0].strip()
        if name.lower() not in ALLOWED_PROCEDURES:
            raise _refuse("the plan calls a procedure outside the allowlist", name or "?",
                          "allowed procedures: " + ", ".join(sorted(ALLOWED_PROCEDURES)))
        return
    for m in _CALL.finditer(_QUOTED.sub(" ", op.details)):
        name = re.sub(r"\s+", "", m.group(1))
        if name.rsplit(".", 1)[0].lower() not in ALLOWED_FUNCTION_NAMESPACES:
            raise _refuse(f"the plan calls function {name}() outside the allowlist", op.name,
                          "plugin functions (apoc.*, gds.*, dbms.*, …) are not allowed")
