"""The one place where a hooked sink call meets the engine.

A hook calls one function of this module with the resource the sink is about to use
(``sinks.sql(operation, dialect, query)``). This module does the rest, the same way for
every kind of sink: find the current request, run the check, and on a finding write the
event (with the Python stack) and, when the policy says block, raise
:class:`~rampart.AttackBlocked`. Anything that goes wrong inside rampart fails open: an
error event is written and the sink call proceeds (unless the policy sets
``fail_closed``). Outside an HTTP request there is nothing to check and a call costs one
context-variable lookup.

Adding a kind of sink is one short function here (see :func:`sql`) plus a hook module.
"""

from __future__ import annotations

import uuid
from typing import Any, Callable, Tuple

from . import events
from ._rampart import Dialect, Verdict, new_event_id
from .context import RequestContext, current
from .errors import AttackBlocked

__all__ = ["sql", "hook_failed", "Dialect"]


def sql(operation: str, dialect: Dialect, query: Any) -> None:
    """Checks a SQL query (str or bytes) about to run; raises AttackBlocked to stop it."""
    context = current()
    if context is None or not isinstance(query, (str, bytes)):
        return
    try:
        verdict = context.engine.check_sql(context.request, dialect, query)
    except Exception as error:  # noqa: BLE001 -- fail open, with an event
        _failed(context, "sql", operation, error)
        return
    if verdict.is_attack:
        _finding(context, "sql", operation, query, verdict)


def hook_failed(kind: str, operation: str, error: BaseException) -> None:
    """For hooks: something failed while preparing a check (reading the resource).
    Writes an error event; raises AttackBlocked only under ``fail_closed``."""
    context = current()
    if context is not None:
        _failed(context, kind, operation, error)


def _check(
    context: RequestContext,
    kind: str,
    operation: str,
    resource: Any,
    check: Callable[..., Verdict],
    args: Tuple[Any, ...],
) -> None:
    """The generic form of :func:`sql`: ``check(engine, request, *args)``."""
    try:
        verdict = check(context.engine, context.request, *args)
    except Exception as error:  # noqa: BLE001 -- fail open, with an event
        _failed(context, kind, operation, error)
        return
    if verdict.is_attack:
        _finding(context, kind, operation, resource, verdict)


def _finding(context: RequestContext, kind: str, operation: str, resource: Any, verdict: Verdict) -> None:
    """Writes the event of a finding; raises AttackBlocked when the verdict blocks. A
    confirmed attack is blocked even if its event cannot be written."""
    if not verdict.is_block:
        # A report does not stop the call: an application retrying the same query (or
        # a driver running it through two hooked layers) would repeat the event.
        seen = (kind, resource, verdict.input_index)
        if context.reported is None:
            context.reported = set()
        elif seen in context.reported:
            return
        context.reported.add(seen)
    try:
        event_id = new_event_id()
    except Exception:  # noqa: BLE001
        event_id = uuid.uuid4().hex
    try:
        client_ip, user_agent, request_id = context.event_fields()
        line = context.engine.event_json(
            context.request,
            verdict,
            kind,
            resource,
            operation=operation,
            event_id=event_id,
            client_ip=client_ip,
            user_agent=user_agent,
            request_id=request_id,
            stack=events.capture_stack(),
        )
        if line is not None:
            events.emit(line)
    except Exception as error:  # noqa: BLE001 -- the event could not be made: say so
        _failed(context, kind, operation, error)
    if verdict.is_block:
        context.blocked_event_id = event_id
        raise AttackBlocked(event_id, verdict.threat, operation, verdict)


def _failed(context: RequestContext, kind: str, operation: str, error: BaseException) -> None:
    """Writes the error event of a failure inside rampart; blocks only under
    ``fail_closed``. Every step is guarded: the error path itself must not fail."""
    try:
        event_id = new_event_id()
    except Exception:  # noqa: BLE001
        event_id = uuid.uuid4().hex
    try:
        stack = events.capture_stack()
    except Exception:  # noqa: BLE001
        stack = []
    try:
        client_ip, user_agent, request_id = context.event_fields()
        events.emit(
            context.engine.error_event_json(
                kind,
                "internal",
                f"{type(error).__name__}: {error}",
                request=context.request,
                operation=operation,
                event_id=event_id,
                client_ip=client_ip,
                user_agent=user_agent,
                request_id=request_id,
                stack=stack,
            )
        )
    except Exception:  # noqa: BLE001 -- nothing more can be said: stay open
        pass
    if getattr(context.engine, "fail_closed", False):
        context.blocked_event_id = event_id
        raise AttackBlocked(event_id, None, operation) from error
