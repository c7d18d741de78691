"""PDF documents: Jinja templates rendered by WeasyPrint, within limits.

**What WeasyPrint may load.** Every URL a document names (images, stylesheets, ``@import``,
fonts, SVG ``<image>``, attachments) goes through :class:`StaticOnlyFetcher`. It serves
the files of the static folders (core's and each add-on's ``static/``) under
``https://yaprak.invalid/static/...`` (the base URL relative links resolve against) and
decodes ``data:`` URLs itself. Everything else is refused without being opened: no
network, no ``file://``, no redirects, no path outside the folders (``..``, ``%2e%2e``
and symbolic links included). WeasyPrint's own fetcher never sees a URL.

**Limits.** :func:`render_pdf` lays the document out in a forked child process whose
address space is capped (``RLIMIT_AS``: the process's own size plus ``memory_mb``) and
which is killed when the wall-clock ``timeout`` runs out. The caller gets the PDF, or a
:class:`PdfTimeout` / :class:`PdfMemoryLimit` / :class:`PdfRenderError`.

**Templates.** :func:`template_environment` builds the Jinja environment of PDF templates
(autoescaping, ``money`` filter, ``page_numbers()``, a ``_`` that translates when the app has
one and returns the text unchanged otherwise). Templates a company edited are rendered in
:class:`PdfSandbox`, Jinja's sandbox with size limits on ``*`` and ``**``; the produced
HTML is capped in size and counts against the same time limit.
"""

from __future__ import annotations

import base64
import gc
import logging
import mimetypes
import os
import pickle
import re
import select
import signal
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, unquote_to_bytes, urlsplit

from jinja2 import BaseLoader, Environment, Template, pass_context
from jinja2.exceptions import SecurityError
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup

from core.kernel.errors import KernelError

HOST = "yaprak.invalid"
BASE_URL = f"https://{HOST}/"
STATIC_PREFIX = "/static/"
MAX_DATA_URL = 8 * 1024 * 1024  # bytes a data: URL may decode to
DEFAULT_TIMEOUT = 30.0
DEFAULT_MEMORY_MB = 1024

log = logging.getLogger("yaprak.pdf")


class PdfRenderError(KernelError):
    """A PDF could not be made: the template or the layout failed."""

    status = 500
    title = "PDF not made"


class PdfLimitExceeded(PdfRenderError):
    """A PDF took more time or memory than allowed."""

    status = 503


class PdfTimeout(PdfLimitExceeded):
    """Rendering ran past the time limit (``YAPRAK_PDF_TIMEOUT``) and was stopped."""

    title = "PDF took too long"


class PdfMemoryLimit(PdfLimitExceeded):
    """Rendering needed more memory than allowed (``YAPRAK_PDF_MEMORY_MB``) and was stopped."""

    title = "PDF too large"


# ----------------------------------------------------------------------------- fetcher
def _url_fetcher_base() -> type:
    from weasyprint.urls import URLFetcher

    return URLFetcher


class Refused(ValueError):
    """A URL the PDF fetcher does not serve."""


def _decode_data_url(url: str) -> tuple[bytes, str]:
    """``(body, content type)`` of a ``data:`` URL (RFC 2397), decoded here."""
    header, comma, payload = url[len("data:") :].partition(",")
    if not comma:
        raise Refused("malformed data: URL")
    is_base64 = header.lower().endswith(";base64")
    media = header[: -len(";base64")] if is_base64 else header
    raw = unquote_to_bytes(payload)
    if len(raw) > MAX_DATA_URL * 4 // 3 + 4:
        raise Refused("data: URL too large")
    body = base64.b64decode(raw, validate=False) if is_base64 else raw
    if len(body) > MAX_DATA_URL:
        raise Refused("data: URL too large")
    return body, media or "text/plain;charset=US-ASCII"


def static_path(url: str, static_dirs: Iterable[Path]) -> Path:
    """The file a ``https://yaprak.invalid/static/...`` URL names, inside one of
    ``static_dirs``; :class:`Refused` for any other URL or a path that leaves the folders."""
    parts = urlsplit(url)
    if parts.scheme != "https" or parts.netloc != HOST or parts.username or parts.port:
        raise Refused("only our own static files are served")
    if not parts.path.startswith(STATIC_PREFIX):
        raise Refused("only our own static files are served")
    relative = unquote(parts.path[len(STATIC_PREFIX) :])
    segments = relative.split("/")
    if any(c in relative for c in ("\\", "\x00", "%")) or any(
        s in ("", ".", "..") for s in segments
    ):
        raise Refused("not a plain path below /static/")
    for folder in static_dirs:
        root = Path(folder).resolve()
        candidate = (root / relative).resolve()  # follows symbolic links
        if not candidate.is_relative_to(root):
            raise Refused("the path leaves the static folder")
        if candidate.is_file():
            return candidate
    raise Refused("no such static file")


