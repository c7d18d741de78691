"""HTTP load: a logged-in user's page under gunicorn, measured with wrk on loopback.

    python bench/http_load.py                                   # SQLite, 100,000 partners
    python bench/http_load.py --postgres postgresql://postgres@127.0.0.1:5432/test
    python bench/http_load.py --url /partners --partners 100000 --duration 30

Builds a fresh database (a temporary SQLite file, or a throw-away schema on PostgreSQL) with
one company, N partners (bulk insert, not measured) and a user with a password, enables
every loaded add-on for the company, starts ``gunicorn -w 2 'core.web:create_app()'`` on
127.0.0.1, logs in through the real login form (session cookie + CSRF token), checks that
the page answers 200 for that session, warms up, then runs
``wrk --latency`` with the session cookie. Prints requests/s, latency percentiles and the
errors: socket errors, and every answer other than 200 (a redirect to the login page counts
as an error). Exits 1 when there were errors.

Without ``--url`` the partners list (``/partners``) is measured if the app has that route,
else the dashboard (``/``); the output says which.

Needs wrk (``apt-get install wrk``) and gunicorn (``pip install -e '.[server]'``).
"""

from __future__ import annotations

import argparse
import http.cookiejar
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sample_data import insert_partners, postgres_schema, settle  # bench/sample_data.py
from sqlalchemy import func, select

from core.auth import add_user, grant
from core.companies import add_company, enable_addons
from core.config import Config
from core.kernel import lifecycle
from core.models import Partner
from core.runtime import Runtime

EMAIL = "bench@yaprak.test"
PASSWORD = "bench-password-1"
USER_AGENT = "yaprak-http-bench"  # the same for login and wrk (Flask-Login's session check)
WRK_SCRIPT = """
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) not_ok = 0; first = "" end
function response(status, headers, body)
  if status ~= 200 then
    not_ok = not_ok + 1
    if first == "" then first = tostring(status) .. " " .. (headers["Location"] or "") end
  end
end
function done(summary, latency, requests)
  local total, first_seen = 0, ""
  for _, t in ipairs(threads) do
    total = total + t:get("not_ok")
    if first_seen == "" then first_seen = t:get("first") end
  end
  io.write(string.format("YAPRAK_NOT_200 %d %s\\n", total, first_seen))
end
"""


def fail(message: str) -> None:
    print(f"http_load: {message}", file=sys.stderr)
    sys.exit(2)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def build_database(url: str, home: Path, partners: int) -> list[str]:
    """Core migrated, one company with every loaded add-on, N partners, the bench user."""
    runtime = Runtime(Config(home=home, database_url=url, secret_key="bench"))
    lifecycle.init_database(runtime)
    with runtime.db.transaction() as s:
        company = add_company(s, "BENCH", "Bench Ticaret A.Ş.")
        company_id = company.id
    addons = list(runtime.kernel.order)
    if addons:
        enable_addons(runtime, "BENCH", addons)
    insert_partners(runtime.db.engine, company_id, partners)
    settle(runtime.db.engine)
    with runtime.db.transaction() as s:
        user = add_user(s, EMAIL, password=PASSWORD)
        from core.models import Company

        grant(s, runtime.kernel, user, s.get(Company, company_id), ["admin"])
    with runtime.db.Session() as s:
        count = s.scalar(select(func.count(Partner.id)))
        if count != partners:
            fail(f"{count} partners in the database, {partners} wanted")
    runtime.db.dispose()
    return addons


def pick_url(url: str | None, home: Path, database_url: str) -> tuple[str, str]:
    """The path to measure, and why it was chosen."""
    if url:
        if not url.startswith("/"):
            fail(f"--url {url!r}: give a path such as /partners")
        return url, "given with --url"
    from core.web import create_app

    runtime = Runtime(Config(home=home, database_url=database_url, secret_key="bench"))
    app = create_app(runtime=runtime)
    rules = {rule.rule for rule in app.url_map.iter_rules()}
    runtime.db.dispose()
    if "/partners" in rules or "/partners/" in rules:
        return ("/partners" if "/partners" in rules else "/partners/"), "the partners list"
    return "/", "the dashboard: this branch has no /partners page yet"


