"""Background jobs on Dramatiq: at least once, retried with exponential backoff, with progress.

Jobs are declared with :func:`job` (the registry is data; nothing connects at import time) and
enqueued with :func:`enqueue` inside the caller's transaction: the job reaches the broker only
after commit (outbox). The broker comes from ``MARQUEE_QUEUE_URL``:

* ``sqlite:///…`` (default), ``postgresql+psycopg://…``, ``mysql+pymysql://…``: the embedded
  :class:`~marquee.kit.sql_broker.SQLBroker`, no server needed;
* ``redis://…``: Dramatiq's Redis broker; ``amqp://…``: Dramatiq's RabbitMQ broker.

Query options: ``namespace`` (queue-name prefix, default ``marquee``), ``lease_s`` (SQL broker),
``heartbeat_s`` (Redis: how soon a dead worker's jobs are taken again).
Two queues: ``short`` (API side effects) and ``long`` (media work), served by separate threads.
Worker processes also run the functions declared with :func:`periodic` (ticks that enqueue jobs
on a schedule) on one thread of their own.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import parse_qs, urlencode, urlsplit

import dramatiq
from dramatiq.middleware import CurrentMessage, Middleware
from sqlalchemy import JSON, Float, Integer, String, Text, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from marquee.kit.db import Base, Database, UTCDateTime, utcnow
from marquee.kit.outbox import OutboxEntry, add_entry
from marquee.kit.telemetry import JOB_DURATION, JOBS, QUEUE_DEPTH

log = logging.getLogger(__name__)
QueueName = Literal["short", "long"]
QUEUE_NAMES: tuple[QueueName, ...] = ("short", "long")
PROGRESS_INTERVAL_S = 0.5


class PermanentJobError(Exception):
    """The job cannot succeed by trying again (bad input): it fails without retries."""


class JobDeferred(Exception):
    """The job cannot run yet (another worker is doing its work, see ``kit.claims``): its
    message comes back after ``delay_s``. Not a failed attempt: it uses up no retry."""

    def __init__(self, reason: str, *, delay_s: float) -> None:
        super().__init__(reason)
        self.delay_s = delay_s


#: Set on a message whose job was deferred: what tracking records is "queued" again.
_DEFERRED = "marquee_deferred"


@dataclass(frozen=True)
class JobSpec:
    name: str
    fn: Callable[..., None]
    queue: QueueName
    max_retries: int
    time_limit_s: int


_JOBS: dict[str, JobSpec] = {}


def job(
    name: str, *, queue: QueueName = "short", max_retries: int = 5, time_limit_s: int = 600
) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Declare ``fn(ctx: JobContext, **kwargs)`` as the job ``name`` (``domain.verb``)."""

    def register(fn: Callable[..., None]) -> Callable[..., None]:
        _JOBS[name] = JobSpec(name, fn, queue, max_retries, time_limit_s)
        return fn

    return register


def registered_jobs() -> dict[str, JobSpec]:
    return dict(_JOBS)


@dataclass(frozen=True)
class PeriodicSpec:
    name: str
    fn: Callable[[Any], None]
    interval_s: float


_PERIODIC: dict[str, PeriodicSpec] = {}


def periodic(
    name: str, *, interval_s: float
) -> Callable[[Callable[[Any], None]], Callable[[Any], None]]:
    """Declare ``fn(services)`` to run every ``interval_s`` seconds in every worker process,
    so it must be safe to run in several at once (claim in the database what runs once)."""

    def register(fn: Callable[[Any], None]) -> Callable[[Any], None]:
        _PERIODIC[name] = PeriodicSpec(name, fn, interval_s)
        return fn

    return register


class Ticker:
    """Runs each periodic function at start, then every ``interval_s``, on one thread; a
    failing tick is logged and the next one comes anyway."""

    def __init__(self, specs: list[PeriodicSpec], services: Any) -> None:
        self.specs, self.services = specs, services
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="periodic", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def _run(self) -> None:
        due = {spec.name: 0.0 for spec in self.specs}
        while not self._stop.is_set():
            for spec in self.specs:
                if time.monotonic() >= due[spec.name]:
                    due[spec.name] = time.monotonic() + spec.interval_s
                    self._tick(spec)
            self._stop.wait(max(0.0, min(due.values(), default=60.0) - time.monotonic()))

    def _tick(self, spec: PeriodicSpec) -> None:
        try:
            spec.fn(self.services)
        except Exception:
            log.exception("periodic %s failed; trying again in %.0f s", spec.name, spec.interval_s)


class JobRun(Base):
    """What happened to one job: state, progress, attempts, error, timing."""

    __tablename__ = "kit_job_runs"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(128), index=True)
    args: Mapped[dict[str, Any]] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(16), default="queued")
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    message: Mapped[str] = mapped_column(Text, default="")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    enqueued_at = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    started_at = mapped_column(UTCDateTime(), nullable=True)
    finished_at = mapped_column(UTCDateTime(), nullable=True)


