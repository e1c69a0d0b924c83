"""Every catalog is complete: no untranslated or fuzzy entry."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "translations"


def problems(po_path: Path) -> list[str]:
    """Untranslated or fuzzy message ids in one catalog."""
    with po_path.open("rb") as fh:
        catalog = read_po(fh)
    bad = []
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(strings):
            bad.append(message.id if isinstance(message.id, str) else message.id[0])
    return bad


@pytest.mark.parametrize("lang", ["ar", "fr", "en"])
def test_catalog_is_complete(lang):
    po = TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po"
    assert po.exists()
    assert problems(po) == []


def test_catalogs_cover_every_extracted_message():
    with (TRANSLATIONS / "messages.pot").open("rb") as fh:
        template = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(fh) if m.id}
    for lang in ("ar", "fr", "en"):
        with (TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po").open("rb") as fh:
            ids = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(fh) if m.id}
        assert template <= ids, f"{lang} misses {sorted(template - ids)[:5]}"


def test_the_check_catches_a_bad_entry(tmp_path):
    po = tmp_path / "messages.po"
    po.write_text(
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
        'msgid "Cart"\nmsgstr "Panier"\n\n'
        'msgid "Search"\nmsgstr ""\n\n'
        '#, fuzzy\nmsgid "Home"\nmsgstr "Accueil"\n',
        encoding="utf-8",
    )
    assert problems(po) == ["Search", "Home"]


def test_pot_is_up_to_date(tmp_path):
    """Templates and code do not hold strings missing from messages.pot."""
    from babel.messages.extract import extract_from_dir
    from babel.messages.frontend import parse_mapping_cfg

    with (TRANSLATIONS / "babel.cfg").open() as fh:
        method_map, options_map = parse_mapping_cfg(fh)
    found = set()
    for folder in ("shop", "catalog", "orders", "producers"):
        for _file, _line, message, _comments, _ctx in extract_from_dir(
            ROOT / folder,
            method_map,
            options_map,
            keywords={
                "_": None,
                "gettext": None,
                "ngettext": (1, 2),
                "_l": None,
                "lazy_gettext": None,
                "lazy_ngettext": (1, 2),
            },
        ):
            found.add(message if isinstance(message, str) else message[0])
    with (TRANSLATIONS / "messages.pot").open("rb") as fh:
        template = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(fh) if m.id}
    assert found - template == set(), "run `flask --app shop translate update`"
    # And nothing the catalogue holds is lost by the extraction: a template Babel
    # cannot parse (a tag of an extension babel.cfg does not name) is skipped
    # without a word, and its strings would drop out at the next update.
    assert template - found == set(), "a template is no longer extracted: see babel.cfg"
