"""Morocco's 12 official regions, in the official order."""

from __future__ import annotations

import csv
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data" / "regions.csv"


@dataclass(frozen=True)
class Region:
    """One region with its names in ar, fr and en."""

    code: int
    name_fr: str
    name_ar: str
    name_en: str

    def name(self, lang: str) -> str:
        """The region's name in ``lang``."""
        return getattr(self, f"name_{lang}", self.name_fr)


@cache
def regions() -> dict[int, Region]:
    """All regions by code."""
    with DATA.open(encoding="utf-8") as fh:
        return {
            int(row["code"]): Region(
                int(row["code"]), row["name_fr"], row["name_ar"], row["name_en"]
            )
            for row in csv.DictReader(fh)
        }


def fold(text: str) -> str:
    """Lower-case, without accents, apostrophes and spacing differences."""
    decomposed = unicodedata.normalize("NFKD", text.strip().lower())
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    for ch in "'’`-_":
        bare = bare.replace(ch, " ")
    return " ".join(bare.split())


def region_by_name(name: str) -> Region | None:
    """Match a region's French (or English) name ignoring case and accents."""
    wanted = fold(name)
    for region in regions().values():
        if wanted in (fold(region.name_fr), fold(region.name_en)):
            return region
    return None
