"""Document PDFs: what they show (read back with pypdf), who may get them, what the
renderer may load, its limits, and templates a company edits."""

from __future__ import annotations

import io
import re
import threading
import time
import urllib.request
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from pypdf import PdfReader

from core.companies import set_letterhead

TURKISH = "İğneli şişe, ığdır gülü, çöp Ğ Ş Ü Ö Ç"


# ----------------------------------------------------------------------------- helpers
def pdf_pages(data: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


def image_count(data: bytes) -> int:
    return sum(len(page.images) for page in PdfReader(io.BytesIO(data)).pages)


def error_of(response) -> str:
    """The heading of an error page (the page around it names the user)."""
    html = response.get_data(as_text=True)
    heading = re.search(r'<h1[^>]*id="yaprak-error-title"[^>]*>(.*?)</h1>', html, re.S).group(1)
    return f"{response.status_code} " + re.sub(r"<[^>]+>.*?</span>|<[^>]+>", "", heading).strip()


def new_request(runtime, company, note="", lines=(), number=None):
    """A docs.request of ``company`` with ``lines`` as (description, quantity, price, rate)."""
    from yk_docs.models import DocsRequest, DocsRequestLine

    with runtime.db.session_for(company.id, write=True) as s, s.begin():
        doc = DocsRequest(note=note, number=number)
        for description, quantity, price, rate in lines:
            doc.lines.append(
                DocsRequestLine(
                    description=description,
                    quantity=Decimal(quantity),
                    unit_price=Decimal(price),
                    tax_rate=rate,
                )
            )
        doc.recompute()
        s.add(doc)
        s.flush()
        return doc.id


def set_template(runtime, company, name, source):
    from core.templates import set_override, template_folders

    with runtime.db.session_for(company.id, write=True) as s, s.begin():
        set_override(s, name, source, template_folders(runtime.kernel))


@pytest.fixture
def acme(make_company, yaprak_runtime):
    company = make_company("ACME", addons=["docs"], name="Ağaç İşleri Ticaret A.Ş.")
    with yaprak_runtime.db.transaction() as s:
        from core.models import Company

        set_letterhead(s.get(Company, company.id), address="Şişli Cad. No: 1\nİstanbul")
    return company


@pytest.fixture
def client(acme, company_client):
    return company_client(acme, roles=("docs.requester",))


class Loopback:
    """A real HTTP server on 127.0.0.1 that records every request it gets."""

    def __init__(self) -> None:
        hits: list[str] = []

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                hits.append(self.path)
                if self.path.startswith("/redirect"):
                    self.send_response(302)
                    self.send_header("Location", "/static/core/pdf.css")
                    self.end_headers()
                    return
                body = b'body::after { content: "LEAKED-HTTP" }'
                self.send_response(200)
                self.send_header("Content-Type", "text/css")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.hits = hits
        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def requests(self) -> list[str]:
        """Every request so far: a last one of ours, answered after any queued before it
        (one request at a time), so none still waiting in the backlog is missed."""
        with urllib.request.urlopen(f"{self.url}/sentinel", timeout=5) as answer:
            assert answer.status == 200
        assert self.hits[-1] == "/sentinel"
        return self.hits[:-1]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def loopback():
    server = Loopback()
    yield server
    server.close()


@pytest.fixture
def outside(tmp_path):
    """Files outside every static folder that a PDF must never load, and a static folder
    of the app with one image it may load and a symbolic link leading out."""
    from PIL import Image

    secret = tmp_path / "secret"
    secret.mkdir()
    Image.new("RGB", (8, 8), "red").save(secret / "secret.png")
    (secret / "secret.css").write_text('body::before { content: "LEAKED-FILE" }')
    static = tmp_path / "static"
    static.mkdir()
    Image.new("RGB", (8, 8), "blue").save(static / "ok.png")
    (static / "escape.png").symlink_to(secret / "secret.png")
    (static / "escape.css").symlink_to(secret / "secret.css")
    return secret, static


def hostile_markup(http: str, secret) -> list[str]:
    """Every way we know for HTML, CSS or SVG to make a renderer load a URL."""
    file_png = f"file://{secret / 'secret.png'}"
    file_css = f"file://{secret / 'secret.css'}"
    return [
        '<img src="file:///etc/passwd">',
        f'<img src="{file_png}">',
        f'<img src="{http}/img.png">',
        f'<img src="{http}/redirect.png">',
        f"<style>@import url({http}/import.css);</style>",
        f'<style>@import "{file_css}";</style>',
        f'<link rel="stylesheet" href="{http}/link.css">',
        f'<link rel="stylesheet" href="{file_css}">',
        f'<svg width="10" height="10"><image href="{http}/svg.png" width="10" height="10"/></svg>',
        '<svg xmlns:xlink="http://www.w3.org/1999/xlink" width="10" height="10">'
        f'<image xlink:href="{http}/xlink.png" width="10" height="10"/></svg>',
        f'<div style="background: url({http}/bg.png); height: 5mm"></div>',
        f"<style>@font-face {{ font-family: X; src: url({http}/font.ttf) }}"
        " p { font-family: X }</style>",
        f'<link rel="attachment" href="{http}/attachment.txt">',
        '<link rel="attachment" href="file:///etc/passwd">',
        f'<a rel="attachment" href="{file_css}">a</a>',
        f'<object data="{http}/object.svg" type="image/svg+xml"></object>',
        f'<embed src="{http}/embed.svg" type="image/svg+xml">',
        f'<iframe src="{http}/frame.html"></iframe>',
        '<img src="/static/../../../../etc/passwd">',
        '<img src="/static/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd">',
        '<img src="/static/%252e%252e/etc/passwd">',
        '<img src="/static/escape.png">',
        '<link rel="stylesheet" href="/static/escape.css">',
        '<img src="https://yaprak.invalid.example.com/static/ok.png">',
        '<img src="https://yaprak.invalid:8443/static/ok.png">',
        '<img src="//127.0.0.1/static/ok.png">',
        '<img src="ftp://127.0.0.1/x.png">',
    ]


# ----------------------------------------------------------------------------- content
def test_a_document_pdf_reads_back(acme, client, yaprak_runtime):
    note = "<script>alert(1)</script><b>x</b>"
    lines = [(f"{TURKISH} {n}", "2.5", "1234.5", 20) for n in range(1, 41)]
    doc = new_request(yaprak_runtime, acme, note=note, lines=lines, number="RQ-2026-0042")

    r = client.get(f"/documents/docs.request/{doc}.pdf")
    assert r.status_code == 200
    assert r.mimetype == "application/pdf"
    assert r.headers["Content-Disposition"] == 'inline; filename="RQ-2026-0042.pdf"'
    pages = pdf_pages(r.data)
    assert len(pages) == 2
    text = "\n".join(pages)
    assert "Request RQ-2026-0042" in text
    assert f"{TURKISH} 1" in text and f"{TURKISH} 40" in text  # İ ş ğ ı ö ç, capitals too
    # 40 lines of 2.5 x 1,234.50 = 3,086.25 net, 617.25 KDV each
    assert "1.234,50 ₺" in text and "3.086,25 ₺" in text
    # the user's language is Turkish (the default): core's labels come from the catalogue
    assert re.search(r"Ara toplam\s*123\.450,00 ₺", text)
    assert re.search(r"KDV\s*24\.690,00 ₺", text)
    assert re.search(r"Toplam\s*148\.140,00 ₺", text)
    assert note in text  # the markup of a text field is printed as text
    for number, page in enumerate(pages, 1):  # the company header is on every page
        assert "Ağaç İşleri Ticaret A.Ş." in page
        assert "Şişli Cad. No: 1" in page and "İstanbul" in page
        assert f"Sayfa {number} / 2" in page
    fonts = {
        str(font["/BaseFont"])
        for page in PdfReader(io.BytesIO(r.data)).pages
        for font in page["/Resources"]["/Font"].values()
    }
    assert fonts and all(name.endswith(("+Yaprak-Sans", "+Yaprak-Sans-Bold")) for name in fonts)


def test_pdfs_speak_the_users_language(acme, client, yaprak_runtime):
    """An English-speaking user gets English labels and page numbers, money as ₺1,234.50."""
    client.post("/language", data={"language": "en", "csrf_token": client.csrf_token()})
    doc = new_request(yaprak_runtime, acme, lines=[("a", "1", "10", 0)] * 40)
    pages = pdf_pages(client.get(f"/documents/docs.request/{doc}.pdf").data)
    assert [p.count(f"Page {n} of 2") for n, p in enumerate(pages, 1)] == [1, 1]
    assert re.search(r"Total\s*₺400\.00", pages[1]) and "Sayfa" not in pages[0]


def test_the_company_logo_is_printed(acme, client, yaprak_runtime, tmp_path, cli):
    from PIL import Image

    logo = tmp_path / "logo.png"
    Image.new("RGB", (40, 20), "green").save(logo)
    doc = new_request(yaprak_runtime, acme, lines=[("a", "1", "10", 0)])
    assert image_count(client.get(f"/documents/docs.request/{doc}.pdf").data) == 0
    out = cli("company", "letterhead", "acme", "--logo", str(logo), "--address", "Kat 2\\nİzmir")
    assert out.output == "ACME: Kat 2, İzmir; image/png.\n"
    data = client.get(f"/documents/docs.request/{doc}.pdf").data
    assert image_count(data) == 1
    assert "Kat 2\nİzmir" in pdf_pages(data)[0]
    (tmp_path / "logo.txt").write_text("not an image")
    refused = cli("company", "letterhead", "ACME", "--logo", str(tmp_path / "logo.txt"), expect=1)
    assert refused.output == "Error: logo: a PNG, JPEG or SVG image is needed\n"
    cli("company", "letterhead", "ACME", "--remove-logo")
    assert image_count(client.get(f"/documents/docs.request/{doc}.pdf").data) == 0


# ----------------------------------------------------------------------------- who
def test_a_pdf_the_user_may_not_read_is_not_found(
    acme, make_company, company_client, yaprak_runtime
):
    doc = new_request(yaprak_runtime, acme, lines=[("a", "1", "10", 0)])
    url = f"/documents/docs.request/{doc}.pdf"
    missing = company_client(acme, roles=("docs.requester",)).get(
        "/documents/docs.request/999999.pdf"
    )
    assert missing.status_code == 404

    other = make_company("OTHER", addons=["docs"])
    theirs = company_client(other, roles=("admin",)).get(url)
    assert theirs.status_code == 404  # another company's id: exactly like a missing one
    assert error_of(theirs) == error_of(missing) == "404 Sayfa bulunamadı"

    no_docs = make_company("NODOCS", addons=["alpha"])
    assert company_client(no_docs).get(url).status_code == 404  # add-on not enabled
    assert company_client(acme, roles=("user",)).get(url).status_code == 404  # no read role
    assert company_client(acme, roles=("docs.approver",)).get(url).status_code == 200  # implies
    assert company_client(acme).get(url).status_code == 200  # admin
    assert company_client(acme).get(f"/documents/docs.nothing/{doc}.pdf").status_code == 404
    assert company_client(acme).get(f"/documents/docs.request/{doc}.pdf").status_code == 200

    # disabling the add-on hides its documents' PDFs again
    from core.companies import disable_addons

    disable_addons(yaprak_runtime, "ACME", ["docs"])
    assert company_client(acme).get(url).status_code == 404


# ----------------------------------------------------------------------------- fetcher
def test_user_text_cannot_make_the_renderer_load_anything(
    acme, client, yaprak_runtime, loopback, outside, caplog
):
    """Markup typed into a document's fields is escaped: printed, never loaded."""
    secret, _ = outside
    tags = hostile_markup(loopback.url, secret)
    lines = [(tag[:200], "1", "1", 0) for tag in tags]
    doc = new_request(yaprak_runtime, acme, note=tags[0], lines=lines)
    r = client.get(f"/documents/docs.request/{doc}.pdf")
    assert r.status_code == 200
    assert loopback.requests() == []
    assert image_count(r.data) == 0
    assert PdfReader(io.BytesIO(r.data)).attachments == {}
    text = "".join(pdf_pages(r.data))
    assert "LEAKED" not in text and "root:" not in text
    assert "<img src=" in text and "@import" in text  # printed as text


def test_a_company_template_cannot_make_the_renderer_load_anything(
    acme, client, yaprak_app, yaprak_runtime, loopback, outside, caplog
):
    """The raw-HTML case: a template the company edited holds the tags themselves. The
    fetcher is the wall: only the static folders' files load, and nothing reaches the
    network or the disk beyond them."""
    secret, static = outside
    yaprak_app.extensions["yaprak.static_dirs"].append(static)
    tags = hostile_markup(loopback.url, secret)
    source = (
        '{% extends "core/pdf/base.html" %}{% block lines %}'
        + "\n".join(tags)
        + '<img src="/static/ok.png">{% endblock %}'
    )
    set_template(yaprak_runtime, acme, "docs/request.pdf.html", source)
    doc = new_request(yaprak_runtime, acme, lines=[("a", "1", "10", 0)])
    with caplog.at_level("WARNING", logger="yaprak.pdf"):
        r = client.get(f"/documents/docs.request/{doc}.pdf")
    assert r.status_code == 200
    assert loopback.requests() == []
    assert image_count(r.data) == 1  # /static/ok.png and nothing else
    assert PdfReader(io.BytesIO(r.data)).attachments == {}
    text = "".join(pdf_pages(r.data))
    assert "LEAKED" not in text and "root:" not in text
    refused = "\n".join(rec.getMessage() for rec in caplog.records)
    for url in (
        "file:///etc/passwd",
        f"{loopback.url}/img.png",
        f"{loopback.url}/import.css",
        f"{loopback.url}/link.css",
        f"{loopback.url}/svg.png",
        f"{loopback.url}/xlink.png",
        f"{loopback.url}/font.ttf",
        f"file://{secret / 'secret.css'}",
        "https://yaprak.invalid/static/escape.png (the path leaves the static folder)",
        "https://yaprak.invalid/static/%2e%2e/",
    ):
        assert url in refused, url


def test_the_fetcher_answers_everything_itself(outside, loopback, monkeypatch):
    """WeasyPrint's own fetcher and urllib are never called, whatever the document names."""
    import weasyprint.urls

    from core.pdf import render_unlimited
    from core.web.app import WEB_DIR

    secret, static = outside
    called: list[str] = []

    def record(self, url, *args, **kwargs):
        called.append(str(getattr(url, "full_url", url)))
        raise AssertionError("must not be called")

    monkeypatch.setattr(weasyprint.urls.URLFetcher, "fetch", record)
    monkeypatch.setattr(urllib.request.OpenerDirector, "open", record)
    html = "".join(hostile_markup(loopback.url, secret)) + '<img src="/static/ok.png">'
    rendered = render_unlimited(html, [WEB_DIR / "static", static])
    monkeypatch.undo()
    assert called == []
    assert loopback.requests() == []
    assert image_count(rendered.pdf) == 1
    assert len(rendered.refused) >= 20


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("https://yaprak.invalid/static/core/pdf.css", None),
        ("https://yaprak.invalid/static/fonts/DejaVuSans.ttf", None),
        ("https://yaprak.invalid/static/core/../core/pdf.css", "not a plain path"),
        ("https://yaprak.invalid/static/%2e%2e/web/static/core/pdf.css", "not a plain path"),
        ("https://yaprak.invalid/static/%252e%252e/x", "not a plain path"),
        ("https://yaprak.invalid/static/core%5cpdf.css", "not a plain path"),
        ("https://yaprak.invalid/static//etc/passwd", "not a plain path"),
        ("https://yaprak.invalid/static/core/missing.css", "no such static file"),
        ("https://yaprak.invalid/etc/passwd", "only our own"),
        ("http://yaprak.invalid/static/core/pdf.css", "only our own"),
        ("https://user@yaprak.invalid/static/core/pdf.css", "only our own"),
        ("https://yaprak.invalid:443/static/core/pdf.css", "only our own"),
        ("file:///work/static/core/pdf.css", "only our own"),
    ],
)
def test_static_paths(url, reason):
    from core.pdf import Refused, static_path
    from core.web.app import WEB_DIR

    if reason is None:
        assert static_path(url, [WEB_DIR / "static"]).is_file()
    else:
        with pytest.raises(Refused, match=reason):
            static_path(url, [WEB_DIR / "static"])


