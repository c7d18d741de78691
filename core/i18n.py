"""Turkish and English for pages, PDFs and forms (Flask-Babel).

English is the source language: strings are written in English in code and templates
(``_("Save")`` in Python, ``{{ _("Save") }}`` in Jinja) and the Turkish catalogue
translates them. Core's catalogue lives in ``core/translations``; each add-on keeps its
own in ``<addon>/translations`` and the app loads every available add-on's, so an add-on
from a separate pip package translates itself. The language is the user's own
(``core_user.language``); before login it is the one the browser asks for, else Turkish.

Dates and money follow the language: ``{{ amount|money(currency) }}``, ``{{ day|date }}``,
``{{ moment|datetime }}``. Times are shown in the company's time zone (Europe/Istanbul
unless configured).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flask import g, has_request_context
from flask_babel import Babel, get_locale, get_translations
from flask_babel import format_date as babel_format_date
from flask_babel import format_datetime as babel_format_datetime
from flask_babel.speaklater import LazyString
from jinja2 import pass_eval_context
from markupsafe import Markup

if TYPE_CHECKING:
    from flask import Flask

    from core.runtime import Runtime

LANGUAGES: tuple[str, ...] = ("tr", "en")
# Each language's name in that language (the switcher shows them untranslated, with lang=).
LANGUAGE_NAMES = {"tr": "Türkçe", "en": "English"}
DEFAULT_LANGUAGE = "tr"
SOURCE_LANGUAGE = "en"
DEFAULT_TIMEZONE = "Europe/Istanbul"
CORE_TRANSLATIONS = Path(__file__).resolve().parent / "translations"
SESSION_LANGUAGE_KEY = "yaprak_language"

__all__ = [
    "LANGUAGES",
    "_",
    "current_language",
    "init_i18n",
    "lazy_gettext",
    "translation_dirs",
]


def _translations() -> Any:
    """The request's catalogue, looked up once per request (Flask-Babel's own ``gettext``
    finds it again on every call: a list page has a hundred strings)."""
    try:
        return g.yaprak_translations
    except AttributeError:  # the request's first string
        if not has_request_context():
            return get_translations()
        found = g.yaprak_translations = get_translations()
        return found
    except RuntimeError:  # no application context
        return get_translations()


def _(string: str, **variables: Any) -> str:
    """``string`` in the request's language, ``%(name)s`` placeholders filled in."""
    translated = _translations().ugettext(string)
    return translated % variables if variables else translated


@contextmanager
def in_language(language: str) -> Iterator[None]:
    """Within a request, write in ``language`` (a document printed in its customer's
    language while the page around it is in the user's): ``_``, templates and the Babel
    formats follow it until the block ends."""
    from flask_babel import force_locale

    if language not in LANGUAGES or not has_request_context():
        yield
        return
    saved = g.pop("yaprak_translations", None)
    try:
        with force_locale(language):
            g.yaprak_translations = get_translations()
            yield
    finally:
        g.pop("yaprak_translations", None)
        if saved is not None:
            g.yaprak_translations = saved


def ngettext(singular: str, plural: str, num: int, **variables: Any) -> str:
    variables.setdefault("num", num)
    return _translations().ungettext(singular, plural, num) % variables


def lazy_gettext(string: str, **variables: Any) -> LazyString:
    """``_`` deferred until the text is shown (for labels defined at import time)."""
    return LazyString(_, string, **variables)


gettext = _


def translation_dirs(runtime: Runtime) -> list[Path]:
    """Core's catalogue folder, then every available add-on's ``translations/`` folder."""
    kernel = runtime.kernel
    dirs = [CORE_TRANSLATIONS]
    for name in kernel.order:
        folder = kernel.available[name].path / "translations"
        if folder.is_dir():
            dirs.append(folder)
    return dirs


def select_language() -> str:
    """The request's language: the user's, else the session's choice, else the browser's."""
    from flask import has_request_context, request, session

    from core.web.context import current_user

    if not has_request_context():
        return DEFAULT_LANGUAGE
    user = current_user()
    if user is not None and user.language in LANGUAGES:
        return user.language
    chosen = session.get(SESSION_LANGUAGE_KEY)
    if chosen in LANGUAGES:
        return chosen
    return request.accept_languages.best_match(LANGUAGES) or DEFAULT_LANGUAGE


def current_language() -> str:
    """``tr`` or ``en`` for the current request (Turkish outside a request)."""
    locale = get_locale()
    return locale.language if locale is not None else DEFAULT_LANGUAGE


def money(amount: Any, currency: str = "TRY") -> str:
    """Jinja filter: ``1.234,56 ₺`` in Turkish, ``₺1,234.56`` in English; empty for None."""
    from core.money import format_money

    if amount is None or amount == "":
        return ""
    return format_money(amount, currency, current_language())


