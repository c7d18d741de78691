"""Files handed to the browser as downloads, never rendered by it."""

from __future__ import annotations

from urllib.parse import quote

from flask import Response


def download(data: bytes, filename: str) -> Response:
    """``data`` as an attachment named ``filename`` (UTF-8 name, RFC 6266): sent as
    ``application/octet-stream`` with ``nosniff``, so an uploaded or mailed page can never
    run here."""
    response = Response(data, mimetype="application/octet-stream")
    response.headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