def test_data_urls_are_decoded_here():
    from core.pdf import Refused, make_fetcher

    fetcher = make_fetcher([])
    answer = fetcher.fetch("data:text/css;base64,Ym9keXt9")
    assert (answer.read(), answer.content_type) == (b"body{}", "text/css")
    assert fetcher.fetch("data:,a%20b").read() == b"a b"
    with pytest.raises(Refused):
        fetcher.fetch("data:text/plain;base64")
    with pytest.raises(Refused, match="too large"):
        fetcher.fetch("data:," + "a" * (9 * 1024 * 1024))


# ----------------------------------------------------------------------------- limits
def huge_table(rows: int) -> str:
    cells = "".join(f"<tr><td>{n}</td><td>{'İş ' * 20}</td></tr>" for n in range(rows))
    return f"<table>{cells}</table>"


def test_a_pathological_document_is_stopped_at_the_time_limit():
    from core.pdf import PdfTimeout, render_pdf, warm_up
    from core.web.app import WEB_DIR

    warm_up()  # once per process; not part of what is measured here
    started = time.monotonic()
    with pytest.raises(PdfTimeout, match="not finished within 1 s"):
        render_pdf(huge_table(30_000), [WEB_DIR / "static"], timeout=1, memory_mb=4096)
    assert time.monotonic() - started < 3  # killed, not waited for