def number(value: Any, places: int = 2) -> str:
    """Jinja filter: a decimal number in the user's language (``1.234,5`` / ``1,234.5``):
    at least ``places`` decimals, up to two more when the value has them (rounded half to
    even past those, as Babel's ``#,##0.00##`` pattern does)."""
    return format_number(value, places, current_language())


def format_number(value: Any, places: int, language: str) -> str:
    """``number`` for a given language (outside a request, or once per list column)."""
    from core.money import group_digits

    if value is None or value == "":
        return ""
    exact = value if isinstance(value, Decimal) else Decimal(str(value))
    most = places + 2
    exact = exact.quantize(Decimal(1).scaleb(-most), rounding=ROUND_HALF_EVEN)
    text = group_digits(exact, most, language)
    spare = 2  # trailing zeros past ``places`` are dropped, then a bare decimal sign
    while spare and text.endswith("0"):
        text, spare = text[:-1], spare - 1
    if places == 0 and spare == 0:
        text = text[:-1]
    return f"-{text}" if exact < 0 else text


def date_filter(value: date | datetime | None, format: str = "medium") -> str:
    """Jinja filter: a date in the user's language (``28 Kas 2026`` / ``Nov 28, 2026``)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.date()
    return babel_format_date(value, format)


def datetime_filter(value: datetime | None, format: str = "medium") -> str:
    """Jinja filter: a moment in the user's language and the company's time zone."""
    if value is None:
        return ""
    return babel_format_datetime(value, format)


def init_i18n(app: Flask, runtime: Runtime) -> Babel:
    """Flask-Babel with core's and every add-on's catalogues; filters for money and dates."""
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LANGUAGE)
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", DEFAULT_TIMEZONE)
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = ";".join(
        str(d) for d in translation_dirs(runtime)
    )
    babel = Babel(app, locale_selector=select_language)
    app.jinja_env.install_gettext_callables(  # the per-request catalogue (see _translations)
        lambda s: _translations().ugettext(s),
        lambda s, p, n: _translations().ungettext(s, p, n),
        newstyle=True,
    )
    # ``_()`` and ``gettext()`` straight to the catalogue: the extension's own wrapper goes
    # through three calls and a ``%`` per string (a list page shows about fifty strings).
    app.jinja_env.globals.update(_=_jinja_gettext, gettext=_jinja_gettext)
    app.jinja_env.filters.update(
        money=money, number=number, date=date_filter, datetime=datetime_filter
    )
    app.jinja_env.globals.update(yaprak_languages=LANGUAGES, current_language=current_language)
    return babel


@pass_eval_context  # not the whole context: Jinja would copy it for calls inside loops
def _jinja_gettext(eval_ctx: Any, string: str, /, **variables: Any) -> str:
    """Jinja's new-style ``gettext``: the translation is trusted (Markup) where the template
    autoescapes, the ``%(name)s`` values are escaped by Markup's ``%``."""
    translated = _translations().ugettext(string)
    if eval_ctx.autoescape:
        translated = Markup(translated)
    return translated % variables if variables or "%" in translated else translated


def N_(text: str) -> str:
    """Mark ``text`` for the catalogue without translating it where it is written: messages
    raised in services stay English (logs, the JSON API) and are translated where a page
    shows them (``translate_message``)."""
    return text


_TEMPLATES: list[tuple[Any, str]] = []


def _templates() -> list[tuple[Any, str]]:
    """Message templates with ``{placeholders}`` (marshmallow's and ours) as regexes."""
    import re

    if not _TEMPLATES:
        from core.i18n_terms import MESSAGE_TEMPLATES

        for template in MESSAGE_TEMPLATES:
            pattern = re.escape(template)
            pattern = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>.+?)", pattern)
            _TEMPLATES.append((re.compile(f"^{pattern}$", re.S), template))
    return _TEMPLATES


def translate_message(text: Any) -> str:
    """``text`` in the user's language when the catalogue knows it, directly or as one of
    the message templates (``Longer than maximum length {max}.``); else as it is."""
    text = str(text)
    translated = _(text)
    if translated != text:
        return translated
    for regex, template in _templates():
        match = regex.match(text)
        if match:
            localized = _(template)
            if localized != template:
                return localized.format(**match.groupdict())
    return text


def translate_errors(errors: Any) -> Any:
    """marshmallow's error structure (dicts, lists, strings) with every message translated."""
    if isinstance(errors, dict):
        return {key: translate_errors(value) for key, value in errors.items()}
    if isinstance(errors, list | tuple):
        return [translate_errors(value) for value in errors]
    if isinstance(errors, str):
        return translate_message(errors)
    return errors
