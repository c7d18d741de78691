"""`yaprak demo`: a demo company with every add-on enabled and its demo data."""

import os
import socket
import subprocess
import sys
import time
import urllib.request

import pytest
from sqlalchemy import select

from core.companies import get_company, valid_company_tax_id


def test_demo_builds_once_and_keeps_data(cli, yaprak_runtime):
    out = cli("demo", "--no-serve").output
    assert out == (
        "Building demo company DEMO (small size)...\n"
        "Demo company DEMO created with add-ons:"
        " acme_notes, alpha, docs, materials, sales, beta, purchasing, reporting\n"
        "Demo login: admin@demo.demo / demo1234\n"
    )
    from yk_alpha.models import AlphaThing

    with yaprak_runtime.db.Session() as s:
        demo = get_company(s, "DEMO")
        assert demo.enabled_addons == {
            "alpha",
            "beta",
            "docs",
            "acme_notes",
            "materials",
            "purchasing",
            "reporting",
            "sales",
        }
        # what its documents print in the header, the tax number with a valid check digit
        assert demo.tax_office and demo.address and demo.phone and demo.email
        assert valid_company_tax_id(demo.tax_id) and len(demo.mersis_no) == 16
        names = s.scalars(select(AlphaThing.name).where(AlphaThing.company_id == demo.id)).all()
    assert sorted(names) == ["Default thing", "Demo one", "Demo two"]
    assert cli("demo", "--no-serve").output == (
        "Demo company DEMO already exists; its data is kept.\n"
        "Demo login: admin@demo.demo / demo1234\n"
    )


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _login_and_fetch(port, email, password):
    import http.cookiejar
    import re
    import urllib.parse

    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
    )
    form = opener.open(f"http://127.0.0.1:{port}/login", timeout=5).read().decode()
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    data = urllib.parse.urlencode({"csrf_token": token, "email": email, "password": password})
    return (
        opener.open(f"http://127.0.0.1:{port}/login", data=data.encode(), timeout=5).read().decode()
    )


@pytest.mark.slow
def test_demo_serves_the_demo_company_behind_its_login(tmp_path):
    port = _free_port()
    env = {**os.environ, "YAPRAK_HOME": str(tmp_path / "home"), "YAPRAK_DEMO_SIZE": "small"}
    env.pop("YAPRAK_DATABASE_URL", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "core.cli", "demo", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    try:
        ready = False
        # building the small demo (every add-on's data) then starting the server takes a few
        # seconds alone and a minute or more on a busy CI machine: wait on a deadline
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=2)
                ready = True
                break
            except OSError:
                if proc.poll() is not None:
                    break
                time.sleep(0.2)
        assert ready, proc.stdout.read() if proc.poll() is not None else "no answer"
        home = _login_and_fetch(port, "admin@demo.demo", "demo1234")
        assert "Yaprak Demo Ticaret A.Ş." in home
        assert "admin@demo.demo" in home
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=10)
    assert "Demo login: admin@demo.demo / demo1234" in out
    assert f"Serving Yaprak on http://127.0.0.1:{port}/" in out


def test_demo_codes_are_case_insensitive(cli):
    assert "Demo company SHOP created" in cli("demo", "--company", "shop", "--no-serve").output
    assert cli("demo", "--company", "Shop", "--no-serve").output == (
        "Demo company SHOP already exists; its data is kept.\n"
        "Demo login: admin@shop.demo / demo1234\n"
    )


def test_demo_size_comes_from_the_option_else_the_setting(cli, yaprak_runtime, monkeypatch):
    from core.config import Config

    sizes = []
    monkeypatch.setattr(
        yaprak_runtime.kernel,
        "call_addon",
        lambda name, hook, **kw: sizes.append((name, kw["size"])) if hook == "demo_data" else [],
    )
    assert yaprak_runtime.config.demo_size == "small"  # tests build small demos
    cli("demo", "--company", "one", "--no-serve")
    cli("demo", "--company", "two", "--size", "full", "--no-serve")
    assert {size for _, size in sizes[: len(sizes) // 2]} == {"small"}
    assert {size for _, size in sizes[len(sizes) // 2 :]} == {"full"}
    assert "'huge' is not one of" in cli("demo", "--size", "huge", "--no-serve", expect=2).output
    yaprak_runtime.config.demo_size = "huge"  # YAPRAK_DEMO_SIZE=huge
    out = cli("demo", "--company", "three", "--no-serve", expect=1).output
    assert "size: 'huge': choose small or full" in out
    monkeypatch.setenv("YAPRAK_DEMO_SIZE", " Small ")
    assert Config.from_env().demo_size == "small"
    monkeypatch.delenv("YAPRAK_DEMO_SIZE")
    assert Config.from_env().demo_size == "full"
