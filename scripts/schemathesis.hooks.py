"""Schemathesis hooks for `npm run test:schemathesis` (scripts/schemathesis.ts).

Also works around a CPython 3.11 race that crashes Schemathesis's own generation (see `_serialized_parse`).

Two rules of the auditor API cannot be written in an OpenAPI document, so a schema-valid query can still be a
400 there. Each parameter's description says the rule; these hooks make positive cases follow it, so that
"schema-valid request rejected" keeps meaning a real mismatch. Negative cases are left alone.

- `from` must be before `to` (a half-open range [from, to), compared at the millisecond JavaScript keeps).
- `cursor` is only what the API itself issued as `nextCursor` (signed): any other value is refused.
"""

import ast
import threading
from datetime import datetime, timedelta, timezone

import schemathesis
from schemathesis import GenerationMode

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)

# CPython 3.11 keeps ast.parse's recursion counter per interpreter, not per thread: two worker threads parsing at
# once (Hypothesis reads lambda sources to describe strategies) can fail with "SystemError: AST constructor
# recursion depth mismatch" (python/cpython#106905), a tool error in the middle of a run. One parse at a time.
_parse = ast.parse
_parse_lock = threading.Lock()


def _serialized_parse(*args, **kwargs):
    with _parse_lock:
        return _parse(*args, **kwargs)


ast.parse = _serialized_parse


def _instant_ms(value):
    """The instant as JavaScript's Date holds it (milliseconds, further digits dropped), or None."""
    try:
        parsed = datetime.fromisoformat(str(value).replace("z", "Z"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        return None
    return (parsed - EPOCH) // timedelta(milliseconds=1)


@schemathesis.hook
def map_case(context, case):
    meta = case.meta
    if meta is None or meta.generation.mode != GenerationMode.POSITIVE or not isinstance(case.query, dict):
        return case
    if not case.path.startswith("/v1/audit/"):
        return case
    query = dict(case.query)
    query.pop("cursor", None)
    start, end = _instant_ms(query.get("from")), _instant_ms(query.get("to"))
    if start is not None and end is not None and start >= end:
        if start == end:
            del query["to"]
        else:
            query["from"], query["to"] = query["to"], query["from"]
    case.query = query
    return case
