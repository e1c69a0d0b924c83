"""Fill the catalogs from translations/pending/*.json, then delete those files.

Helpers working in parallel write their new messages' translations there
instead of editing the .po files (which would conflict); run
``flask --app shop translate update`` first so the catalogs hold the new ids.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
PENDING = ROOT / "translations" / "pending"


def main() -> int:
    files = sorted(PENDING.glob("*.json"))
    pending: dict[str, dict] = {}
    for path in files:
        pending.update(json.loads(path.read_text(encoding="utf-8")))
    missing = []
    for lang in ("ar", "fr", "en"):
        po = ROOT / "translations" / lang / "LC_MESSAGES" / "messages.po"
        with po.open("rb") as fh:
            catalog = read_po(fh, locale=lang)
        for message in catalog:
            if not message.id:
                continue
            key = message.id if isinstance(message.id, str) else "|".join(message.id)
            entry = pending.get(key)
            if entry is None:
                continue
            value = entry[lang]
            if isinstance(value, list):
                # Every plural form the language has (French 3, Arabic 6), or
                # the missing ones would show the English in some counts.
                if len(value) != catalog.num_plurals:
                    missing.append((lang, f"{key} ({len(value)} of {catalog.num_plurals} forms)"))
                    continue
                value = tuple(value)
            message.string = value
            message.flags.discard("fuzzy")
        for message in catalog:
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            if message.id and not all(strings):
                missing.append((lang, message.id))
        with po.open("wb") as fh:
            write_po(
                fh, catalog, width=100, no_location=True, sort_output=True, ignore_obsolete=True
            )
    for lang, msgid in missing:
        print(f"{lang}: untranslated {msgid!r}", file=sys.stderr)
    if not missing:
        for path in files:
            path.unlink()
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
