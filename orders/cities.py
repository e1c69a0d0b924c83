"""Moroccan cities a cash-on-delivery order can ship to, with their postal prefixes.

An order keeps the city as the shopper typed it (``as_typed``: "الدار البيضاء",
"casa") for the people who read the address, and the city it was recognised
as (``City.canonical``: "Casablanca") beside it, for the region, the shipping
zone and the carrier.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from shop.regions import fold

DATA = Path(__file__).resolve().parent / "data" / "cities.csv"
POSTAL_CODE = re.compile(r"\d{5}")


@dataclass(frozen=True)
class City:
    """A city with its official region (1..12) and the first two digits of its postal codes."""

    name_fr: str
    name_ar: str
    name_en: str
    region_code: int
    postal_prefix: str

    @property
    def canonical(self) -> str:
        """The one name an order stores beside what was typed (the French one, as carriers use)."""
        return self.name_fr

    def name(self, lang: str) -> str:
        """The city's name in ``lang``."""
        return getattr(self, f"name_{lang}", self.name_fr)

    def accepts(self, postal_code: str) -> bool:
        """True for a 5-digit postal code of this city."""
        return bool(POSTAL_CODE.fullmatch(postal_code)) and postal_code.startswith(
            self.postal_prefix
        )


@cache
def _index() -> dict[str, City]:
    index: dict[str, City] = {}
    with DATA.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            city = City(
                row["name_fr"],
                row["name_ar"],
                row["name_en"],
                int(row["region_code"]),
                row["postal_prefix"],
            )
            names = [
                row["name_fr"],
                row["name_en"],
                row["name_ar"],
                *filter(None, row["aliases"].split("|")),
            ]
            for name in names:
                index.setdefault(fold(name), city)
    return index


def cities() -> list[City]:
    """Every known city, once, in French alphabetical order."""
    return sorted(set(_index().values()), key=lambda c: fold(c.name_fr))


def find_city(name: str) -> City | None:
    """The city called ``name`` in any language, ignoring case, accents and dashes."""
    return _index().get(fold(name))


def as_typed(text: str) -> str:
    """The city as the shopper typed it, without stray spaces around or inside."""
    return " ".join(text.split())