def _content_type(path: Path) -> str:
    kind = mimetypes.guess_type(path.name)[0]
    if kind is None:
        kind = {".ttf": "font/ttf", ".otf": "font/otf", ".woff": "font/woff"}.get(
            path.suffix.lower(), "application/octet-stream"
        )
    return kind


def make_fetcher(static_dirs: Iterable[Path]) -> Any:
    """A WeasyPrint URL fetcher that serves only ``static_dirs`` and ``data:`` URLs.

    Refused URLs are collected in its ``refused`` list (URL, reason)."""
    base = _url_fetcher_base()
    from weasyprint.urls import URLFetcherResponse

    folders = [Path(d).resolve() for d in static_dirs]

    class StaticOnlyFetcher(base):  # type: ignore[misc,valid-type]
        """Never calls WeasyPrint's fetcher: every URL is answered or refused here."""

        def __init__(self) -> None:
            # No protocol allowed and no redirects: should anything reach the base class's
            # fetch it refuses too.
            super().__init__(allowed_protocols=frozenset(), allow_redirects=False)
            self.refused: list[tuple[str, str]] = []

        def fetch(self, url: str, headers: Any = None) -> Any:
            try:
                if url[:5].lower() == "data:":
                    body, kind = _decode_data_url(url)
                else:
                    path = static_path(url, folders)
                    body, kind = path.read_bytes(), _content_type(path)
            except Refused as exc:
                self.refused.append((url[:200], str(exc)))
                raise
            return URLFetcherResponse(url, body, {"Content-Type": kind}, 200)

        def open(self, url: Any, data: Any = None, timeout: Any = None) -> Any:
            return self.fetch(url if isinstance(url, str) else url.full_url)

    return StaticOnlyFetcher()


# ----------------------------------------------------------------------------- rendering
@dataclass
class Rendered:
    """A PDF and the URLs the fetcher refused while making it."""

    pdf: bytes
    refused: list[tuple[str, str]] = field(default_factory=list)


def render_unlimited(html: str, static_dirs: Iterable[Path]) -> Rendered:
    """Lay ``html`` out in this process, without time or memory limits (the child's work)."""
    from weasyprint import HTML

    fetcher = make_fetcher(static_dirs)
    pdf = HTML(string=html, base_url=BASE_URL, url_fetcher=fetcher).write_pdf()
    return Rendered(pdf, fetcher.refused)


def _cap_memory(memory_mb: int) -> None:
    """Cap this process's address space at its current size plus ``memory_mb``."""
    import resource

    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            current = int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:  # no /proc (not Linux): RLIMIT_AS is not enforced there anyway
        return
    limit = current + memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _child(write_fd: int, html: str, static_dirs: list[Path], memory_mb: int) -> None:
    """In the forked child: render, send ``(kind, payload)`` back, exit without cleanup."""
    code = 0
    try:
        gc.freeze()  # the parent's objects (database connections...) are never finalised here
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        try:
            _cap_memory(memory_mb)
            result: tuple[str, Any] = ("ok", render_unlimited(html, static_dirs))
        except MemoryError:
            result = ("memory", "")
        except Exception as exc:
            result = ("error", f"{type(exc).__name__}: {exc}"[:2000])
        data = pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)
        view = memoryview(data)
        while view:
            view = view[os.write(write_fd, view) :]
    except BaseException:
        code = 70
    finally:
        os._exit(code)


_WARM: list[bool] = []


def warm_up() -> None:
    """Load WeasyPrint, Pango and fontconfig in this process once, so that each forked child
    starts with them ready (faster, and their set-up does not count against its memory)."""
    if not _WARM:
        _WARM.append(True)
        try:
            render_unlimited("<p>Yaprak</p>", [])
        except Exception:  # the child will fail the same way and say so
            log.exception("PDF: WeasyPrint could not be warmed up")