def enqueue(session: Session, name: str, **kwargs: Any) -> str:
    """Record job ``name`` in the caller's transaction; it is sent once that commits.

    Returns the job id, which :class:`JobRun` and ``GET /api/v1/jobs/{id}`` know it by.
    """
    if name not in _JOBS:
        raise KeyError(f"no job named {name!r} is declared")
    job_id = uuid.uuid4().hex
    session.add(JobRun(id=job_id, name=name, args=kwargs))
    add_entry(session, "job", name, job_id, kwargs)
    return job_id


@dataclass
class JobContext:
    """What a running job gets: its identity, the platform's services, and progress reporting."""

    job_id: str
    name: str
    attempt: int
    services: Any
    db: Database
    _last_report: float = field(default=0.0)

    def progress(self, fraction: float, message: str = "") -> None:
        """Record progress (0–1); cheap to call often, written at most twice a second."""
        now = time.monotonic()
        if fraction < 1 and now - self._last_report < PROGRESS_INTERVAL_S:
            return
        self._last_report = now
        with self.db.transaction() as session:
            run = session.get(JobRun, self.job_id)
            if run is not None:
                run.progress = max(0.0, min(1.0, fraction))
                run.message = message


class JobTracking(Middleware):
    """Keeps :class:`JobRun` rows and the job metrics up to date around every attempt."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.started: dict[str, float] = {}

    def before_process_message(self, broker: dramatiq.Broker, message: Any) -> None:
        self.started[message.message_id] = time.monotonic()
        with self.db.transaction() as session:
            run = self._run(session, message)
            run.state = "running"
            run.attempts = message.options.get("retries", 0) + 1
            run.started_at = utcnow()

    def after_process_message(
        self, broker: dramatiq.Broker, message: Any, *, result: Any = None, exception: Any = None
    ) -> None:
        elapsed = time.monotonic() - self.started.pop(message.message_id, time.monotonic())
        outcome = "succeeded" if exception is None else ("failed" if message.failed else "retrying")
        if exception is None and message.options.get(_DEFERRED):
            outcome = "queued"
        JOBS.labels(job=message.actor_name, outcome=outcome).inc()
        JOB_DURATION.labels(job=message.actor_name).observe(elapsed)
        with self.db.transaction() as session:
            run = self._run(session, message)
            run.state = outcome
            if outcome == "succeeded":
                run.progress = 1.0
                run.error = None
            elif exception is not None:
                run.error = f"{type(exception).__name__}: {exception}"
            if outcome not in ("retrying", "queued"):
                run.finished_at = utcnow()

    def _run(self, session: Session, message: Any) -> JobRun:
        run = session.get(JobRun, message.message_id)
        if run is None:
            run = JobRun(id=message.message_id, name=message.actor_name, args=message.kwargs)
            session.add(run)
        return run


def build_broker(url: str) -> tuple[dramatiq.Broker, str]:
    """The Dramatiq broker for ``url`` and the namespace its queue names start with."""
    parts = urlsplit(url)
    options = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    namespace = options.pop("namespace", "marquee")
    heartbeat_s = float(options.pop("heartbeat_s", "60"))
    maintenance_chance = int(options.pop("maintenance_chance", "1000"))
    lease_s = float(options.pop("lease_s", "30"))
    base = url.split("?", 1)[0]
    bare = f"{base}?{urlencode(options)}" if options else base
    broker: dramatiq.Broker
    if parts.scheme in ("redis", "rediss"):
        from dramatiq.brokers.redis import RedisBroker

        broker = RedisBroker(  # type: ignore[no-untyped-call]
            url=bare,
            namespace=namespace,
            heartbeat_timeout=int(heartbeat_s * 1000),
            maintenance_chance=maintenance_chance,
        )
    elif parts.scheme == "amqp":
        from dramatiq.brokers.rabbitmq import RabbitmqBroker

        broker = RabbitmqBroker(url=bare)
    elif parts.scheme == "memory":
        from dramatiq.brokers.stub import StubBroker

        broker = StubBroker()
    else:
        from marquee.kit.sql_broker import SQLBroker

        broker = SQLBroker(bare, lease_s=lease_s)
    return broker, namespace


class JobQueue:
    """The brokers, the declared jobs as Dramatiq actors, and optionally workers in this process.

    Each queue has a broker of its own (its own connection), holding only that queue's actors:
    a Dramatiq broker serves one :class:`dramatiq.Worker`, whose middleware consumes every queue
    the broker declares. Two workers on one broker (one per queue, for their own thread counts)
    added that middleware twice, which Dramatiq warns about.
    """

    def __init__(self, url: str, db: Database, services: Any = None) -> None:
        self.db = db
        self.services = services
        self.brokers: dict[QueueName, dramatiq.Broker] = {}
        for queue in QUEUE_NAMES:
            broker, self.namespace = build_broker(url)
            self.brokers[queue] = self._with_jobs(broker, queue)
        self.workers: list[dramatiq.Worker] = []
        self.ticker: Ticker | None = None

    def record_depth(self) -> None:
        """Set ``marquee_jobs_queued`` per queue from :class:`JobRun`: jobs enqueued or waiting
        for a retry, across every process (what a worker autoscaler watches)."""
        depth = dict.fromkeys(QUEUE_NAMES, 0)
        waiting = JobRun.state.in_(("queued", "retrying"))
        with self.db.sessions() as session:
            counts = session.execute(
                select(JobRun.name, func.count()).where(waiting).group_by(JobRun.name)
            )
            for name, count in counts:
                spec = _JOBS.get(name)
                depth[spec.queue if spec else "short"] += count
        for queue, count in depth.items():
            QUEUE_DEPTH.labels(queue=queue).set(count)

    def queue_name(self, queue: QueueName) -> str:
        return f"{self.namespace}.{queue}"

    def _with_jobs(self, broker: dramatiq.Broker, queue: QueueName) -> dramatiq.Broker:
        """``broker`` with the tracking middleware and the actors of the jobs of ``queue``."""
        broker.add_middleware(CurrentMessage())
        # Dramatiq runs "after" hooks in reverse order: placed first, tracking sees the
        # outcome the Retries middleware decided (retry or give up).
        broker.add_middleware(JobTracking(self.db), before=type(broker.middleware[0]))
        for spec in _JOBS.values():
            if spec.queue == queue:
                self._declare(broker, spec)
        return broker

    def _declare(self, broker: dramatiq.Broker, spec: JobSpec) -> None:
        def run(**kwargs: Any) -> None:
            message = CurrentMessage.get_current_message()
            assert message is not None, "jobs run inside a worker"
            context = JobContext(
                job_id=message.message_id,
                name=spec.name,
                attempt=message.options.get("retries", 0) + 1,
                services=self.services,
                db=self.db,
            )
            try:
                spec.fn(context, **kwargs)
            except JobDeferred as deferred:
                log.info("job %s deferred %.0f s: %s", spec.name, deferred.delay_s, deferred)
                broker.enqueue(message.copy(), delay=int(deferred.delay_s * 1000))
                message.options[_DEFERRED] = True

        dramatiq.Actor(
            run,
            broker=broker,
            actor_name=spec.name,
            queue_name=self.queue_name(spec.queue),
            priority=0,
            options={
                "max_retries": spec.max_retries,
                "min_backoff": 1000,
                "max_backoff": 300_000,
                "time_limit": spec.time_limit_s * 1000,
                "throws": (PermanentJobError,),
            },
        )

    def send(self, name: str, job_id: str | None = None, **kwargs: Any) -> str:
        """Send a job now, outside any transaction (the outbox relay and scripts use this)."""
        spec = _JOBS[name]
        message: dramatiq.Message[Any] = dramatiq.Message(
            queue_name=self.queue_name(spec.queue),
            actor_name=name,
            args=(),
            kwargs=kwargs,
            options={},
            message_id=job_id or uuid.uuid4().hex,
        )
        self.brokers[spec.queue].enqueue(message)
        return str(message.message_id)

    def relay(self, entries: Sequence[OutboxEntry]) -> None:
        """Outbox handler for ``job`` entries."""
        for entry in entries:
            self.send(entry.name, entry.key, **entry.payload)

    def start_workers(self, *, short_threads: int = 4, long_threads: int = 1) -> None:
        threads_of: dict[QueueName, int] = {"short": short_threads, "long": long_threads}
        for queue, threads in threads_of.items():
            if threads <= 0:
                continue
            worker = dramatiq.Worker(
                self.brokers[queue],
                queues={self.queue_name(queue)},
                worker_threads=threads,
                worker_timeout=250,
            )
            worker.start()
            self.workers.append(worker)
        self.ticker = Ticker(list(_PERIODIC.values()), self.services)
        self.ticker.start()
        log.info("job workers started", extra={"short": short_threads, "long": long_threads})

    def stop(self) -> None:
        if self.ticker is not None:
            self.ticker.stop()
        for worker in self.workers:
            worker.stop(timeout=10_000)
        self.workers.clear()
        for broker in self.brokers.values():
            broker.close()

    def ping(self) -> None:
        """Raise if the broker cannot be reached."""
        broker = self.brokers["short"]
        if hasattr(broker, "client"):
            broker.client.ping()
        elif hasattr(broker, "engine"):
            with broker.engine.connect():
                pass
        elif hasattr(broker, "connection"):
            assert broker.connection.is_open

    def job_run(self, job_id: str) -> JobRun | None:
        with self.db.sessions() as session:
            return session.get(JobRun, job_id)

    def wait(self, job_ids: list[str], *, timeout_s: float = 600) -> list[JobRun]:
        """Block until every job has finished (succeeded or failed); used by the CLI."""
        deadline = time.monotonic() + timeout_s
        while True:
            with self.db.sessions() as session:
                runs = list(session.scalars(select(JobRun).where(JobRun.id.in_(job_ids))))
            if len(runs) == len(job_ids) and all(r.state in ("succeeded", "failed") for r in runs):
                return runs
            if time.monotonic() > deadline:
                raise TimeoutError(f"jobs still running after {timeout_s:.0f} s")
            time.sleep(0.2)
