"""Copy the front-end libraries from node_modules into core/web/static/vendor (committed).

Running Yaprak needs no Node, no build step and no CDN: the files this script copies are
committed. To update a library (developers only):

    # edit the version in package.json, then
    npm install                           # updates node_modules and package-lock.json
    python scripts/vendor_assets.py       # copies dist files + licences, writes VERSIONS.json
    pytest tests/web/test_shell.py        # the shell still loads what it references
    git add package.json package-lock.json core/web/static/vendor

``python scripts/vendor_assets.py --check`` exits non-zero when the committed copies differ
from node_modules (or node_modules is missing a package); it changes nothing.

Each package lands in ``core/web/static/vendor/<npm package>/`` with its dist files (flat) and
its licence, plus the licences of the packages its bundles contain (Popper inside Bootstrap's
bundle, Orchid's sifter and unicode-variants inside Tom Select's complete build).
``VERSIONS.json`` records the version of every package copied.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NODE_MODULES = ROOT / "node_modules"
VENDOR = ROOT / "core" / "web" / "static" / "vendor"

# npm package -> files to copy (paths inside the package) and bundled packages whose
# licences travel with it. Source maps are left out (browsers fetch them only for devtools).
ASSETS: dict[str, dict[str, list[str]]] = {
    "bootstrap": {
        "files": ["dist/css/bootstrap.min.css", "dist/js/bootstrap.bundle.min.js", "LICENSE"],
        "bundled": ["@popperjs/core"],
    },
    "htmx.org": {"files": ["dist/htmx.min.js", "LICENSE"], "bundled": []},
    "tom-select": {
        "files": [
            "dist/js/tom-select.complete.min.js",
            "dist/css/tom-select.bootstrap5.min.css",
            "LICENSE",
        ],
        "bundled": ["@orchidjs/sifter", "@orchidjs/unicode-variants"],
    },
}
LICENCE_NAMES = ("LICENSE", "LICENSE.md", "LICENSE.txt", "LICENCE")


def _package_json(package: str) -> dict:
    path = NODE_MODULES / package / "package.json"
    if not path.is_file():
        raise SystemExit(f"{package}: not in node_modules; run `npm ci` (or `npm install`) first")
    return json.loads(path.read_text(encoding="utf-8"))


def _licence_of(package: str) -> bytes:
    """The licence of a bundled package; written from package.json's
    ``license`` field when the package ships no licence file (Orchid's sifter)."""
    folder = NODE_MODULES / package
    for name in LICENCE_NAMES:
        if (folder / name).is_file():
            return (folder / name).read_bytes()
    meta = _package_json(package)
    text = (
        f"{package} {meta['version']} is licensed under {meta['license']} "
        f"(package.json of the npm package; it ships no licence file).\n"
    )
    return text.encode()


def planned() -> dict[Path, bytes]:
    """Every file the vendor folder should hold, with its content."""
    wanted = json.loads((ROOT / "package.json").read_text(encoding="utf-8"))["devDependencies"]
    if set(wanted) != set(ASSETS):
        raise SystemExit(
            f"package.json lists {sorted(wanted)} but this script copies {sorted(ASSETS)}: "
            "keep ASSETS in scripts/vendor_assets.py in step"
        )
    out: dict[Path, bytes] = {}
    versions: dict[str, str] = {}
    for package, spec in ASSETS.items():
        meta = _package_json(package)
        if meta["version"] != wanted[package]:
            raise SystemExit(
                f"{package}: node_modules has {meta['version']}, package.json wants "
                f"{wanted[package]}; run `npm install`"
            )
        versions[package] = meta["version"]
        target = VENDOR / package
        for relative in spec["files"]:
            source = NODE_MODULES / package / relative
            if not source.is_file():
                raise SystemExit(f"{package}: {relative} is missing from the npm package")
            out[target / Path(relative).name] = source.read_bytes()
        for bundled in spec["bundled"]:
            content = _licence_of(bundled)
            versions[bundled] = _package_json(bundled)["version"]
            out[target / f"LICENSE.{bundled.replace('@', '').replace('/', '-')}"] = content
    out[VENDOR / "VERSIONS.json"] = (json.dumps(versions, indent=2, sort_keys=True) + "\n").encode()
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="compare only; change nothing")
    args = parser.parse_args(argv)
    files = planned()
    present = {p for p in VENDOR.rglob("*") if p.is_file()} if VENDOR.is_dir() else set()
    stale = sorted(present - set(files))
    changed = sorted(p for p, data in files.items() if not p.is_file() or p.read_bytes() != data)
    if args.check:
        for path in changed:
            print(f"differs: {path.relative_to(ROOT)}")
        for path in stale:
            print(f"not produced by the script: {path.relative_to(ROOT)}")
        return 1 if changed or stale else 0
    for path in stale:
        path.unlink()
    for path, data in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    print(f"{len(files)} files in {VENDOR.relative_to(ROOT)} ({len(changed)} changed)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