def render_limited(
    html: str,
    static_dirs: Iterable[Path],
    timeout: float = DEFAULT_TIMEOUT,
    memory_mb: int = DEFAULT_MEMORY_MB,
    started: float | None = None,
) -> Rendered:
    """Render in a forked child with ``memory_mb`` of room, stopped ``timeout`` seconds after
    ``started`` (a ``time.monotonic()`` value; default now)."""
    folders = [Path(d) for d in static_dirs]
    deadline = (time.monotonic() if started is None else started) + timeout
    warm_up()
    read_fd, write_fd = os.pipe()
    try:
        pid = os.fork()
    except OSError as exc:
        os.close(read_fd)
        os.close(write_fd)
        raise PdfLimitExceeded(f"the PDF renderer could not be started: {exc}") from None
    if pid == 0:  # pragma: no cover - the child; its outcome is what the tests check
        os.close(read_fd)
        _child(write_fd, html, folders, memory_mb)
    os.close(write_fd)
    chunks: list[bytes] = []
    finished = False
    poller = select.poll()
    poller.register(read_fd, select.POLLIN)
    try:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise PdfTimeout(f"the PDF was not finished within {timeout:g} s and was stopped")
            if poller.poll(max(1, int(remaining * 1000))):
                chunk = os.read(read_fd, 1 << 20)
                if not chunk:
                    break
                chunks.append(chunk)
        _, status = os.waitpid(pid, 0)
        finished = True
    finally:
        os.close(read_fd)
        if not finished:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
    if not chunks:
        how = (
            f"signal {os.WTERMSIG(status)}"
            if os.WIFSIGNALED(status)
            else f"exit code {os.WEXITSTATUS(status)}"
        )
        raise PdfMemoryLimit(
            f"the PDF renderer stopped ({how}), probably at the memory limit of {memory_mb} MB"
        )
    try:
        kind, payload = pickle.loads(b"".join(chunks))
    except Exception as exc:  # cut short: the child died while sending
        raise PdfMemoryLimit(f"the PDF renderer stopped while sending the PDF ({exc})") from None
    if kind == "memory":
        raise PdfMemoryLimit(f"the PDF needed more than {memory_mb} MB and was stopped")
    if kind == "error":
        raise PdfRenderError(f"the PDF could not be laid out: {payload}")
    return payload


def render_pdf(
    html: str,
    static_dirs: Iterable[Path],
    timeout: float = DEFAULT_TIMEOUT,
    memory_mb: int = DEFAULT_MEMORY_MB,
    started: float | None = None,
) -> bytes:
    """Render an HTML string to PDF bytes within the limits (see the module docstring)."""
    rendered = render_limited(html, static_dirs, timeout, memory_mb, started)
    for url, reason in rendered.refused:
        log.warning("PDF: not loaded %s (%s)", url, reason)
    return rendered.pdf


# ----------------------------------------------------------------------------- templates
def identity_gettext(text: str, **variables: Any) -> str:
    """Stands in for ``_`` until the app has translations: the text, %-formatted."""
    return text % variables if variables else text


_CSS_SAFE = re.compile(r"[A-Za-z0-9 .,:;!?()/_-]")


def css_string(value: object) -> Markup:
    """``value`` as a quoted CSS string; anything but plain characters is hex-escaped."""
    text = str(value)
    escaped = "".join(c if _CSS_SAFE.fullmatch(c) else f"\\{ord(c):06x}" for c in text)
    return Markup(f'"{escaped}"')


def page_numbers(pattern: object) -> Markup:
    """CSS ``content`` for a page-number pattern such as ``Page {page} of {pages}``."""
    out = []
    for part in re.split(r"(\{pages?\})", str(pattern)):
        if part == "{page}":
            out.append("counter(page)")
        elif part == "{pages}":
            out.append("counter(pages)")
        elif part:
            out.append(str(css_string(part)))
    return Markup(" ".join(out) or '""')


@pass_context
def _money_filter(context: Any, amount: object, currency: str | None = None) -> str:
    from core.money import format_money

    if amount is None:
        return ""
    document = context.get("document")
    currency = currency or getattr(document, "currency", None) or "TRY"
    return format_money(amount, currency, context.get("pdf_locale") or "tr")


@pass_context
def _percent_filter(context: Any, value: object) -> str:
    """A rate as the PDF's language writes it: ``%20`` in Turkish, ``20%`` in English."""
    text = _number_filter(context, value)
    if not text:
        return ""
    return f"%{text}" if (context.get("pdf_locale") or "tr") == "tr" else f"{text}%"


@pass_context
def _number_filter(context: Any, value: object) -> str:
    """A quantity without trailing zeros, in the PDF's language (``1.234,5`` in Turkish)."""
    from babel.numbers import format_decimal

    from core.money import to_decimal

    if value is None:
        return ""
    number = to_decimal(value).normalize()
    places = max(0, -number.as_tuple().exponent)  # type: ignore[operator]
    pattern = "#,##0." + "#" * places if places else "#,##0"
    return format_decimal(number, format=pattern, locale=context.get("pdf_locale") or "tr")


