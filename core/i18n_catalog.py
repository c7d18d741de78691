"""Message catalogues of core and add-ons: extract, update, compile, check.

``yaprak i18n update [--addon NAME]`` extracts every ``_()``/``gettext``/``ngettext``/
``lazy_gettext`` string from the package's Python files and Jinja templates, merges them
into ``translations/<lang>/LC_MESSAGES/messages.po`` (new strings appear untranslated,
strings that left the code are dropped) and compiles ``messages.mo``. ``yaprak i18n check``
lists what the Turkish catalogue lacks and, for core with every installed add-on, texts two
catalogues translate differently (one merged catalogue answers for all); the test suite runs
the same checks.
"""

from __future__ import annotations

from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

KEYWORDS = {
    "_": None,
    "gettext": None,
    "lazy_gettext": None,
    "_l": None,
    "N_": None,
    "ngettext": (1, 2),
    "lazy_ngettext": (1, 2),
}
METHODS = [
    ("**/scaffold/template/**", "ignore"),
    ("**/tests/**", "ignore"),
    ("**.py", "python"),
    ("**/templates/**.html", "jinja2"),
    ("**/templates/**.txt", "jinja2"),
]
OPTIONS = {"**/templates/**.html": {"trimmed": "true"}, "**/templates/**.txt": {}}
TRANSLATED = ("tr",)  # catalogues that must be complete (English is the source language)
LANGUAGES = ("tr", "en")
DOMAIN = "messages"


def extract(package_dir: Path) -> Catalog:
    """Every translatable string of a package (core or an add-on)."""
    catalog = Catalog(project="Yaprak", domain=DOMAIN, fuzzy=False)
    for filename, lineno, message, comments, context in extract_from_dir(
        str(package_dir), METHODS, OPTIONS, keywords=KEYWORDS, strip_comment_tags=True
    ):
        if not message or (isinstance(message, tuple) and not message[0]):
            continue
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return catalog


def po_path(translations: Path, language: str) -> Path:
    return translations / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def read_catalog(path: Path, language: str) -> Catalog:
    if not path.is_file():
        return Catalog(locale=language, domain=DOMAIN, project="Yaprak", fuzzy=False)
    with path.open("rb") as f:
        return read_po(f, locale=language, domain=DOMAIN)


def compile_catalog(catalog: Catalog) -> bytes:
    out = BytesIO()
    write_mo(out, catalog, use_fuzzy=False)
    return out.getvalue()


def update(package_dir: Path) -> dict[str, int]:
    """Extract, merge into each language's .po, compile the .mo. Returns untranslated counts."""
    template = extract(package_dir)
    translations = package_dir / "translations"
    result: dict[str, int] = {}
    for language in LANGUAGES:
        path = po_path(translations, language)
        catalog = read_catalog(path, language)
        catalog.update(template, no_fuzzy_matching=True)
        catalog.obsolete.clear()
        if language == "en":  # the source language translates to itself
            for message in catalog:
                if message.id and not message.string:
                    message.string = message.id
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as f:
            write_po(f, catalog, width=100, omit_header=False, sort_output=True)
        path.with_suffix(".mo").write_bytes(compile_catalog(read_catalog(path, language)))
        result[language] = len(missing(package_dir, language, template))
    return result


@dataclass(frozen=True)
class Missing:
    """A string the catalogue lacks: where it is used and why it counts as missing."""

    msgid: str
    location: str
    reason: str  # "not in catalogue", "untranslated", "fuzzy", "not compiled"


@dataclass(frozen=True)
class Conflict:
    """One English text translated differently by two catalogues."""

    msgid: str
    translations: dict[str, str]  # owner -> its translation


def conflicts(packages: dict[str, Path], language: str = "tr") -> list[Conflict]:
    """Texts that several catalogues (core's, each add-on's: ``{owner: package folder}``)
    translate differently. The catalogues are merged into one per request, so only one of
    the translations would ever be shown, whichever loaded last: give the different meanings
    different English texts ("Goods receipt" for a document, "Receipt" for a kind of move)."""
    seen: dict[tuple[str, str | None], dict[str, str]] = {}
    for owner, folder in packages.items():
        path = po_path(folder / "translations", language)
        if not path.is_file():
            continue
        for message in read_catalog(path, language):
            if not message.id or not message.string or message.fuzzy:
                continue
            msgid = message.id if isinstance(message.id, str) else message.id[0]
            text = message.string if isinstance(message.string, str) else message.string[0]
            seen.setdefault((msgid, message.context), {})[owner] = text
    return [
        Conflict(msgid, found)
        for (msgid, _context), found in sorted(seen.items(), key=lambda item: item[0][0])
        if len(set(found.values())) > 1
    ]


def missing(
    package_dir: Path, language: str = "tr", template: Catalog | None = None
) -> list[Missing]:
    """Strings used in the package that ``language``'s catalogue does not translate."""
    template = template or extract(package_dir)
    path = po_path(package_dir / "translations", language)
    catalog = read_catalog(path, language)
    mo = path.with_suffix(".mo")
    compiled = mo.read_bytes() if mo.is_file() else b""
    stale = compiled != compile_catalog(catalog)
    found: list[Missing] = []
    for message in template:
        if not message.id:
            continue
        where = ", ".join(f"{f}:{n}" for f, n in message.locations[:2])
        msgid = message.id if isinstance(message.id, str) else message.id[0]
        entry = catalog.get(message.id, context=message.context)
        if entry is None:
            found.append(Missing(msgid, where, "not in catalogue"))
        elif entry.fuzzy:
            found.append(Missing(msgid, where, "fuzzy"))
        elif not entry.string or (isinstance(entry.string, tuple) and not all(entry.string)):
            found.append(Missing(msgid, where, "untranslated"))
    if stale and not found:
        found.append(Missing("", str(mo), "not compiled: run `yaprak i18n update`"))
    return found
