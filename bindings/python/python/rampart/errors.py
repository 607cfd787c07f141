"""Exceptions. Every error rampart raises is a :class:`RampartError`.

The engine's error kinds each have their own class (defined in the extension module, each
with a stable numeric ``code``); :class:`AttackBlocked` is what a hooked sink raises when
the policy says to block.
"""

from __future__ import annotations

from typing import Optional

from ._rampart import (
    InternalError,
    InvalidArgumentError,
    PolicyError,
    PolicyIOError,
    RampartError,
    Verdict,
)

__all__ = [
    "AttackBlocked",
    "InternalError",
    "InvalidArgumentError",
    "PolicyError",
    "PolicyIOError",
    "RampartError",
]


class AttackBlocked(RampartError):
    """Raised at a hooked sink (a SQL driver call, ...) instead of running it.

    The request's middleware answers with the policy's block response whatever the
    application does with this exception, so catching it changes nothing for the
    client; it is an ``Exception`` so that the application's own error handling runs
    (transactions roll back, resources close).
    """

    code = 2000

    def __init__(
        self,
        event_id: str,
        threat: Optional[str],
        operation: str,
        verdict: Optional[Verdict] = None,
    ) -> None:
        self.event_id = event_id
        self.threat = threat
        self.operation = operation
        self.verdict = verdict
        what = threat or "internal error (fail_closed)"
        super().__init__(f"rampart blocked {what} at {operation} (event {event_id})")