MAX_SEQUENCE = 1_000_000


def _check_numbers(args: Iterable[Any]) -> None:
    for value in args:
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_SEQUENCE:
            raise SecurityError("number argument too large")


def _capped(func: Callable[..., Any]) -> Callable[..., Any]:
    """A filter refusing huge numeric arguments (``center(10**9)``)."""
    import functools

    @functools.wraps(func)  # keeps Jinja's pass_context / pass_environment marks
    def filter_(*args: Any, **kwargs: Any) -> Any:
        _check_numbers(args)
        _check_numbers(kwargs.values())
        return func(*args, **kwargs)

    return filter_


class PdfSandbox(SandboxedEnvironment):
    """Jinja's sandbox with size limits: no ``'x' * 10**9``, no huge powers, no huge
    numeric arguments to functions, methods and filters (``'x'.center(10**9)``)."""

    intercepted_binops = frozenset({"*", "**", "+"})
    max_sequence = MAX_SEQUENCE

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        _check_numbers(args)
        _check_numbers(kwargs.values())
        return super().call(__context, __obj, *args, **kwargs)

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "**" and isinstance(right, int) and abs(right) > 64:
            raise SecurityError("exponent too large")
        if (
            operator == "+"
            and isinstance(left, str | list | tuple)
            and isinstance(right, str | list | tuple)
            and len(left) + len(right) > self.max_sequence
        ):
            raise SecurityError("the result would be too long")
        if operator == "*":
            for seq, times in ((left, right), (right, left)):
                if (
                    isinstance(seq, str | list | tuple)
                    and isinstance(times, int)
                    and len(seq) * times > self.max_sequence
                ):
                    raise SecurityError("the result would be too long")
        return super().call_binop(context, operator, left, right)


def template_environment(
    loader: BaseLoader | None, sandboxed: bool, gettext: Callable[..., Any] | None = None
) -> Environment:
    """The Jinja environment PDF templates render in (autoescaping always on)."""
    cls = PdfSandbox if sandboxed else Environment
    env = cls(loader=loader, autoescape=True, auto_reload=True)
    from core.money import format_money

    env.globals.update(
        _=gettext or identity_gettext,
        format_money=format_money,
        page_numbers=page_numbers,
    )
    env.filters.update(
        money=_money_filter,
        number=_number_filter,
        percent=_percent_filter,
        css_string=css_string,
    )
    if sandboxed:
        env.filters = {name: _capped(func) for name, func in env.filters.items()}
    return env


def render_template_text(
    template: Template,
    context: dict[str, Any],
    deadline: float,
    max_chars: int,
    timeout: float | None = None,
) -> str:
    """Render ``template`` piece by piece, stopping at ``deadline`` (the end of the
    ``timeout`` seconds a PDF has) or after ``max_chars`` characters."""
    out: list[str] = []
    size = 0
    try:
        for piece in template.generate(context):
            size += len(piece)
            if size > max_chars:
                raise PdfLimitExceeded(
                    f"template {template.name} produced more than {max_chars:,} characters"
                )
            if time.monotonic() > deadline:
                within = f" within {timeout:g} s" if timeout is not None else " in time"
                raise PdfTimeout(
                    f"the PDF was not finished{within} (stopped in template {template.name})"
                )
            out.append(piece)
    except PdfRenderError:
        raise
    except SecurityError as exc:
        raise PdfRenderError(f"template {template.name}{_where(exc)}: not allowed: {exc}") from exc
    except Exception as exc:
        raise PdfRenderError(
            f"template {template.name}{_where(exc)}: {type(exc).__name__}: {exc}"
        ) from exc
    return "".join(out)


def _where(exc: BaseException) -> str:
    """`` (name line N)`` of the template frame an exception was raised in, if any."""
    found = ""
    tb = exc.__traceback__
    while tb is not None:
        code = tb.tb_frame.f_code
        if "__jinja_exception__" in tb.tb_frame.f_globals or code.co_filename.endswith(".html"):
            name = code.co_filename.rpartition("/templates/")[2]
            found = f" ({name} line {tb.tb_lineno})"
        tb = tb.tb_next
    return found


def pdf_extras(hooks: Any, document: Any) -> dict[str, dict[str, Any]]:
    """``pdf_context`` of every enabled add-on, keyed by add-on: ``extra.<addon>.<key>``."""
    extras: dict[str, dict[str, Any]] = {}
    for addon, context in hooks.by_addon("pdf_context", document=document):
        if context:
            extras.setdefault(addon, {}).update(context)
    return extras
