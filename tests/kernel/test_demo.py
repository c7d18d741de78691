"""`yaprak demo`: a demo company with every add-on enabled and its demo data."""

import os
import socket
import subprocess
import sys
import time
import urllib.request

import pytest
from sqlalchemy import select

from core.companies import get_company


def test_demo_builds_once_and_keeps_data(cli, yaprak_runtime):
    out = cli("demo", "--no-serve").output
    assert out == ("Demo company DEMO created with add-ons: acme_notes, alpha, beta\n")
    from yk_alpha.models import AlphaThing

    with yaprak_runtime.db.Session() as s:
        demo = get_company(s, "DEMO")
        assert demo.enabled_addons == {"alpha", "beta", "acme_notes"}
        names = s.scalars(select(AlphaThing.name).where(AlphaThing.company_id == demo.id)).all()
    assert sorted(names) == ["Default thing", "Demo one", "Demo two"]
    assert (
        cli("demo", "--no-serve").output == "Demo company DEMO already exists; its data is kept.\n"
    )


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_demo_serves_the_demo_company(tmp_path):
    port = _free_port()
    env = {**os.environ, "YAPRAK_HOME": str(tmp_path / "home")}
    env.pop("YAPRAK_DATABASE_URL", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "core.cli", "demo", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    try:
        body = None
        for _ in range(100):
            try:
                body = (
                    urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2).read().decode()
                )
                break
            except OSError:
                if proc.poll() is not None:
                    break
                time.sleep(0.2)
        assert body is not None, proc.stdout.read() if proc.poll() is not None else "no answer"
        assert "Yaprak Demo Ticaret A.Ş." in body
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=10)
    assert f"Serving Yaprak on http://127.0.0.1:{port}/" in out


def test_demo_codes_are_case_insensitive(cli):
    assert cli("demo", "--company", "shop", "--no-serve").output.startswith(
        "Demo company SHOP created"
    )
    assert cli("demo", "--company", "Shop", "--no-serve").output == (
        "Demo company SHOP already exists; its data is kept.\n"
    )
