"""The one place where a hooked sink call meets the engine.

A hook calls one function of this module with the resource the sink is about to use
(``sinks.sql(operation, dialect, query)``, ``sinks.shell(operation, command)``,
``sinks.path(operation, path)``, ...). This module does the rest, the same way for
every kind of sink: find the current request, run the check, and on a finding write the
event (with the Python stack) and, when the policy says block, raise
:class:`~rampart.AttackBlocked`. Anything that goes wrong inside rampart fails open: an
error event is written and the sink call proceeds (unless the policy sets
``fail_closed``). Outside an HTTP request there is nothing to check and a call costs one
context-variable lookup.

Adding a kind of sink is one short function here (see :func:`sql`) plus a hook module.
"""

from __future__ import annotations

import os
import uuid
from typing import Any, Callable, Optional, Sequence, Tuple
from urllib.parse import urlsplit

from . import events
from ._rampart import Dialect, Request, Verdict, _request_payload, _sinks_glue, new_event_id
from ._rampart import _sql as _native_sql
from .context import RequestContext, current
from .errors import AttackBlocked

__all__ = [
    "Dialect",
    "exec_argv",
    "header",
    "hook_failed",
    "nosql",
    "path",
    "redirect",
    "request_payload",
    "resolved_ip",
    "shell",
    "sql",
    "url",
]

_TEXT = (str, bytes)
_ONE_REPORT_PER_INPUT = frozenset(("url", "redirect", "header"))


def shell(operation: str, command: Any) -> None:
    """A command string about to run through ``/bin/sh -c``."""
    context = current()
    if context is None or not isinstance(command, _TEXT):
        return
    _check(context, "shell", operation, command, _check_shell, (command,))


def exec_argv(operation: str, argv: Sequence[Any]) -> None:
    """A program about to run without a shell: ``argv`` is the program, then its
    arguments (str, bytes or path-like). The event shows them joined by one space, where
    the verdict's span points."""
    context = current()
    if context is None:
        return
    try:
        args = [a if isinstance(a, _TEXT) else os.fspath(a) for a in argv]
    except Exception:  # noqa: BLE001 -- not an argv subprocess accepts either: nothing runs
        return
    if not args:
        return
    if all(isinstance(a, str) for a in args):
        shown: Any = " ".join(args)
    else:
        shown = b" ".join(a if isinstance(a, bytes) else os.fsencode(a) for a in args)
    _check(context, "exec", operation, shown, _check_exec, (args,))


def nosql(operation: str, filter_json: Any) -> None:
    """A MongoDB-style filter, as JSON text, about to be sent to the database."""
    context = current()
    if context is None or not isinstance(filter_json, _TEXT):
        return
    _check(context, "nosql", operation, filter_json, _check_nosql, (filter_json,))


def path(operation: str, file: Any) -> None:
    """A file path (str, bytes or path-like; file descriptors are skipped) about to be
    opened, listed, written or removed."""
    context = current()
    if context is None or isinstance(file, int):
        return
    if not isinstance(file, _TEXT):
        try:
            file = os.fspath(file)
        except TypeError:
            return
    _check(context, "path", operation, file, _check_path, (file,))


def url(operation: str, target: Any) -> None:
    """A URL an HTTP client is about to fetch."""
    context = current()
    if context is None or not isinstance(target, _TEXT):
        return
    _check(context, "url", operation, target, _check_url, (target,))
    _expect_resolution(context, target)


def resolved_ip(operation: str, host: Any, ip: Any) -> None:
    """At connect time: ``host`` (as the client passed it to the resolver) resolved to
    the address ``ip`` (text) the socket will use. Checked only for a host named by a
    URL of this request whose authority an input wrote (see :func:`url`), and only
    against those inputs: the request's own Host or Referer header naming the server
    the application also talks to is not an attack."""
    context = current()
    if context is None or not context.resolving or not isinstance(ip, str):
        return
    if isinstance(host, bytes):
        host = host.decode("latin-1")
    if not isinstance(host, str):
        return
    request = context.resolving.get(host.lower().rstrip("."))
    if request is not None:
        _check(context, "url", f"{operation} {ip}", host, _check_resolved_ip, (host, ip), request)


