"""PDF documents: the same Jinja templates as pages, rendered by WeasyPrint.

The URL fetcher serves only our own static files (core's and add-ons' ``static/``
folders) and ``data:`` URLs; anything else (the network, local files) is refused, so a
template a company edits cannot make the server fetch arbitrary URLs.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

BASE_URL = "https://yaprak.invalid/"


class StaticOnlyFetcher(URLFetcher):
    """Resolves ``/static/...`` to files in the given folders; refuses everything else."""

    def __init__(self, static_dirs: list[Path]) -> None:
        super().__init__(allowed_protocols=("https", "data"))
        self.static_dirs = [d.resolve() for d in static_dirs]

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        if url.startswith("data:"):
            return super().fetch(url, headers)
        parts = urlsplit(url)
        if f"{parts.scheme}://{parts.netloc}/" != BASE_URL or not parts.path.startswith("/static/"):
            raise ValueError(f"PDF rendering fetches only our static files, not {url!r}")
        relative = unquote(parts.path.removeprefix("/static/"))
        for folder in self.static_dirs:
            candidate = (folder / relative).resolve()
            if candidate.is_relative_to(folder) and candidate.is_file():
                kind = mimetypes.guess_type(candidate.name)[0] or "application/octet-stream"
                headers = {"Content-Type": kind}
                return URLFetcherResponse(url, candidate.read_bytes(), headers, 200)
        raise ValueError(f"no static file {relative!r}")


def render_pdf(html: str, static_dirs: list[Path]) -> bytes:
    """Render an HTML string to PDF bytes."""
    fetcher = StaticOnlyFetcher(static_dirs)
    return HTML(string=html, base_url=BASE_URL, url_fetcher=fetcher).write_pdf()


def pdf_extras(hooks: Any, document: Any) -> dict[str, dict[str, Any]]:
    """``pdf_context`` of every enabled add-on, keyed by add-on: ``extra.<addon>.<key>``."""
    extras: dict[str, dict[str, Any]] = {}
    for addon, context in hooks.by_addon("pdf_context", document=document):
        if context:
            extras.setdefault(addon, {}).update(context)
    return extras
