"""Who is changing things, and from where: handed to the audit triggers through the connection.

The triggers read three settings of the database session (`benchdesk.audit_member`,
`benchdesk.audit_actor`, `benchdesk.audit_source`). While an `acting(...)` block is open, an
execute wrapper sets them just before the first statement that writes (one small extra
statement, on the same connection, never for a read, a read-only WITH query included) and, if it
set them, clears them when the block ends, so a write outside any block is recorded as "system"
with no source rather than as someone else.

Later writes find them set and send nothing, unless the actor changed (an inner block) or the
connection rolled back since (of the transaction or of a savepoint: that undoes a `set_config`
made inside it) or is a new one; config/postgresql counts those. A booking in writes nine
times: this was nine statements.

The request middleware opens a block for every request (the signed-in member, or the label a
public view gives itself with `@acting_as(...)`); Celery tasks get one per task (see
`connect_celery`); management commands that change tracked rows open their own.
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import functools
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import DatabaseError, connection

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from shops.models import Membership

SYSTEM = "system"
STATUS_PAGE = "customer via status page"
SMS_REPLY = "customer by SMS reply"
STRIPE = "Stripe webhook"
TWILIO = "Twilio webhook"

_SET = (
    "SELECT set_config('benchdesk.audit_member', %s, false), "
    "set_config('benchdesk.audit_actor', %s, false), "
    "set_config('benchdesk.audit_source', %s, false)"
)
_WRITES = ("insert", "update", "delete", "merge", "copy")
# A WITH query writes only through a data-modifying statement, which names its verb.
_WRITING_VERB = re.compile(r"\b(insert|update|delete|merge)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Actor:
    member_id: int | None
    name: str
    source: str
    # A member's rights used by something else (an API key): who the timeline names instead.
    via: str = ""

    def settings(self) -> list[str]:
        return [str(self.member_id or ""), self.name[:150], self.source[:300]]


_current: contextvars.ContextVar[Actor | None] = contextvars.ContextVar("audit_actor", default=None)
# Whether this block has set the connection's settings (and so must clear them at its end).
_sent: contextvars.ContextVar[bool] = contextvars.ContextVar("audit_sent", default=False)


def current() -> Actor | None:
    return _current.get()


def acting_via() -> str:
    """What acts with a member's rights in the open block ("API key ‘Shop sync’"), or ""."""
    actor = _current.get()
    return actor.via if actor is not None else ""


def source_is(source: str) -> None:
    """Say where the open block's changes come from, for the rest of the block."""
    actor = _current.get()
    if actor is not None:
        _current.set(dataclasses.replace(actor, source=source[:300]))


def _is_write(sql: str) -> bool:
    start = sql.lstrip(" \n\t(").lower()
    if start.startswith("with"):
        # Read-only WITH queries (the board's version check, on every poll) need no settings;
        # a stray verb in one (a column, FOR UPDATE) only costs the extra statement.
        return _WRITING_VERB.search(start) is not None
    return start.startswith(_WRITES)


def _before_writes(execute, sql, params, many, context):
    actor = _current.get()
    if actor is not None and _is_write(sql):
        _send(context["connection"], context["cursor"].cursor, actor.settings())
        _sent.set(True)
    return execute(sql, params, many, context)


def _send(db, cursor, values: list[str]) -> None:
    """Put `values` in the connection's settings unless they are there already: sent since the
    connection's last rollback (a backend without the count always sends)."""
    rollbacks = getattr(db, "rollbacks", None)
    if rollbacks is not None and getattr(db, "audit_settings", None) == (rollbacks, values):
        return
    # Straight to the driver's cursor: not a statement of the app's own.
    cursor.execute(_SET, values)
    db.audit_settings = (rollbacks, values)


def _clear() -> None:
    try:
        with connection.cursor() as cursor:
            _send(connection, cursor.cursor, ["", "", ""])
    except DatabaseError:
        pass  # a broken transaction: its rollback takes the settings made inside it away too


@contextlib.contextmanager
def acting(
    *,
    member: Membership | None = None,
    name: str = "",
    source: str | None = None,
    via: str = "",
) -> Iterator[Actor]:
    """Within the block, every change the triggers record is by `member` (or `name`), from
    `source` (a URL path, a task, a command). Blocks nest: the inner one wins inside it."""
    outer = _current.get()
    actor = Actor(
        member_id=member.pk if member is not None else None,
        name=name or (member.user.full_name if member is not None else SYSTEM),
        source=source if source is not None else (outer.source if outer else ""),
        via=via,
    )
    token = _current.set(actor)
    sent = _sent.set(False) if outer is None else None
    try:
        if outer is None:
            with connection.execute_wrapper(_before_writes):
                yield actor
        else:
            yield actor
    finally:
        _current.reset(token)
        if sent is not None:
            if _sent.get() and connection.connection is not None:
                _clear()  # a read-only request costs nothing
            _sent.reset(sent)


def acting_as(name: str) -> Callable:
    """A public view's changes are recorded as `name` ("customer via status page", …)."""

    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            with acting(name=name):
                return view(request, *args, **kwargs)

        return wrapped

    return decorator


_task_blocks: dict[str, contextlib.ExitStack] = {}


def connect_celery() -> None:
    """Each Celery task runs inside `acting(name="system", source="task <name>")`."""
    from celery import signals

    def started(task_id=None, task=None, **_kwargs) -> None:
        stack = contextlib.ExitStack()
        stack.enter_context(acting(name=SYSTEM, source=f"task {task.name}"))
        _task_blocks[task_id] = stack

    def finished(task_id=None, **_kwargs) -> None:
        stack = _task_blocks.pop(task_id, None)
        if stack is not None:
            stack.close()

    signals.task_prerun.connect(started, weak=False, dispatch_uid="audit_task_started")
    signals.task_postrun.connect(finished, weak=False, dispatch_uid="audit_task_finished")


def audited_command(handle: Callable) -> Callable:
    """A management command's changes are the system's, from "manage.py <command>"."""

    @functools.wraps(handle)
    def wrapped(self, *args, **options):
        command = type(self).__module__.rsplit(".", 1)[-1]
        with acting(name=SYSTEM, source=f"manage.py {command}"):
            return handle(self, *args, **options)

    return wrapped