def _expect_resolution(context: RequestContext, target: Any) -> None:
    """Remembers the host of ``target`` with the inputs that wrote into its scheme or
    authority, for :func:`resolved_ip` at connect time."""
    try:
        text = target if isinstance(target, str) else target.decode("latin-1")
        parts = urlsplit(text.strip())
        host = parts.hostname
        if not host:
            return
        host = host.rstrip(".")
        if context.resolving is not None and host in context.resolving:
            return
        raw = text.encode("utf-8", "surrogatepass")
        authority_end = raw.find(parts.netloc.encode("utf-8", "surrogatepass")) + len(parts.netloc)
        writers = None
        for source, key, value in context.request.inputs():
            if value and 0 <= raw.find(value) < authority_end:
                if writers is None:
                    writers = Request()
                    writers.set_method(context.request.method)
                    writers.set_path(context.request.path)
                    writers.set_route(context.request.route)
                writers.add_input(source, key, value)
        if writers is not None:
            if context.resolving is None:
                context.resolving = {}
            context.resolving[host] = writers
    except Exception:  # noqa: BLE001 -- an unparsable URL: the client will refuse it too
        return


def redirect(operation: str, location: Any) -> None:
    """The ``Location`` of a redirect the application answers with."""
    context = current()
    if context is None or not isinstance(location, _TEXT):
        return
    _check(context, "redirect", operation, location, _check_redirect, (location,))


def header(operation: str, name: Any, value: Any) -> None:
    """A response header about to be set."""
    context = current()
    if context is None or not isinstance(value, _TEXT):
        return
    if not isinstance(name, _TEXT):
        name = ""
    _check(context, "header", operation, value, _check_header, (name, value))


def _check_shell(engine: Any, request: Any, command: Any) -> Verdict:
    return engine.check_shell(request, command)


def _check_exec(engine: Any, request: Any, argv: Any) -> Verdict:
    return engine.check_exec(request, argv)


def _check_nosql(engine: Any, request: Any, filter_json: Any) -> Verdict:
    return engine.check_nosql(request, filter_json)


def _check_path(engine: Any, request: Any, file: Any) -> Verdict:
    return engine.check_path(request, file)


def _check_url(engine: Any, request: Any, target: Any) -> Verdict:
    return engine.check_url(request, target)


def _check_resolved_ip(engine: Any, request: Any, host: Any, ip: Any) -> Verdict:
    return engine.check_resolved_ip(request, host, ip)


def _check_redirect(engine: Any, request: Any, location: Any) -> Verdict:
    return engine.check_redirect(request, location)


def _check_header(engine: Any, request: Any, name: Any, value: Any) -> Verdict:
    return engine.check_header(request, name, value)


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
    request: Optional[Request] = None,
) -> None:
    """The generic form of :func:`sql`: ``check(engine, request, *args)``, against the
    request's inputs or the given subset of them."""
    if request is None:
        request = context.request if context._pending else context._request
    try:
        verdict = check(context.engine, request, *args)
    except Exception as error:  # noqa: BLE001 -- fail open, with an event
        _failed(context, kind, operation, error)
        return
    if verdict.is_attack:
        _finding(context, kind, operation, resource, verdict, request)


def _finding(
    context: RequestContext,
    kind: str,
    operation: str,
    resource: Any,
    verdict: Verdict,
    request: Optional[Request] = None,
) -> None:
    """Writes the event of a finding; raises AttackBlocked when the verdict blocks. A
    confirmed attack is blocked even if its event cannot be written."""
    if not verdict.is_block:
        # A report does not stop the call: an application retrying the same query (or
        # a driver running it through two hooked layers) would repeat the event.
        # An outgoing request is checked at several layers (requests, then http.client,
        # then the address it resolved to): one report per input is enough.
        # A redirect or header is seen by the framework and again by the middleware.
        # The input itself, not its index: the resolution check numbers a subset.
        index = verdict.input_index
        source = request if request is not None else context.request
        writer = None if index is None else source.input(index)
        seen = (kind, None if kind in _ONE_REPORT_PER_INPUT else resource, writer)
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
            request if request is not None else context.request,
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


_sinks_glue(current, _finding, _failed)

#: Checks a SQL query (str or bytes) about to run; raises AttackBlocked to stop it.
#: Every SQL hook calls it on every query: it is native, from the hook to the check.
sql: Callable[[str, Any, Any], None] = _native_sql

#: Payload inspection of the request itself (``Engine.inspect``), as it arrives and
#: before the application runs: the middlewares call it when the policy's
#: ``malicious_payload`` protection is not off. It reads the request's inputs once, for
#: the sinks too. A finding is an event (sink kind ``request``; the event quotes the
#: offending value); a block raises AttackBlocked and the middleware answers with the
#: block response. Native, like :data:`sql`.
request_payload: Callable[[RequestContext], None] = _request_payload