@pytest.mark.engine_independent
def test_a_pathological_document_is_stopped_at_the_memory_limit():
    from core.pdf import PdfMemoryLimit, render_pdf
    from core.web.app import WEB_DIR

    with pytest.raises(PdfMemoryLimit, match="64 MB"):
        render_pdf(huge_table(30_000), [WEB_DIR / "static"], timeout=60, memory_mb=64)
    # the same limits leave room for an ordinary document
    assert render_pdf(huge_table(20), [WEB_DIR / "static"], timeout=60, memory_mb=64)[:5] == (
        b"%PDF-"
    )


def test_a_failure_in_the_renderer_is_reported_not_raised_raw(monkeypatch):
    """What the child process does wrong reaches the caller as one of our errors."""
    import os
    import signal

    import core.pdf
    from core.pdf import PdfMemoryLimit, PdfRenderError, render_pdf, warm_up

    warm_up()

    def broken(html, static_dirs):
        raise ValueError("layout exploded")

    monkeypatch.setattr(core.pdf, "render_unlimited", broken)  # the fork inherits it
    with pytest.raises(PdfRenderError, match="could not be laid out: ValueError: layout exploded"):
        render_pdf("<p>x</p>", [])

    def killed(html, static_dirs):  # as the kernel's out-of-memory killer would
        os.kill(os.getpid(), signal.SIGKILL)

    monkeypatch.setattr(core.pdf, "render_unlimited", killed)
    with pytest.raises(PdfMemoryLimit, match=r"renderer stopped \(signal 9\)"):
        render_pdf("<p>x</p>", [])


