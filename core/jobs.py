"""Background jobs: scheduled jobs add-ons contribute (once per company that enabled the
add-on), the queue (huey: an SQLite file by default, Redis for several machines), the
worker, and progress of long jobs."""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from core.models import Company
    from core.runtime import Runtime


@dataclass(frozen=True)
class PeriodicTask:
    """A job run on a schedule for every company that enabled the add-on.

    ``func(company)`` runs with the company attached to a session acting for it
    (``core.db.session_of(company)``), committed at the end; a long job may commit in
    chunks and report ``core.jobs.progress(session, done, total)``. The schedule uses cron
    fields as huey's ``crontab`` reads them:
    ``PeriodicTask("nightly", func, minute="0", hour="2")``.
    """

    name: str
    func: Callable[[Company], Any]
    minute: str = "*"
    hour: str = "*"
    day: str = "*"
    month: str = "*"
    day_of_week: str = "*"
    addon: str = field(default="", compare=False)  # set by the kernel

    @property
    def qualified_name(self) -> str:
        return f"{self.addon}.{self.name}"

    @property
    def schedule(self) -> str:
        return f"{self.minute} {self.hour} {self.day} {self.month} {self.day_of_week}"

    def matcher(self) -> Callable[[datetime], bool]:
        """The schedule as a predicate (raises ValueError naming a bad field)."""
        from huey import crontab  # lazily: huey imports a lot

        return crontab(self.minute, self.hour, self.day, self.month, self.day_of_week)

    def is_due(self, when: datetime) -> bool:
        return bool(self.matcher()(when))


# ----------------------------------------------------------------------------- the queue
# huey, hidden behind this module (add-ons never import huey): SqliteHuey in the instance
# folder by default, RedisHuey with YAPRAK_REDIS_URL (several machines), immediate mode
# (run at once, in process) with YAPRAK_JOBS_IMMEDIATE=1 and in tests.

_current_run: ContextVar[int | None] = ContextVar("yaprak_job_run", default=None)


def make_queue(runtime: Runtime) -> Any:
    from huey import RedisHuey, SqliteHuey
    from huey import crontab as huey_crontab

    config = runtime.config
    if config.redis_url:
        queue = RedisHuey(
            "yaprak", url=config.redis_url, immediate=config.jobs_immediate, results=False
        )
    else:
        if not config.jobs_immediate:
            config.ensure_home()
        queue = SqliteHuey(
            "yaprak",
            filename=str(config.home / "jobs.db"),
            immediate=config.jobs_immediate,
            results=False,
        )

    @queue.task(name="yaprak.deliver_outbox")
    def deliver() -> None:
        from core.mail import deliver_outbox

        with runtime.activate():
            deliver_outbox(runtime)

    @queue.task(name="yaprak.run_task")
    def run(qualified_name: str, company_code: str) -> None:
        from core.scheduler import run_task

        with runtime.activate():
            run_task(runtime, qualified_name, company_code)

    @queue.periodic_task(huey_crontab(minute="*"), name="yaprak.tick")
    def tick() -> None:
        """Once a minute: queue every due job for every company that has it; send mail."""
        from core.scheduler import due_now

        with runtime.activate():
            for task, code in due_now(runtime, datetime.now()):
                run(task.qualified_name, code)
        deliver()

    queue.yaprak = {"deliver": deliver, "run": run, "tick": tick}  # type: ignore[attr-defined]
    return queue


def enqueue_delivery() -> None:
    """Ask the worker to send the outbox (called after a commit that queued mail)."""
    from core.runtime import current_runtime

    try:
        runtime = current_runtime()
    except RuntimeError:  # no runtime (a bare script): the worker's next tick sends it
        return
    runtime.jobs.yaprak["deliver"]()


def enqueue_task(runtime: Runtime, qualified_name: str, company_code: str) -> None:
    """Run a scheduled job for one company in the background, now."""
    runtime.jobs.yaprak["run"](qualified_name, company_code)


def progress(session: Any, done: int, total: int | None = None, message: str = "") -> None:
    """Report how far the running job got; saved with the job's next commit
    (a long job commits its work in chunks: ``session.commit()``)."""
    from core.models import JobRun

    run_id = _current_run.get()
    if run_id is None:
        return
    row = session.get(JobRun, run_id)
    if row is not None:
        row.done, row.total, row.message = done, total, message[:500]


def run_worker(runtime: Runtime, workers: int = 2) -> None:
    """The consumer and the scheduler (``yaprak worker``)."""
    consumer = runtime.jobs.create_consumer(workers=workers, worker_type="thread", periodic=True)
    consumer.run()
