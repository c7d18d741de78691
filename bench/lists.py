"""List page benchmark: the partners list over 100,000 partners of one company.

    python bench/lists.py                      # SQLite (the target: under 50 ms server time)
    python bench/lists.py --postgres postgresql://postgres@127.0.0.1:5432/test

Server time is the time the app takes for a request (WSGI call through the test client, no
network), median and worst of 20 after 3 warm-ups, for: the first page, a page deep in the
list (keyset cursor at row 90,000), a search, a filter with the sums, group-by, and a page
that counts (and sums) all 100,000 rows (``count=all``; by default counting stops at 10,000).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sample_data import insert_partners, postgres_schema, settle  # bench/sample_data.py

from core.auth import add_user, create_token, grant
from core.companies import add_company
from core.config import Config
from core.kernel import lifecycle
from core.listing import encode_cursor
from core.runtime import Runtime
from core.testing.plugin import YaprakClient
from core.web import create_app

PARTNERS = 100_000


def setup(url: str, home: Path) -> tuple[Runtime, int, int]:
    runtime = Runtime(Config(home=home, database_url=url, addons=["__none__"], secret_key="b"))
    lifecycle.init_database(runtime)
    with runtime.db.transaction() as s:
        company = add_company(s, "BENCH", "Bench A.Ş.")
        user = add_user(s, "bench@bench.test", "Bench")
        grant(s, runtime.kernel, user, company, ["admin"])
        create_token(s, user, company, "bench")
        company_id, user_id = company.id, user.id
    insert_partners(runtime.db.engine, company_id, PARTNERS)
    settle(runtime.db.engine)
    return runtime, company_id, user_id


def measure(client: YaprakClient, path: str, runs: int = 20) -> tuple[float, float]:
    for _ in range(3):
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        response = client.get(path)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200
    return statistics.median(times), max(times)


def run(url: str, label: str, home: Path) -> None:
    runtime, company_id, user_id = setup(url, home)
    app = create_app(runtime=runtime)
    client = YaprakClient(app, user_id, company_id, "")
    deep = encode_cursor(f"Partner {90_000:06d}", 90_001, 90_001)
    cases = {
        "first page (sorted by name)": "/partners",
        "page at row 90,000 (keyset)": f"/partners?after={deep}",
        "search 'izmir' (first page)": "/partners?q=izmir",
        "filter customers, with sums": "/partners?f.is_customer=1",
        "group by customer": "/partners?group=is_customer",
        "count all 100,000, with sums": "/partners?count=all",
    }
    print(f"[{label}] partners list over {PARTNERS:,} partners, server time per request (ms)")
    for name, path in cases.items():
        median, worst = measure(client, path)
        print(f"  {name:<32} median {median:7.1f}   worst {worst:7.1f}")
    runtime.db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", help="a PostgreSQL URL (a throw-away schema is used)")
    args = parser.parse_args()
    if args.postgres:
        with postgres_schema(args.postgres) as url, tempfile.TemporaryDirectory() as tmp:
            run(url, "PostgreSQL", Path(tmp))
    else:
        with tempfile.TemporaryDirectory() as tmp:
            run(f"sqlite:///{tmp}/bench.db", "SQLite", Path(tmp))


if __name__ == "__main__":
    main()