def test_the_web_answers_a_limit_with_an_error_page(acme, client, yaprak_runtime, monkeypatch):
    monkeypatch.setattr(yaprak_runtime.config, "pdf_timeout", 0.05)
    doc = new_request(yaprak_runtime, acme, lines=[("a", "1", "10", 0)] * 300)
    r = client.get(f"/documents/docs.request/{doc}.pdf")
    assert r.status_code == 503
    assert r.mimetype == "text/html"
    page = r.get_data(as_text=True)
    assert "PDF çok uzun sürdü" in page and "within 0.05 s" in page  # title translated
    assert "Traceback" not in page


def test_limits_are_configured_from_the_environment(monkeypatch):
    from core.config import Config

    monkeypatch.setenv("YAPRAK_PDF_TIMEOUT", "7.5")
    monkeypatch.setenv("YAPRAK_PDF_MEMORY_MB", "300")
    config = Config.from_env()
    assert (config.pdf_timeout, config.pdf_memory_mb) == (7.5, 300)
    assert (Config().pdf_timeout, Config().pdf_memory_mb) == (30.0, 1024)


# ----------------------------------------------------------------------------- overrides
def test_a_company_uses_its_own_template(
    acme, client, make_company, company_client, cli, tmp_path, yaprak_runtime
):
    other = make_company("OTHER", addons=["docs"])
    own = tmp_path / "request.html"
    own.write_text(
        '{% extends "core/pdf/base.html" %}\n'
        "{% block lines %}<p>Bizim şablon: {{ document.lines|length }} satır, "
        "{{ company.name }}</p>{% endblock %}\n"
    )
    out = cli("template", "set", "docs/request.pdf.html", "--file", str(own), "--company", "acme")
    assert out.output == "ACME now uses its own docs/request.pdf.html (2 lines).\n"
    listed = cli("template", "list", "--company", "ACME").output
    assert re.match(r"docs/request.pdf.html\s+2 lines  changed \d{4}-\d\d-\d\d", listed)
    assert cli("template", "list", "--company", "OTHER").output == (
        "OTHER uses the shipped templates.\n"
    )
    shown = cli("template", "show", "docs/request.pdf.html", "--company", "ACME").output
    assert shown == own.read_text()
    shipped = cli("template", "show", "docs/request.pdf.html").output
    assert "pdf-lines" in shipped

    mine = new_request(yaprak_runtime, acme, lines=[("a", "1", "10", 0)] * 3)
    theirs = new_request(yaprak_runtime, other, lines=[("b", "1", "10", 0)])
    text = pdf_pages(client.get(f"/documents/docs.request/{mine}.pdf").data)[0]
    assert "Bizim şablon: 3 satır, Ağaç İşleri Ticaret A.Ş." in text
    assert "Toplam" in text  # the blocks it did not replace come from the base
    other_pdf = company_client(other).get(f"/documents/docs.request/{theirs}.pdf").data
    other_text = pdf_pages(other_pdf)[0]
    # the shipped template's column header (translated once an add-on's catalogue has it)
    assert "Bizim" not in other_text and re.search("Description|Açıklama", other_text)

    out = cli("template", "reset", "docs/request.pdf.html", "--company", "ACME")
    assert out.output == "ACME uses the shipped docs/request.pdf.html again.\n"
    again = cli("template", "reset", "docs/request.pdf.html", "--company", "ACME").output
    assert again == "ACME had no own docs/request.pdf.html.\n"
    assert "Bizim" not in pdf_pages(client.get(f"/documents/docs.request/{mine}.pdf").data)[0]


