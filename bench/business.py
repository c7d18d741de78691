"""Business base benchmarks: numbering, tenant filtering, outbox delivery.

    python bench/business.py                      # SQLite
    python bench/business.py --postgres postgresql://postgres@127.0.0.1:5432/test

Prints the figures recorded in docs/performance.md. Each run starts from an empty database
(a temporary SQLite file; on PostgreSQL a throw-away schema).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import func, insert, select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sample_data import insert_partners, postgres_schema  # bench/sample_data.py

from core.companies import add_company
from core.config import Config
from core.kernel import lifecycle
from core.models import Company, OutboxMessage, Partner
from core.numbering import next_number, set_sequence
from core.runtime import Runtime

PARTNERS = 100_000
COMPANIES = 10
MESSAGES = 10_000
NUMBERS = 5_000


def make_runtime(url: str, home: Path) -> Runtime:
    runtime = Runtime(Config(home=home, database_url=url, addons=["__none__"], secret_key="b"))
    lifecycle.init_database(runtime)
    return runtime


def bench_numbering(runtime: Runtime, company_id: int) -> float:
    with runtime.db.transaction(company_id) as s:
        set_sequence(s, "bench.doc", "B-{year}-{seq:06d}", "yearly")
    start = time.perf_counter()
    for _ in range(NUMBERS):  # each number in its own committed transaction
        with runtime.db.transaction(company_id) as s:
            next_number(s, "bench.doc", date.today())
    return NUMBERS / (time.perf_counter() - start)


def load_partners(runtime: Runtime) -> list[int]:
    ids = []
    with runtime.db.transaction() as s:
        for c in range(COMPANIES):
            ids.append(add_company(s, f"C{c:02d}", f"Company {c}").id)
    for company_id in ids:
        insert_partners(runtime.db.engine, company_id, PARTNERS)
    return ids


def bench_filtering(runtime: Runtime, company_id: int) -> dict[str, tuple[float, float]]:
    """(automatic, by hand) best-of-7 seconds for three queries over one company's partners."""
    queries = {
        "fetch 100,000 partners (id, name)": lambda: select(Partner.id, Partner.name),
        "count customers in one city": lambda: select(func.count(Partner.id)).where(
            Partner.is_customer.is_(True), Partner.search_key.like("%ankara%")
        ),
        "first 50 vendors by name": lambda: (
            select(Partner).where(Partner.is_vendor.is_(True)).order_by(Partner.name).limit(50)
        ),
    }
    results = {}
    for label, query in queries.items():
        timings: dict[str, list[float]] = {"auto": [], "hand": []}
        counts: dict[str, int] = {}
        for _ in range(7):
            for mode in ("auto", "hand"):
                if mode == "auto":
                    session = runtime.db.session_for(company_id)
                    statement = query()
                else:
                    session = runtime.db.Session()
                    statement = query().where(Partner.company_id == company_id)
                with session:
                    start = time.perf_counter()
                    rows = session.execute(statement).all()
                    timings[mode].append(time.perf_counter() - start)
                    counts[mode] = len(rows) if len(rows) > 1 else rows[0][0]
        # both ways answer exactly the same: one company's partners, not all 1,000,000
        assert counts["auto"] == counts["hand"] and 0 < counts["auto"] <= PARTNERS, counts
        results[label] = (min(timings["auto"]), min(timings["hand"]))
    return results


SMTP_SERVER = """
import asyncio, signal, sys, threading
from aiosmtpd.controller import Controller

class Count:
    n = 0
    async def handle_DATA(self, server, session, envelope):
        Count.n += 1
        return "250 OK"

controller = Controller(Count(), hostname="127.0.0.1", port=int(sys.argv[1]))
controller.start()
print("ready", flush=True)
done = threading.Event()
signal.signal(signal.SIGTERM, lambda *_: done.set())
done.wait()
controller.stop()
print(Count.n, flush=True)
"""


def bench_outbox(runtime: Runtime, company_id: int) -> float:
    """An SMTP server in its own process (as a real one is), 10,000 queued messages."""
    import signal
    import socket
    import subprocess

    from core.mail import deliver_outbox

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-c", SMTP_SERVER, str(port)], stdout=subprocess.PIPE, text=True
    )
    assert server.stdout.readline().strip() == "ready"
    now = datetime.now(UTC)
    rows = [
        {
            "company_id": company_id,
            "to": f"musteri{i}@example.com",
            "cc": "",
            "subject": f"Fatura {i}",
            "body_text": f"Sayın müşterimiz, {i} numaralı faturanız ektedir.",
            "state": "queued",
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
            "last_error": "",
            "message_id": f"<bench{i}@yaprak.local>",
        }
        for i in range(MESSAGES)
    ]
    with runtime.db.engine.begin() as conn:
        conn.execute(insert(OutboxMessage.__table__), rows)
    runtime.config.smtp_url = f"smtp://127.0.0.1:{port}"
    start = time.perf_counter()
    sent, failed = deliver_outbox(runtime)
    elapsed = time.perf_counter() - start
    server.send_signal(signal.SIGTERM)
    received = int(server.communicate(timeout=30)[0].strip())
    assert (sent, failed, received) == (MESSAGES, 0, MESSAGES), (sent, failed, received)
    return elapsed


def run(url: str, label: str, home: Path) -> None:
    runtime = make_runtime(url, home)
    ids = load_partners(runtime)
    with runtime.db.Session() as s:
        assert s.scalar(select(func.count(Partner.id))) == PARTNERS * COMPANIES
        assert s.scalar(select(func.count(Company.id))) == COMPANIES
    rate = bench_numbering(runtime, ids[0])
    print(
        f"[{label}] numbering: {NUMBERS:,} numbers, one committed transaction each: "
        f"{rate:,.0f} numbers/s"
    )
    print(
        f"[{label}] tenant filtering, {PARTNERS:,} partners of one company among {COMPANIES} "
        f"({PARTNERS * COMPANIES:,} rows), best of 7:"
    )
    for query, (auto, hand) in bench_filtering(runtime, ids[3]).items():
        print(
            f"    {query:<36} automatic {auto * 1000:8.2f} ms, by hand {hand * 1000:8.2f} ms, "
            f"ratio {auto / hand:.2f}"
        )
    elapsed = bench_outbox(runtime, ids[0])
    print(
        f"[{label}] outbox: {MESSAGES:,} queued messages delivered to a loopback SMTP server in "
        f"{elapsed:.1f} s ({MESSAGES / elapsed:,.0f} messages/s)"
    )
    runtime.db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--postgres", help="also run on this PostgreSQL database (a new schema)")
    args = parser.parse_args()
    print(f"# Yaprak business-base benchmarks ({date.today()}, Python {sys.version.split()[0]})\n")
    with tempfile.TemporaryDirectory() as tmp:
        run(f"sqlite:///{tmp}/bench.db", "SQLite", Path(tmp))
    if args.postgres:
        with postgres_schema(args.postgres) as url, tempfile.TemporaryDirectory() as tmp:
            run(url, "PostgreSQL", Path(tmp))


if __name__ == "__main__":
    main()
