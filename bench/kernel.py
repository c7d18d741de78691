"""Kernel benchmarks: CLI and app start, per-company hook dispatch, 1,000 companies.

    python bench/kernel.py            # prints the figures (about a minute)

Setup (not measured): 12 add-ons are generated with the scaffold (`yaprak addons new`) into a
temporary folder and made discoverable through `.dist-info` folders with entry points, the
way pip installs them; an SQLite database has all of them installed.
"""

from __future__ import annotations

import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from itertools import combinations
from pathlib import Path

N_ADDONS = 12
N_COMPANIES = 1000
HOOK_CALLS = 100_000
ROUNDS = 15


def make_addons(root: Path) -> list[str]:
    from core.scaffold import create_addon

    names = [f"bench{i:02d}" for i in range(1, N_ADDONS + 1)]
    for name in names:
        target = create_addon(name, root / "src")
        package = target / name
        # every add-on answers a hook bench01 publishes; its body does nothing, so the timing
        # of a call is the dispatch itself
        with open(package / "hooks.py", "a") as f:
            f.write("\n\n@hookimpl(optionalhook=True)\ndef bench01_noop(company):\n    return 1\n")
        if name == "bench01":
            (package / "hookspecs.py").write_text(
                "from core import hookspec\n\n\n@hookspec\ndef bench01_noop(company):\n"
                '    """Benchmark hook: return 1."""\n'
            )
        (root / "site").mkdir(exist_ok=True)
        os.symlink(package, root / "site" / name)
        info = root / "site" / f"yaprak_{name}-0.1.0.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(
            f"Metadata-Version: 2.1\nName: yaprak-{name}\nVersion: 0.1.0\n"
        )
        (info / "entry_points.txt").write_text(f"[yaprak.addons]\n{name} = {name}\n")
    return names


def child_env(root: Path, db: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(root / "site"), env.get("PYTHONPATH", "")])
    env["YAPRAK_HOME"] = str(root / "home")
    env["YAPRAK_DATABASE_URL"] = f"sqlite:///{db}"
    env["YAPRAK_ADDONS"] = ",".join(f"bench{i:02d}" for i in range(1, N_ADDONS + 1))
    return env


def run_child(env: dict[str, str], *args: str) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", *args], env=env, capture_output=True, text=True
    )
    if out.returncode != 0:
        raise SystemExit(out.stderr)
    return json.loads(out.stdout.strip().splitlines()[-1])


def timed_process(cmd: list[str], env: dict[str, str], runs: int = 10) -> list[float]:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(cmd, env=env, capture_output=True, check=True)
        times.append(time.perf_counter() - t0)
    return times


# ----------------------------------------------------------------------------- children
def child_start() -> None:
    """Process start to a ready app, split into third-party imports and Yaprak's own work."""
    import resource

    t0 = time.perf_counter()
    import alembic.command  # the libraries the app needs, imported up front
    import alembic.runtime.migration
    import alembic.script  # noqa: F401
    import flask  # noqa: F401
    import jsonschema  # noqa: F401
    import marshmallow  # noqa: F401
    import sqlalchemy.dialects.sqlite
    import sqlalchemy.orm  # noqa: F401

    t1 = time.perf_counter()
    from core.web import create_app

    app = create_app()
    t2 = time.perf_counter()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "imports": t1 - t0,
                "create_app": t2 - t1,
                "peak_rss_mb": rss,
                "addons": len(app.extensions["yaprak"].kernel.order),
            }
        )
    )


