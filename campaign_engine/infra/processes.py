"""Which processes are alive, and giving a dead one's delivery claims back at once.

A claim's lease (dispatch.lease_seconds, 300) must outlast the slowest honest send, so it
is a poor way to notice a crash: a killed server used to leave its claimed deliveries
untouched for five minutes. Every process that claims registers here and heartbeats;
its claims' lease owners start with its id. A process whose heartbeat has lapsed, or
whose pid is gone from this host, is dead: its claims return to pending in one UPDATE
and are sent again by whoever claims next (the in-flight ones possibly twice, as before;
the receipt check in the worker stops everything already recorded). The lease stays as
the last resort for a process that never registered.

Two things make a live process look dead if done naively: clocks that differ between
machines (so heartbeats are written and judged in the database's time), and two
containers sharing a hostname with the same pid (so "this host" means the same kernel
boot and pid namespace, not only the same name)."""

from __future__ import annotations

import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path

from sqlalchemy import ColumnElement, case, delete, select, text, update
from sqlalchemy.orm import Session

from campaign_engine.db import Delivery, EngineProcess
from campaign_engine.db.bulk import insert_ignoring_conflicts
from campaign_engine.db.results import affected_rows
from campaign_engine.domain.lifecycle import DeliveryStatus


def new_process_id(kind: str) -> str:
    return f"{kind}-{uuid.uuid4().hex[:12]}"


def register(session: Session, process_id: str, kind: str, *, now: datetime) -> None:
    insert_ignoring_conflicts(
        session,
        EngineProcess,
        [
            {
                "id": process_id,
                "kind": kind,
                "host": host_key(),
                "pid": os.getpid(),
                "started_at": now,
                "heartbeat_at": now,
            }
        ],
    )


def heartbeat(session: Session, process_id: str, kind: str, *, now: datetime) -> bool:
    """True if the row was there; False when another process took this one for dead
    (its claims are gone; later claims are safe), in which case it registers again."""
    result = session.execute(
        update(EngineProcess).where(EngineProcess.id == process_id).values(heartbeat_at=now)
    )
    if affected_rows(result):
        return True
    register(session, process_id, kind, now=now)
    return False


def database_now(session: Session) -> datetime:
    """The database server's clock in UTC: one clock for every machine's heartbeats."""
    if session.get_bind().dialect.name == "postgresql":
        value = session.scalar(text("SELECT now() AT TIME ZONE 'UTC'"))
        assert isinstance(value, datetime)  # timestamp without time zone: a naive datetime
    else:
        value = datetime.fromisoformat(str(session.scalar(text("SELECT CURRENT_TIMESTAMP"))))
    return value.replace(tzinfo=UTC)


@cache
def host_key() -> str:
    """This machine as far as pids mean anything: the hostname, the kernel's boot id and
    this process's pid namespace (containers that share a name do not share these)."""
    parts = [socket.gethostname()]
    for source in ("/proc/sys/kernel/random/boot_id", "/proc/self/ns/pid"):
        try:
            path = Path(source)
            parts.append(os.readlink(path) if path.is_symlink() else path.read_text().strip())
        except OSError:
            parts.append("?")
    return ":".join(parts)[:255]


