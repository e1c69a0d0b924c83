"""Text analysis for the search index: Arabic, French and English.

Every analyzer here is pickled into the index's schema by Whoosh, so the
filters are module-level classes with plain attributes; the PyStemmer
objects they use are created per thread and never pickled (PyStemmer
stemmers are not thread-safe).
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Iterator

import Stemmer
from whoosh.analysis import (
    Analyzer,
    CharsetFilter,
    Filter,
    LowercaseFilter,
    RegexTokenizer,
    StopFilter,
    Token,
)
from whoosh.lang.stopwords import stoplists
from whoosh.support.charset import accent_map

#: Language codes of the analyzers (the site's languages).
LANGS: tuple[str, ...] = ("ar", "fr", "en")
#: Each language's Snowball stemmer (PyStemmer's names, and PostgreSQL's
#: text search configurations of the same names).
STEMMERS = {"ar": "arabic", "fr": "french", "en": "english"}

#: Arabic combining marks (tashkeel, Quranic marks, superscript alef) and tatweel.
_ARABIC_MARKS = "\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed"
_TATWEEL = "\u0640"
#: A word: letters and digits with their combining marks, so that a word with
#: diacritics (Arabic tashkeel, or French accents in decomposed form) stays one
#: token instead of being cut at every mark as ``\w+`` would.
WORD = re.compile(rf"[\w\u0300-\u036f{_ARABIC_MARKS}{_TATWEEL}]+")
_STRIP_ARABIC = re.compile(f"[{_ARABIC_MARKS}{_TATWEEL}]")
_ARABIC_LETTERS = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه"})
#: The definite article and the prepositions glued to it. Snowball's Arabic
#: stemmer strips it too, but then also cuts suffixes it would keep on the bare
#: word (الاركان → ارك, اركان → اركان), so it is removed first; at least two
#: letters must remain (الو is not a word plus an article).
_ARTICLE = re.compile(r"^(?:وال|بال|كال|فال|لل|ال)(?=\w\w)")

#: Common Arabic function words (normalised: no hamza on alef, ي for ى).
ARABIC_STOPWORDS = frozenset(
    [
        "في",
        "من",
        "على",
        "الى",
        "عن",
        "مع",
        "او",
        "و",
        "ثم",
        "ان",
        "هذا",
        "هذه",
        "ذلك",
        "تلك",
        "التي",
        "الذي",
        "كل",
        "بعض",
        "غير",
        "بين",
        "عند",
        "لا",
        "ما",
        "لم",
        "لن",
        "قد",
        "هو",
        "هي",
        "هم",
        "نحن",
        "انا",
        "انت",
        "كان",
        "يكون",
    ]
)
#: French elided articles are cut off by the tokenizer at the apostrophe
#: (l'huile → l, huile); the leftovers longer than one letter are added here.
FRENCH_STOPWORDS = stoplists["fr"] | {"qu", "jusqu", "lorsqu", "puisqu"}
ENGLISH_STOPWORDS = stoplists["en"]


def normalize_arabic(text: str) -> str:
    """Remove tashkeel and tatweel; unify alef forms, ى → ي and ة → ه."""
    return _STRIP_ARABIC.sub("", text).translate(_ARABIC_LETTERS)


def strip_article(word: str) -> str:
    """An Arabic word without its definite article (الزيت → زيت)."""
    return _ARTICLE.sub("", word)


def fold(text: str) -> str:
    """Lower-case text without accents (berbère → berbere)."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return unicodedata.normalize(
        "NFC", "".join(c for c in decomposed if not unicodedata.combining(c))
    )


#: A French elided article or pronoun glued to the next word, as shoppers type
#: "d'argan" or "l'huile" without the apostrophe ("dargan", "lhuile").
_GLUED_ELISION = re.compile(r"^(?:qu|[cdjlmnst])(?=[aeiouyhàâäéèêëîïôöùûü]\w\w)", re.IGNORECASE)


def unelide(word: str) -> str | None:
    """The word after a glued French elision ("dargan" → "argan"), or None.

    Only a guess (does "lait" hide "ait"?), so the search tries it with the
    typos, when the word as typed found little.
    """
    rest = _GLUED_ELISION.sub("", word, count=1)
    return rest if rest != word else None


def words(text: str) -> list[str]:
    """The words of a text as the analyzers cut them (NFC first)."""
    return WORD.findall(unicodedata.normalize("NFC", text))


class ArabicNormalizer(Filter):
    """Arabic letter normalisation and removal of the definite article."""

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        for token in tokens:
            token.text = strip_article(normalize_arabic(token.text))
            yield token


