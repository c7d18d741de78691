"""The job queue: runs recorded with progress, failures rolled back, SQLite and Redis queues,
and `yaprak worker` running a queued job."""

import os
import subprocess
import sys
import time

import pytest
from sqlalchemy import select

from core.models import JobRun
from core.scheduler import run_task
from core.testing.plugin import make_runtime

from ..conftest import DOCS, HEALTHY, fixture_eps, fixture_site

pytestmark = pytest.mark.fresh_database  # runtimes with other add-ons on its database


@pytest.fixture
def acme(make_company, yaprak_runtime):
    from yk_docs.models import DocsRequest

    company = make_company("ACME", addons=["docs"])
    with yaprak_runtime.db.transaction(company) as s:
        s.add_all([DocsRequest(note="") for _ in range(3)])
    return company


def _runs(runtime):
    with runtime.db.Session() as s:
        return [
            (r.name, r.state, r.done, r.total, r.message)
            for r in s.scalars(select(JobRun).order_by(JobRun.id))
        ]


def test_a_long_job_reports_progress_and_is_recorded(yaprak_runtime, acme):
    from yk_docs.models import DocsRequest

    run_task(yaprak_runtime, "docs.count", "ACME")
    assert _runs(yaprak_runtime) == [("docs.count", "done", 3, 3, "3 of 3")]
    with yaprak_runtime.db.Session() as s:
        assert sorted(s.scalars(select(DocsRequest.note))) == [
            "counted 1",
            "counted 2",
            "counted 3",
        ]


def test_a_failing_job_is_marked_failed_and_its_work_rolled_back(yaprak_runtime, acme):
    from yk_docs.models import DocsRequest

    with pytest.raises(RuntimeError, match="failed on purpose"):
        run_task(yaprak_runtime, "docs.broken", "ACME")
    assert _runs(yaprak_runtime) == [
        ("docs.broken", "failed", 0, None, "RuntimeError: docs job failed on purpose")
    ]
    with yaprak_runtime.db.Session() as s:
        assert "half-written" not in s.scalars(select(DocsRequest.note)).all()


def test_the_redis_queue_carries_jobs_to_a_worker(
    yaprak_database_url, tmp_path, acme, yaprak_runtime
):
    import redis

    url = os.environ.get("YAPRAK_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    try:
        redis.Redis.from_url(url).flushdb()
    except redis.exceptions.ConnectionError as exc:
        if os.environ.get("CI") == "true":
            raise
        pytest.skip(f"Redis is not reachable at {url} ({exc}); CI runs this test")
    producer = make_runtime(
        yaprak_database_url,
        tmp_path / "p",
        fixture_eps({**HEALTHY, **DOCS}),
        init=False,
        redis_url=url,
        jobs_immediate=False,
    )
    producer.jobs.yaprak["run"]("docs.count", "ACME")  # what `jobs run --background` does
    assert _runs(yaprak_runtime) == []  # only queued so far
    consumer = make_runtime(
        yaprak_database_url,
        tmp_path / "c",
        fixture_eps({**HEALTHY, **DOCS}),
        init=False,
        redis_url=url,
        jobs_immediate=False,
    )
    task = consumer.jobs.dequeue()
    assert task is not None and task.name == "yaprak.run_task"
    consumer.jobs.execute(task)
    assert _runs(yaprak_runtime) == [("docs.count", "done", 3, 3, "3 of 3")]
    for rt in (producer, consumer):
        rt.db.dispose()


@pytest.mark.slow
def test_yaprak_worker_runs_a_queued_job(tmp_path, yaprak_runtime, acme, yaprak_database_url):
    env = {
        **os.environ,
        "PYTHONPATH": fixture_site(tmp_path, {**HEALTHY, **DOCS}),
        "YAPRAK_HOME": str(tmp_path / "home"),
        "YAPRAK_DATABASE_URL": yaprak_database_url,
        "YAPRAK_ADDONS": "alpha,beta,docs",
    }
    env.pop("YAPRAK_REDIS_URL", None)
    queued = subprocess.run(
        [
            sys.executable,
            "-m",
            "core.cli",
            "jobs",
            "run",
            "docs.count",
            "--company",
            "ACME",
            "--background",
        ],
        env=env,
        capture_output=True,
        text=True,
    )
    assert queued.stdout == "Queued docs.count for ACME\n", queued.stderr
    worker = subprocess.Popen(
        [sys.executable, "-m", "core.cli", "worker", "--workers", "1"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        for _ in range(100):
            if _runs(yaprak_runtime):
                break
            time.sleep(0.2)
        for _ in range(50):
            if _runs(yaprak_runtime)[0][1] != "running":
                break
            time.sleep(0.2)
    finally:
        worker.terminate()
        out, _ = worker.communicate(timeout=20)
    assert _runs(yaprak_runtime) == [("docs.count", "done", 3, 3, "3 of 3")], out
    assert "Yaprak worker: 1 threads" in out


def test_a_failing_job_run_by_hand_is_one_line(cli, acme):
    out = cli("jobs", "run", "docs.broken", "--company", "ACME", expect=1).output
    assert out == (
        "Error: docs.broken failed for ACME: RuntimeError: docs job failed on purpose "
        "(see `yaprak jobs runs`)\n"
    )
