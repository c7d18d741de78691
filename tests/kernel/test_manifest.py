"""Manifests validate against manifest_schema.json; errors name file, field and reason."""

import json

import pytest
from jsonschema import Draft202012Validator

from core.kernel.manifest import SCHEMA_PATH, ManifestError, load_manifest, parse_manifest

GOOD = {
    "name": "sales",
    "version": "1.4.2",
    "summary": "Quotes, orders, deliveries, invoices",
    "depends": ["materials>=1.0,<2", "crm"],
    "author": "Yaprak",
    "license": "AGPL-3.0-or-later",
    "kernel": ">=0.1,<1",
}


def test_schema_is_a_valid_2020_12_schema_closed_to_unknown_fields():
    schema = json.loads(SCHEMA_PATH.read_text())
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["additionalProperties"] is False
    assert set(schema["required"]) >= {
        "name",
        "version",
        "summary",
        "depends",
        "author",
        "license",
        "kernel",
    }


def test_a_good_manifest_parses_with_dependency_ranges():
    m = parse_manifest(GOOD, "x/manifest.json")
    assert m.name == "sales"
    assert str(m.version) == "1.4.2"
    assert [str(d) for d in m.depends] == ["materials<2,>=1.0", "crm"]
    assert m.dependency_names == ("materials", "crm")
    assert "0.1.0" in m.kernel and "1.0.0" not in m.kernel


@pytest.mark.parametrize(
    ("change", "field", "reason"),
    [
        ({"version": "1.0"}, "version", "does not have the expected form"),
        ({"name": "Sales"}, "name", "does not have the expected form"),
        ({"name": "core"}, "name", "reserved name"),
        ({"colour": "red"}, "colour", "unknown field"),
        ({"depends": ["materials >= x"]}, "depends.0", "does not have the expected form"),
        ({"depends": ["sales"]}, "depends", "cannot depend on itself"),
        ({"kernel": "latest"}, "kernel", "does not have the expected form"),
        ({"summary": ""}, "summary", "too short"),
        ({"depends": "materials"}, "depends", "is not of type 'array'"),
    ],
)
def test_an_invalid_manifest_names_file_field_and_reason(change, field, reason):
    data = {**GOOD, **change}
    with pytest.raises(ManifestError) as info:
        parse_manifest(data, "pkg/manifest.json")
    err = info.value
    assert err.path == "pkg/manifest.json"
    assert err.field == field
    assert reason in err.reason
    assert str(err).startswith(f"pkg/manifest.json: field {field!r}: ")


def test_a_missing_required_field_is_named():
    data = {k: v for k, v in GOOD.items() if k != "license"}
    with pytest.raises(ManifestError) as info:
        parse_manifest(data, "m.json")
    assert info.value.field == "license"
    assert "required" in info.value.reason


def test_unreadable_files(tmp_path):
    with pytest.raises(ManifestError, match=r"manifest\.json is missing"):
        load_manifest(tmp_path / "manifest.json")
    bad = tmp_path / "manifest.json"
    bad.write_text('{"name": "x",')
    with pytest.raises(ManifestError, match=r"invalid JSON at line 1") as info:
        load_manifest(bad)
    assert info.value.path == str(bad)


def test_every_error_of_a_manifest_is_reported_at_once():
    data = {**GOOD, "colour": "red", "version": "1.0"}
    del data["license"]
    with pytest.raises(ManifestError) as info:
        parse_manifest(data, "m.json")
    assert {field for field, _ in info.value.errors} == {"colour", "version", "license"}
    message = str(info.value)
    assert message.startswith("m.json: field ")
    for field in ("'colour'", "'version'", "'license'"):
        assert f"field {field}: " in message


def test_an_unreadable_file_is_reported_without_a_field(tmp_path):
    bad = tmp_path / "manifest.json"
    bad.write_text("{")
    with pytest.raises(ManifestError) as info:
        load_manifest(bad)
    assert str(info.value).startswith(f"{bad}: invalid JSON at line 1: ")
