"""PDF benchmark: an invoice-like document of one page and of twenty pages.

    python bench/pdf.py [--runs 10]

Each figure is the whole path a request takes once the document is loaded: the Jinja
template (extending core/pdf/base.html, with the shared stylesheet and the bundled font
served through the static-only fetcher), then the layout in a forked child with the time
and memory limits (``core.pdf.render_pdf``). For comparison it also times the layout in
the process itself (no fork, no limits). Prints the figures recorded in
docs/performance.md.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import time
from datetime import date
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from jinja2 import ChoiceLoader, DictLoader, FileSystemLoader

from core.pdf import render_pdf, render_template_text, render_unlimited, template_environment
from core.web.app import WEB_DIR

INVOICE = """{% extends "core/pdf/base.html" %}
{% block title %}Fatura {{ document.number }}{% endblock %}
{% block lines %}
<table class="pdf-lines">
<thead><tr><th class="pdf-col-no">#</th><th>Açıklama</th><th class="num pdf-col-qty">Miktar</th>
<th class="num pdf-col-price">Birim fiyat</th>
<th class="num pdf-col-tax">KDV</th><th class="num pdf-col-amount">Tutar</th></tr></thead>
<tbody>{% for line in document.lines %}
<tr><td>{{ loop.index }}</td><td>{{ line.description }}</td>
<td class="num">{{ line.quantity|number }}</td>
<td class="num">{{ line.unit_price|money }}</td><td class="num">%{{ line.tax_rate }}</td>
<td class="num">{{ line.net|money }}</td></tr>{% endfor %}
</tbody></table>
{% endblock %}
"""
STATIC = [WEB_DIR / "static"]


def invoice(lines: int) -> SimpleNamespace:
    rows = [
        SimpleNamespace(
            description=f"Ürün {n}: çelik bağlantı parçası (İzmir)",
            quantity=Decimal("3"),
            unit_price=Decimal("149.90"),
            tax_rate=20,
            net=Decimal("449.70"),
        )
        for n in range(1, lines + 1)
    ]
    net = sum((r.net for r in rows), Decimal("0.00"))
    tax = (net * Decimal("0.20")).quantize(Decimal("0.01"))
    return SimpleNamespace(
        number="FTR2026-00001",
        display_name="FTR2026-00001",
        date=date(2026, 11, 29),
        currency="TRY",
        partner=SimpleNamespace(name="Müşteri Ticaret A.Ş."),
        lines=rows,
        amount_untaxed=net,
        amount_tax=tax,
        amount_total=net + tax,
    )


def html_of(env, document) -> str:
    template = env.get_template("bench/invoice.html")
    company = SimpleNamespace(name="Ağaç İşleri A.Ş.", address="Şişli Cad. 1\nİstanbul")
    context = {"document": document, "company": company, "company_logo": None, "extra": {}}
    return render_template_text(template, context, time.monotonic() + 60, 10**8)


def pages(pdf: bytes) -> int:
    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(pdf)).pages)


def measure(label: str, lines: int, runs: int, env) -> None:
    document = invoice(lines)
    forked, inside = [], []
    pdf = render_pdf(html_of(env, document), STATIC)  # warm-up
    for _ in range(runs):
        start = time.perf_counter()
        pdf = render_pdf(html_of(env, document), STATIC, timeout=30, memory_mb=1024)
        forked.append(time.perf_counter() - start)
    for _ in range(runs):  # after: what it leaves in this process must not weigh on the above
        start = time.perf_counter()
        render_unlimited(html_of(env, document), STATIC)
        inside.append(time.perf_counter() - start)
    print(
        f"{label}: {pages(pdf)} page(s), {lines} lines, {len(pdf) / 1024:.0f} KB, {runs} runs:"
        f" template + forked layout with limits median {statistics.median(forked) * 1000:.0f} ms"
        f" (min {min(forked) * 1000:.0f} ms);"
        f" layout in-process median {statistics.median(inside) * 1000:.0f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    loader = ChoiceLoader(
        [DictLoader({"bench/invoice.html": INVOICE}), FileSystemLoader(WEB_DIR / "templates")]
    )
    env = template_environment(loader, sandboxed=False)
    start = time.perf_counter()
    render_pdf(html_of(env, invoice(10)), STATIC)
    print(f"first PDF in a fresh process (imports WeasyPrint): {time.perf_counter() - start:.2f} s")
    measure("twenty pages", 640, max(3, args.runs // 2), env)
    measure("one page", 10, args.runs, env)
    sandbox = template_environment(loader, sandboxed=True)
    document = invoice(640)
    start = time.perf_counter()
    html_of(sandbox, document)
    sandboxed = time.perf_counter() - start
    start = time.perf_counter()
    html_of(env, document)
    print(
        f"twenty pages, template only: {(time.perf_counter() - start) * 1000:.1f} ms,"
        f" in the sandbox (a company's own template) {sandboxed * 1000:.1f} ms"
    )


if __name__ == "__main__":
    main()
