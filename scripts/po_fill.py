"""Fill Turkish msgstr entries from a JSON file {msgid: msgstr} (a translator's helper).

python scripts/po_fill.py core/translations translations.json
yaprak i18n update   # recompiles the .mo
"""

import json
import sys
from pathlib import Path

from babel.messages.pofile import write_po

from core.i18n_catalog import compile_catalog, po_path, read_catalog


def main() -> None:
    folder, source = Path(sys.argv[1]), Path(sys.argv[2])
    strings = json.loads(source.read_text(encoding="utf-8"))
    path = po_path(folder, "tr")
    catalog = read_catalog(path, "tr")
    filled = 0
    for message in catalog:
        if message.id and isinstance(message.id, str) and message.id in strings:
            message.string = strings[message.id]
            message.flags.discard("fuzzy")
            filled += 1
    with path.open("wb") as f:
        write_po(f, catalog, width=100, sort_output=True)
    path.with_suffix(".mo").write_bytes(compile_catalog(read_catalog(path, "tr")))
    print(f"{filled} filled in {path}")


if __name__ == "__main__":
    main()