def wait_for(base: str, server: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            fail(f"gunicorn exited with status {server.returncode} before answering")
        try:
            with urllib.request.urlopen(base + "/login", timeout=2) as r:
                if r.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    fail(f"gunicorn did not answer on {base} within {seconds:.0f} s")


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return None


def log_in(base: str) -> str:
    """Log in through the form; return the ``Cookie`` header value of the session."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect)
    opener.addheaders = [("User-Agent", USER_AGENT)]
    page = opener.open(base + "/login").read().decode()
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    if match is None:
        fail("the login page has no CSRF token")
    form = urllib.parse.urlencode(
        {"email": EMAIL, "password": PASSWORD, "csrf_token": match.group(1)}
    ).encode()
    try:
        opener.open(base + "/login", data=form)
        fail("logging in did not redirect (wrong password?)")
    except urllib.error.HTTPError as answer:
        if answer.code != 302 or "/login" in (answer.headers.get("Location") or ""):
            fail(f"logging in answered {answer.code} {answer.headers.get('Location')}")
    cookies = "; ".join(f"{c.name}={c.value}" for c in jar)
    if "session=" not in cookies:
        fail("no session cookie after logging in")
    return cookies


def check_page(base: str, path: str, cookie: str) -> int:
    """GET the page once with the session: it must be 200 (not the login page)."""
    request = urllib.request.Request(
        base + path, headers={"Cookie": cookie, "User-Agent": USER_AGENT}
    )
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request) as r:
            body = r.read()
    except urllib.error.HTTPError as answer:
        fail(f"GET {path} answered {answer.code} {answer.headers.get('Location') or ''}")
    return len(body)


def run_wrk(
    base: str, path: str, cookie: str, threads: int, connections: int, duration: int, lua: Path
) -> str:
    cmd = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{duration}s",
        "--latency",
        "--timeout",
        "10s",
        "-s",
        str(lua),
        "-H",
        f"Cookie: {cookie}",
        "-H",
        f"User-Agent: {USER_AGENT}",
        base + path,
    ]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        fail(f"wrk failed ({done.returncode}): {done.stderr.strip()}")
    return done.stdout


def summarise(output: str) -> dict[str, str | float | int]:
    def find(pattern: str, default: str = "0") -> str:
        match = re.search(pattern, output, re.M)
        return match.group(1) if match else default

    not_ok = re.search(r"^YAPRAK_NOT_200 (\d+) ?(.*)$", output, re.M)
    socket_errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    return {
        "requests": int(find(r"^\s*(\d+) requests in")),
        "rps": float(find(r"^Requests/sec:\s+([\d.]+)")),
        "avg": find(r"^\s+Latency\s+(\S+)"),
        "max": find(r"^\s+Latency\s+\S+\s+\S+\s+(\S+)"),
        "p50": find(r"^\s+50%\s+(\S+)"),
        "p90": find(r"^\s+90%\s+(\S+)"),
        "p99": find(r"^\s+99%\s+(\S+)"),
        "not_200": int(not_ok.group(1)) if not_ok else -1,
        "first_not_200": not_ok.group(2).strip() if not_ok else "",
        "socket_errors": sum(int(n) for n in socket_errors.groups()) if socket_errors else 0,
        "socket_detail": socket_errors.group(0) if socket_errors else "Socket errors: none",
    }


def measure(args: argparse.Namespace, database_url: str, label: str, home: Path) -> bool:
    print(f"[{label}] building: 1 company, {args.partners:,} partners ...", flush=True)
    started = time.perf_counter()
    addons = build_database(database_url, home, args.partners)
    print(
        f"[{label}] built in {time.perf_counter() - started:.1f} s; add-ons enabled: "
        f"{', '.join(addons) or 'none'}",
        flush=True,
    )
    path, why = pick_url(args.url, home, database_url)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "YAPRAK_HOME": str(home),
        "YAPRAK_DATABASE_URL": database_url,
        "YAPRAK_SECRET_KEY": "http-load-bench",
    }
    cmd = [
        sys.executable,
        "-m",
        "gunicorn",
        "-w",
        str(args.workers),
        "-b",
        f"127.0.0.1:{port}",
        "--log-level",
        "warning",
        "core.web:create_app()",
    ]
    server = subprocess.Popen(cmd, env=env, cwd=Path(__file__).resolve().parent.parent)
    try:
        wait_for(base, server)
        cookie = log_in(base)
        size = check_page(base, path, cookie)
        lua = home / "count_not_200.lua"
        lua.write_text(WRK_SCRIPT)
        run_wrk(base, path, cookie, args.threads, args.connections, args.warmup, lua)
        output = run_wrk(base, path, cookie, args.threads, args.connections, args.duration, lua)
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
    s = summarise(output)
    errors = int(s["not_200"]) + int(s["socket_errors"])
    print(
        f"[{label}] GET {path} ({why}; {size:,} bytes), gunicorn -w {args.workers} "
        f"(sync), wrk -t{args.threads} -c{args.connections} -d{args.duration}s "
        f"after a {args.warmup} s warm-up:\n"
        f"    {s['rps']:,.1f} requests/s ({s['requests']:,} requests)\n"
        f"    latency avg {s['avg']}, p50 {s['p50']}, p90 {s['p90']}, p99 {s['p99']}, "
        f"max {s['max']}\n"
        f"    errors: {errors} (answers other than 200: {s['not_200']}"
        f"{' first ' + str(s['first_not_200']) if s['first_not_200'] else ''}; "
        f"{s['socket_detail']})",
        flush=True,
    )
    if args.verbose:
        print(output)
    return errors == 0 and int(s["not_200"]) >= 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--partners", type=int, default=100_000, help="partners to create")
    parser.add_argument("--url", help="path to measure (default: /partners if it exists, else /)")
    parser.add_argument("--postgres", help="PostgreSQL URL: measure there (a throw-away schema)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--connections", type=int, default=8, help="wrk connections")
    parser.add_argument("--duration", type=int, default=20, help="seconds measured")
    parser.add_argument("--warmup", type=int, default=3, help="seconds of warm-up, not measured")
    parser.add_argument("--verbose", action="store_true", help="print wrk's own output too")
    args = parser.parse_args()
    if args.partners < 0:
        fail("--partners must be 0 or more")
    if min(args.workers, args.threads, args.connections, args.duration, args.warmup) < 1:
        fail("--workers, --threads, --connections, --duration and --warmup must be at least 1")
    if args.connections < args.threads:
        fail("--connections must be at least --threads (wrk gives each thread a connection)")
    if shutil.which("wrk") is None:
        fail("wrk is not installed (apt-get install wrk)")
    try:
        import gunicorn  # noqa: F401
    except ImportError:
        fail("gunicorn is not installed (pip install -e '.[server]')")
    print(
        f"# Yaprak HTTP load ({date.today()}, Python {sys.version.split()[0]}, "
        f"{os.cpu_count()} CPUs)\n",
        flush=True,
    )
    ok = True
    if args.postgres:
        with postgres_schema(args.postgres) as url, tempfile.TemporaryDirectory() as tmp:
            ok = measure(args, url, "PostgreSQL", Path(tmp))
    else:
        with tempfile.TemporaryDirectory() as tmp:
            ok = measure(args, f"sqlite:///{tmp}/bench.db", "SQLite", Path(tmp))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