def take_over(
    session: Session,
    delivery_ids: tuple[int, ...],
    claimed_by: str,
    process_id: str,
    *,
    deadline: datetime | None = None,
) -> str:
    """Make a claim another process made this process's own, and return its new owner.

    The dispatcher claims in the scheduler; a Celery worker sends. Were the claim left in
    the scheduler's name, a killed worker's deliveries would wait out the lease (and a
    Redis broker's visibility timeout) while the scheduler lives on. In the worker's name,
    they go back to the queue when its heartbeat lapses or a successor on its host finds
    its pid gone. The new owner keeps the old one inside it, so the dispatcher still counts
    them as its in flight. Rows claimed meanwhile by someone else are left alone: the
    worker then finds them not its own and skips them. `deadline` restarts the claim's
    progress deadline: the task has started."""
    owner = f"{process_id}/{claimed_by}"
    values: dict[str, object] = {"lease_owner": owner}
    if deadline is not None:
        values["lease_expires_at"] = deadline
    session.execute(
        update(Delivery)
        .where(
            Delivery.id.in_(delivery_ids),
            Delivery.status == DeliveryStatus.SENDING,
            Delivery.lease_owner == claimed_by,
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return owner


class ClaimsInProgress:
    """The claims this process is working on right now, so its heartbeat can renew their
    progress deadline (dispatch.progress_seconds).

    A claim's deadline is short so that work lost while its process lives on (a task that
    vanished with the broker, a publish that failed) goes back to the queue within
    seconds. Work still going keeps its claim however long the item takes, as long as its
    current step (one render or one send) has not run past `stuck_after` seconds."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._steps: dict[int, tuple[str, tuple[int, ...], float]] = {}
        self._dropped: list[tuple[str, tuple[int, ...]]] = []
        # Set by the heartbeat while a backup holds sending still (stewardship/pause.py):
        # work items then hand their unsent rows back instead of finishing.
        self.paused = threading.Event()

    @contextmanager
    def work(self, owner: str, delivery_ids: tuple[int, ...]) -> Iterator[Callable[[], None]]:
        """While inside, the rows are renewed; call the yielded function at each step."""
        key = id(object())

        def step() -> None:
            with self._lock:
                self._steps[key] = (owner, delivery_ids, time.monotonic())

        step()
        try:
            yield step
        except BaseException:  # e.g. the database went away mid-item
            self.give_back([(owner, delivery_ids)])
            raise
        finally:
            with self._lock:
                self._steps.pop(key, None)

    def give_back(self, claims: list[tuple[str, tuple[int, ...]]]) -> None:
        """Claims whose work stopped, for the heartbeat to return to the queue at its next
        beat (the database may be away now) instead of their deadline."""
        with self._lock:
            self._dropped.extend(claims)

    def take_dropped(self) -> list[tuple[str, tuple[int, ...]]]:
        with self._lock:
            dropped, self._dropped = self._dropped, []
        return dropped

    def working(self, *, stuck_after: float) -> list[tuple[str, tuple[int, ...]]]:
        """(lease owner, delivery ids) of every item whose current step is younger than
        `stuck_after` seconds."""
        oldest = time.monotonic() - stuck_after
        with self._lock:
            return [(owner, ids) for owner, ids, at in self._steps.values() if at >= oldest]


def renew_claims(
    session: Session, claims: list[tuple[str, tuple[int, ...]]], *, deadline: datetime
) -> None:
    """Push the progress deadline of claims still held by their owner (one per item)."""
    for owner, ids in claims:
        session.execute(
            update(Delivery)
            .where(
                Delivery.id.in_(ids),
                Delivery.status == DeliveryStatus.SENDING,
                Delivery.lease_owner == owner,
            )
            .values(lease_expires_at=deadline)
            .execution_options(synchronize_session=False)
        )


def release_claims(session: Session, process_id: str) -> int:
    """Return every claim of a process that gives up to the queue now."""
    return _release(session, Delivery.lease_owner.like(f"{process_id}/%"), {})


def return_claims(
    session: Session, claims: list[tuple[str, tuple[int, ...]]], *, unsent: bool = False
) -> int:
    """(owner, delivery ids) whose work stopped go back to the queue at once, the rows
    still held by that owner. `unsent`: the work never reached a worker (the broker
    refused the task), so the attempt their claim counted is taken back."""
    attempts = case((Delivery.attempts > 0, Delivery.attempts - 1), else_=0)
    return sum(
        _release(
            session,
            Delivery.id.in_(ids) & (Delivery.lease_owner == owner),
            {"attempts": attempts} if unsent else {},
        )
        for owner, ids in claims
    )


def _release(session: Session, mine: ColumnElement[bool], values: dict[str, object]) -> int:
    result = session.execute(
        update(Delivery)
        .where(Delivery.status == DeliveryStatus.SENDING, mine)
        .values(status=DeliveryStatus.PENDING, lease_owner=None, lease_expires_at=None, **values)
        .execution_options(synchronize_session=False)
    )
    return affected_rows(result)


def unregister(session: Session, process_id: str) -> None:
    session.execute(delete(EngineProcess).where(EngineProcess.id == process_id))


def reap(session: Session, *, now: datetime, lapse: timedelta, me: str | None = None) -> int:
    """Forgets dead processes and returns their claims to the queue; returns how many
    deliveries went back."""
    host = host_key()
    dead = [
        row.id
        for row in session.scalars(select(EngineProcess).where(EngineProcess.id != (me or "")))
        if row.heartbeat_at + lapse < now or (row.host == host and not _alive(row.pid))
    ]
    released = 0
    for process_id in dead:
        result = session.execute(
            update(Delivery)
            .where(
                Delivery.status == DeliveryStatus.SENDING,
                Delivery.lease_owner.like(f"{process_id}/%"),
            )
            .values(status=DeliveryStatus.PENDING, lease_owner=None, lease_expires_at=None)
            .execution_options(synchronize_session=False)
        )
        released += affected_rows(result)
        unregister(session, process_id)
    return released


def _alive(pid: int) -> bool:
    """Is a process with this pid running here? Our own pid belonged to a predecessor
    when it is in another row (a restarted container often gets the same pid)."""
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True