def test_a_company_can_change_the_base_of_all_its_documents(acme, client, yaprak_runtime):
    from core.templates import file_source, template_folders

    shipped = file_source("core/pdf/base.html", template_folders(yaprak_runtime.kernel))
    set_template(
        yaprak_runtime,
        acme,
        "core/pdf/base.html",
        shipped.replace("{% block footer %}{% endblock %}", "<p>IBAN TR00 0001</p>"),
    )
    doc = new_request(yaprak_runtime, acme, lines=[("a", "1", "10", 0)])
    text = pdf_pages(client.get(f"/documents/docs.request/{doc}.pdf").data)[0]
    assert "IBAN TR00 0001" in text  # the company's own base ...
    assert re.search("Description|Açıklama", text)  # ... under the shipped request


def test_template_errors_are_refused_with_their_line(acme, cli, tmp_path):
    bad = tmp_path / "bad.html"
    bad.write_text("<p>one</p>\n<p>two</p>\n{% for x in document.lines %}\n<p>{{ x }</p>\n")

    def set_from(name, path):
        return cli("template", "set", name, "--file", str(path), "--company", "ACME", expect=1)

    r = set_from("docs/request.pdf.html", bad)
    assert r.output.startswith("Error: docs/request.pdf.html line 4: ")
    (tmp_path / "ok.html").write_text("<p>ok</p>")
    unknown = set_from("docs/nothing.html", tmp_path / "ok.html")
    assert unknown.output == "Error: no template named 'docs/nothing.html' to override\n"
    escape = set_from("../../etc/passwd", tmp_path / "ok.html")
    assert escape.output == "Error: no template named '../../etc/passwd' to override\n"
    assert cli("template", "list", "--company", "ACME").output == (
        "ACME uses the shipped templates.\n"
    )


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("{{ document.__class__.__mro__ }}", "not allowed"),
        ("{{ ''.__class__.__base__.__subclasses__() }}", "not allowed"),
        ("{{ 'x' * 1000000000 }}", "not allowed: the result would be too long"),
        ("{{ 9 ** 99999999 }}", "not allowed: exponent too large"),
        ("{{ 'x'.center(1000000000) }}", "not allowed: number argument too large"),
        ("{{ document.note|center(1000000000) }}", "not allowed: number argument too large"),
        ("{% set s = 'x' * 900000 %}{{ s + s }}", "not allowed: the result would be too long"),
        ("\n\n{{ document.nothing.deeper }}", "(docs/request.pdf.html line 3): UndefinedError"),
    ],
)
def test_a_company_template_runs_in_the_sandbox(acme, client, yaprak_runtime, body, message):
    set_template(
        yaprak_runtime,
        acme,
        "docs/request.pdf.html",
        '{% extends "core/pdf/base.html" %}{% block lines %}' + body + "{% endblock %}",
    )
    doc = new_request(yaprak_runtime, acme, lines=[("a", "1", "10", 0)])
    r = client.get(f"/documents/docs.request/{doc}.pdf")
    assert r.status_code == 500
    page = r.get_data(as_text=True)
    assert "PDF oluşturulamadı" in page and "Traceback" not in page  # "PDF not made"
    assert message in page.replace("&#39;", "'")