class Snowball(Filter):
    """Stem tokens with a PyStemmer (Snowball) algorithm."""

    is_morph = True
    _local = threading.local()

    def __init__(self, algorithm: str) -> None:
        self.algorithm = algorithm

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Snowball) and other.algorithm == self.algorithm

    def _stemmer(self) -> Stemmer.Stemmer:
        stemmers = self._local.__dict__.setdefault("stemmers", {})
        if self.algorithm not in stemmers:
            stemmers[self.algorithm] = Stemmer.Stemmer(self.algorithm)
        return stemmers[self.algorithm]

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        stem = self._stemmer().stemWord
        for token in tokens:
            if not token.stopped:
                token.text = stem(token.text)
            yield token


def _tokenizer() -> RegexTokenizer:
    return RegexTokenizer(WORD)


def language_analyzer(lang: str, stem: bool = True) -> Analyzer:
    """The full analysis (normalise, stop words, stem) for texts in ``lang``.

    Without ``stem``, the words as the stemmer would receive them: what the
    PostgreSQL backend hands to the database's own stemmer of ``lang``.
    """
    if lang == "ar":
        # Lower-casing and folding reach the Latin words of Arabic texts
        # (cooperative names); Arabic letters have no case and no accent_map entry.
        chain = (
            _tokenizer()
            | LowercaseFilter()
            | ArabicNormalizer()
            | StopFilter(ARABIC_STOPWORDS, minsize=2)
            | CharsetFilter(accent_map)
        )
    elif lang == "fr":
        # Stop words are matched before folding (the list has accents), and
        # the stemmer sees folded words so that "berbère" and "berbere" agree.
        chain = (
            _tokenizer()
            | LowercaseFilter()
            | StopFilter(FRENCH_STOPWORDS, minsize=2)
            | CharsetFilter(accent_map)
        )
    elif lang == "en":
        chain = (
            _tokenizer()
            | LowercaseFilter()
            | StopFilter(ENGLISH_STOPWORDS, minsize=2)
            | CharsetFilter(accent_map)
        )
    else:
        raise ValueError(f"no analyzer for {lang!r}")
    return chain | Snowball(STEMMERS[lang]) if stem else chain


def latin_analyzer() -> Analyzer:
    """Folded Latin words without stemming: transliterations, codes."""
    return _tokenizer() | LowercaseFilter() | CharsetFilter(accent_map)


def surface_analyzer(fold_accents: bool = False) -> Analyzer:
    """Whole words as people type them: for "did you mean" and autocomplete."""
    chain = _tokenizer() | LowercaseFilter() | ArabicNormalizer()
    return chain | CharsetFilter(accent_map) if fold_accents else chain


# ------------------------------------------------------------------ transliteration

#: Latin spellings of common terroir words, as Moroccan labels and shoppers
#: write them, so that "argan" or "amlou" finds a product named only in Arabic.
#: Hand-written and deliberately small: a word missing here is simply not
#: transliterated.
_TRANSLITERATIONS: dict[str, tuple[str, ...]] = {
    "زيت": ("zit", "zeit"),
    "أركان": ("argan",),
    "أرڭان": ("argan",),
    "زعفران": ("zaafran", "safran", "saffron"),
    "عسل": ("asal", "assel"),
    "أملو": ("amlou", "amlu"),
    "تمر": ("tamr", "tmar"),
    "تمور": ("tmour", "tamr"),
    "مجهول": ("majhoul", "medjool"),
    "زيتون": ("zitoun", "zaytoun"),
    "لوز": ("louz",),
    "ورد": ("ward",),
    "زعتر": ("zaatar",),
    "سدر": ("sidr",),
    "دغموس": ("daghmous",),
    "كسكس": ("couscous", "kesksou"),
    "كسكسو": ("couscous", "kesksou"),
    "صابون": ("saboun", "savon"),
    "بلدي": ("beldi",),
    "غاسول": ("ghassoul", "rhassoul"),
    "حناء": ("henna", "henne"),
    "تالوين": ("taliouine",),
    "الأطلس": ("atlas",),
    "أطلس": ("atlas",),
    "سوس": ("souss",),
    "تافيلالت": ("tafilalet",),
    "أتاي": ("atay",),
    "نعناع": ("naanaa", "nana"),
    "خروب": ("kharroub", "caroube"),
    "صبار": ("sabbar",),
    "رمان": ("roummane",),
    "طاجين": ("tajine", "tagine"),
    "حريرة": ("harira",),
    "تعاونية": ("cooperative", "taawounia"),
}
TRANSLITERATIONS: dict[str, tuple[str, ...]] = {
    strip_article(normalize_arabic(word)): latin for word, latin in _TRANSLITERATIONS.items()
}


def transliterate(text: str) -> str:
    """Latin spellings of the known Arabic words of ``text``, word by word."""
    found: list[str] = []
    for word in words(text):
        found.extend(TRANSLITERATIONS.get(strip_article(normalize_arabic(word)), ()))
    return " ".join(dict.fromkeys(found))
