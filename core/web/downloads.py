"""Files handed to the browser as downloads, never rendered by it."""

from __future__ import annotations

from collections.abc import Iterable
from typing import IO
from urllib.parse import quote

from flask import Response, request, stream_with_context
from werkzeug.wsgi import wrap_file


def download(data: bytes, filename: str) -> Response:
    """``data`` as an attachment named ``filename`` (UTF-8 name, RFC 6266): sent as
    ``application/octet-stream`` with ``nosniff``, so an uploaded or mailed page can never
    run here."""
    return _attachment(Response(data, mimetype="application/octet-stream"), filename)


def download_file(file: IO[bytes], filename: str) -> Response:
    """``download`` of an open file (a temporary file an export was written to): sent in
    blocks and closed when sent, so a large export never sits in memory whole."""
    response = Response(
        wrap_file(request.environ, file),
        mimetype="application/octet-stream",
        direct_passthrough=True,
    )
    return _attachment(response, filename)


def download_stream(chunks: Iterable[bytes], filename: str) -> Response:
    """``download`` of bytes made while they are sent (a streamed CSV); the request (its
    database session) stays open until the last chunk."""
    response = Response(stream_with_context(chunks), mimetype="application/octet-stream")
    return _attachment(response, filename)


def _attachment(response: Response, filename: str) -> Response:
    response.headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
