"""Reading and validating an add-on's ``manifest.json`` against ``manifest_schema.json``."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

SCHEMA_PATH = Path(__file__).resolve().parent.parent / "manifest_schema.json"

_DEP_RE = re.compile(r"^\s*([a-z][a-z0-9_]*)\s*(.*)$")


class ManifestError(Exception):
    """A manifest that cannot be used: names the file, the field and the reason."""

    def __init__(
        self, path: Path | str, field: str, reason: str, more: list[tuple[str, str]] = ()
    ) -> None:
        self.path = str(path)
        self.field = field  # the first field in error ("(file)" when the file is unreadable)
        self.reason = reason
        #: every (field, reason), the first one included
        self.errors = [(field, reason), *more]
        parts = [f"{r}" if f == "(file)" else f"field {f!r}: {r}" for f, r in self.errors]
        super().__init__(f"{self.path}: " + "; ".join(parts))


@dataclass(frozen=True)
class Dependency:
    name: str
    spec: SpecifierSet

    def __str__(self) -> str:
        return f"{self.name}{self.spec}" if str(self.spec) else self.name


@dataclass(frozen=True)
class Manifest:
    name: str
    version: Version
    summary: str
    depends: tuple[Dependency, ...]
    author: str
    license: str
    kernel: SpecifierSet
    raw: dict[str, Any] = field(compare=False, repr=False)
    path: str = ""

    @property
    def dependency_names(self) -> tuple[str, ...]:
        return tuple(d.name for d in self.depends)


@cache
def manifest_schema() -> dict[str, Any]:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


@cache
def _validator():
    from jsonschema import Draft202012Validator

    schema = manifest_schema()
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def _field_of(error) -> str:
    path = list(error.absolute_path)
    if error.validator == "required":
        # "'summary' is a required property": the field is the missing one.
        missing = re.findall(r"'([^']+)' is a required property", error.message)
        return ".".join([*map(str, path), *missing]) or "(root)"
    if error.validator == "additionalProperties":
        extra = re.findall(r"'([^']+)'", error.message)
        return ".".join([*map(str, path), *extra[:1]]) or "(root)"
    return ".".join(str(p) for p in path) or "(root)"


EXPECTED_FORM = {
    "name": "lower case letters, digits and _, starting with a letter (2 to 40)",
    "version": "MAJOR.MINOR.PATCH, semantic versioning (for example 1.0.0)",
    "depends": "an add-on name, optionally with a version range (for example sales>=1.2,<2)",
    "kernel": "a version range (for example >=0.1,<1)",
    "license": "an SPDX license expression (for example MIT)",
    "website": "an http(s) URL",
}


def _reason_of(error) -> str:
    if error.validator == "pattern":
        field = str(error.absolute_path[0]) if error.absolute_path else ""
        expected = EXPECTED_FORM.get(field)
        suffix = f": expected {expected}" if expected else ""
        return f"{error.instance!r} does not have the expected form{suffix}"
    if error.validator == "not" and error.absolute_path and error.absolute_path[-1] == "name":
        return f"{error.instance!r} is a reserved name"
    if error.validator == "additionalProperties":
        return "unknown field (the manifest allows only the fields of manifest_schema.json)"
    return error.message


def parse_manifest(data: Any, path: Path | str) -> Manifest:
    """Validate ``data`` (already decoded JSON) and return a :class:`Manifest`."""
    errors = sorted(_validator().iter_errors(data), key=lambda e: list(map(str, e.absolute_path)))
    if errors:
        found = list(dict.fromkeys((_field_of(e), _reason_of(e)) for e in errors))
        raise ManifestError(path, *found[0], more=found[1:])
    depends = []
    for index, item in enumerate(data["depends"]):
        match = _DEP_RE.match(item)
        assert match is not None  # the schema's pattern guarantees it
        try:
            depends.append(
                Dependency(match.group(1), SpecifierSet(match.group(2).replace(" ", "")))
            )
        except InvalidSpecifier as exc:
            raise ManifestError(path, f"depends.{index}", f"invalid version range: {exc}") from None
    names = [d.name for d in depends]
    if data["name"] in names:
        raise ManifestError(path, "depends", "an add-on cannot depend on itself")
    if len(set(names)) != len(names):
        raise ManifestError(path, "depends", "an add-on is listed twice")
    try:
        kernel = SpecifierSet(data["kernel"].replace(" ", ""))
    except InvalidSpecifier as exc:
        raise ManifestError(path, "kernel", f"invalid version range: {exc}") from None
    try:
        version = Version(data["version"])
    except InvalidVersion as exc:  # pragma: no cover - the semver pattern is stricter
        raise ManifestError(path, "version", str(exc)) from None
    return Manifest(
        name=data["name"],
        version=version,
        summary=data["summary"],
        depends=tuple(depends),
        author=data["author"],
        license=data["license"],
        kernel=kernel,
        raw=data,
        path=str(path),
    )


def load_manifest(path: Path) -> Manifest:
    """Read and validate the manifest file at ``path``."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ManifestError(path, "(file)", "manifest.json is missing") from None
    except OSError as exc:
        raise ManifestError(path, "(file)", f"cannot be read: {exc.strerror}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ManifestError(
            path, "(file)", f"invalid JSON at line {exc.lineno}: {exc.msg}"
        ) from None
    return parse_manifest(data, path)