def child_serve_all() -> None:
    """Start, then serve the home page of every company (a relay per distinct set)."""
    import resource

    from sqlalchemy import select

    from core.web import create_app
    from core.web.context import SESSION_COMPANY_KEY

    t0 = time.perf_counter()
    app = create_app()
    start = time.perf_counter() - t0
    rss_start = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    runtime = app.extensions["yaprak"]
    from core.models import Membership

    with runtime.db.Session() as s:
        pairs = s.execute(select(Membership.company_id, Membership.user_id)).all()
    ids = [company_id for company_id, _ in pairs]
    client = app.test_client()
    t0 = time.perf_counter()
    for company_id, user_id in pairs:  # each company's own user
        with client.session_transaction() as session:
            session["_user_id"] = str(user_id)
            session[SESSION_COMPANY_KEY] = company_id
        assert client.get("/").status_code == 200
    per_request = (time.perf_counter() - t0) / len(ids)
    print(
        json.dumps(
            {
                "companies": len(ids),
                "start": start,
                "rss_after_start_mb": rss_start,
                "peak_rss_after_all_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                "relays": runtime.kernel.relay_count,
                "ms_per_home_page": per_request * 1000,
            }
        )
    )


def child_dispatch() -> None:
    """Per-company filtering overhead over a plain pluggy call with the same implementations.

    The machine's speed drifts (a shared VM): the variants run in many short interleaved
    batches and are compared batch by batch; the median of those paired differences is the
    overhead, robust to drift. 100,000 calls per variant in all.
    """
    import gc

    import pluggy

    import core
    from core import hookspecs
    from core.kernel.registry import Kernel

    kernel = Kernel(only=os.environ["YAPRAK_ADDONS"].split(","))
    names = kernel.order
    enabled = frozenset(names[::2])  # every other add-on, bench01 included

    class Company:
        code = "X"
        enabled_addons = enabled

    company = Company()
    plain = pluggy.PluginManager(core.PROJECT)
    plain.add_hookspecs(hookspecs)
    plain.add_hookspecs(kernel.loaded["bench01"].hookspecs)
    for name in sorted(enabled):
        plain.register(kernel.loaded[name].plugin, name=name)
    relay = kernel.relay(enabled)
    assert relay.bench01_noop(company=company) == [1] * len(enabled)
    assert plain.hook.bench01_noop(company=company) == [1] * len(enabled)
    candidates = {
        "plain": lambda: plain.hook.bench01_noop(company=company),
        "relay": lambda: relay.bench01_noop(company=company),
        "lookup": lambda: kernel.relay(company.enabled_addons).bench01_noop(company=company),
    }
    batch = 250
    samples: dict[str, list[float]] = {key: [] for key in candidates}
    gc.disable()
    for _ in range(HOOK_CALLS // batch):
        for key, fn in candidates.items():
            t0 = time.perf_counter()
            for _ in range(batch):
                fn()
            samples[key].append((time.perf_counter() - t0) / batch * 1e6)
    gc.enable()

    def paired(key: str) -> float:
        return statistics.median(a - b for a, b in zip(samples[key], samples["plain"], strict=True))

    print(
        json.dumps(
            {
                "registered": len(names),
                "enabled": len(enabled),
                "calls": HOOK_CALLS,
                "plain_us": statistics.median(samples["plain"]),
                "relay_us": statistics.median(samples["relay"]),
                "lookup_us": statistics.median(samples["lookup"]),
                "relay_extra_us": paired("relay"),
                "lookup_extra_us": paired("lookup"),
            }
        )
    )


# ----------------------------------------------------------------------------- main
def setup_database(root: Path, db: Path, names: list[str], companies: int) -> None:
    env = child_env(root, db)
    subprocess.run(
        [sys.executable, "-m", "core.cli", "init"], env=env, check=True, capture_output=True
    )
    subprocess.run(
        [sys.executable, "-m", "core.cli", "addons", "install", *names],
        env=env,
        check=True,
        capture_output=True,
    )
    from sqlalchemy import insert, select

    from core.db import Database
    from core.models import Company, CompanyAddon, Membership, MembershipRole, User

    subsets = [c for k in range(1, len(names) + 1) for c in combinations(names, k)]
    random.Random(7).shuffle(subsets)
    now = datetime.now(UTC)
    database = Database(f"sqlite:///{db}")
    with database.transaction() as s:
        for i in range(companies):
            company_id = s.execute(
                insert(Company)
                .values(code=f"C{i:04d}", name=f"Company {i}", currency="TRY", created_at=now)
                .returning(Company.id)
            ).scalar_one()
            rows = [
                {"company_id": company_id, "addon": n, "enabled": True, "changed_at": now}
                for n in subsets[i]
            ]
            s.execute(insert(CompanyAddon), rows)
        # one user per company, a member of it alone (the home page needs a login)
        companies_ids = s.scalars(select(Company.id).order_by(Company.id)).all()
        for company_id in companies_ids:
            user_id = s.execute(
                insert(User)
                .values(
                    email=f"bench{company_id}@yaprak.test",
                    name="Bench",
                    active=True,
                    language="tr",
                    created_at=now,
                )
                .returning(User.id)
            ).scalar_one()
            member = s.execute(
                insert(Membership)
                .values(user_id=user_id, company_id=company_id)
                .returning(Membership.id)
            ).scalar_one()
            s.execute(insert(MembershipRole).values(membership_id=member, role="user"))
    database.dispose()


def main() -> None:
    root = Path(tempfile.mkdtemp(prefix="yaprak-bench-"))
    sys.path.insert(0, str(root / "site"))
    names = make_addons(root)
    version = sys.version.split()[0]
    day = time.strftime("%Y-%m-%d")
    print(f"# Yaprak kernel benchmarks ({day}, Python {version}, {os.cpu_count()} CPUs)\n")

    db1, db1000 = root / "one.db", root / "many.db"
    setup_database(root, db1, names, 1)
    setup_database(root, db1000, names, N_COMPANIES)
    env = child_env(root, db1)

    help_times = timed_process([sys.executable, "-m", "core.cli", "--help"], env)
    print(
        f"yaprak --help ({N_ADDONS} add-ons installed), 10 runs: "
        f"median {statistics.median(help_times):.3f} s, min {min(help_times):.3f} s"
    )
    bare = timed_process([sys.executable, "-c", "pass"], env)
    print(f"  (bare python start: median {statistics.median(bare):.3f} s)")

    starts = [run_child(env, "start") for _ in range(5)]
    print(f"app start, fresh process, {starts[0]['addons']} add-ons installed, 5 runs (median):")
    imports = statistics.median(s["imports"] for s in starts)
    print(f"  third-party imports (Flask, SQLAlchemy, Alembic, jsonschema...): {imports:.3f} s")
    print(
        "  Yaprak's own start (discovery, manifests, add-ons, migration state, blueprints): "
        f"{statistics.median(s['create_app'] for s in starts):.3f} s"
    )
    print(f"  peak RSS: {statistics.median(s['peak_rss_mb'] for s in starts):.1f} MB")

    d = run_child(env, "dispatch")
    print(
        f"hook dispatch: {d['calls']:,} calls per variant of a hook whose implementations do "
        f"nothing, {d['enabled']} of {d['registered']} add-ons enabled (medians of "
        "400 interleaved batches):"
    )
    print(f"  plain pluggy call, only the enabled add-ons registered: {d['plain_us']:.2f} us")
    print(
        f"  through the company relay: {d['relay_us']:.2f} us, "
        f"overhead {d['relay_extra_us']:+.2f} us per call (paired median)"
    )
    print(
        f"  relay looked up from the enabled set on every call: {d['lookup_us']:.2f} us, "
        f"overhead {d['lookup_extra_us']:+.2f} us per call (paired median)"
    )

    for db, label in (
        (db1, "1 company"),
        (db1000, f"{N_COMPANIES:,} companies, each its own enabled set"),
    ):
        r = run_child(child_env(root, db), "serve_all")
        print(
            f"{label}: start {r['start']:.3f} s, RSS after start {r['rss_after_start_mb']:.1f} MB, "
            f"peak RSS after serving every company's home page {r['peak_rss_after_all_mb']:.1f} MB "
            f"({r['relays']} relays, {r['ms_per_home_page']:.2f} ms per page)"
        )


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        {"start": child_start, "dispatch": child_dispatch, "serve_all": child_serve_all}[
            sys.argv[2]
        ]()
    else:
        main()
