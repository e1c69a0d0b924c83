"""How strong a new password is: its length, and zxcvbn's estimate of guesses.

Length alone lets ``aaaaaaaaaa`` and ``1234567890`` through; zxcvbn knows
common passwords, keyboard rows, repeats, sequences, dates and the person's
own name and e-mail (``user_inputs``). Its feedback is English only, so its
warning is mapped to one of a few translated hints.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import lazy_gettext as _l
from zxcvbn import zxcvbn

PASSWORD_MIN = 10
PASSWORD_MAX = 128
#: zxcvbn's score from 0 to 4; 3 is "safely unguessable: moderate protection
#: from an offline slow-hash attack", which our hashes are.
MIN_SCORE = 3

#: zxcvbn warnings (English) by a word they contain, and the hint we give instead.
_HINTS = (
    (("repeat",), _l("Avoid repeated characters or words.")),
    (("sequence",), _l("Avoid sequences such as abc or 12345.")),
    (("keyboard", "rows of keys"), _l("Avoid rows of keys such as azerty or qwerty.")),
    (("date", "year"), _l("Avoid dates and years, above all those linked to you.")),
    (("names", "word by itself"), _l("A single word or name is easy to guess: add other words.")),
    (("common", "top-"), _l("This password is among the most used ones.")),
)
_GENERIC = _l("Use a few unrelated words, and leave out your name and e-mail address.")


def _user_words(user_inputs: Iterable[str | None]) -> list[str]:
    words: list[str] = []
    for value in user_inputs:
        if not value:
            continue
        value = value.strip().lower()
        words.append(value)
        local, _at, domain = value.partition("@")
        words.extend(w for w in (local, domain.split(".")[0]) if w)
        words.extend(value.replace("@", " ").replace(".", " ").split())
    return words


def password_problem(password: str, user_inputs: Iterable[str | None] = ()) -> str | None:
    """A translated reason to refuse ``password``, or None when it is strong enough."""
    if len(password) < PASSWORD_MIN:
        return str(_l("Use at least %(min)d characters.", min=PASSWORD_MIN))
    if len(password) > PASSWORD_MAX:
        return str(_l("Use at most %(max)d characters.", max=PASSWORD_MAX))
    # zxcvbn reads at most 72 characters (its default); longer passwords are
    # judged on their start, which is only ever stricter.
    result = zxcvbn(password, user_inputs=_user_words(user_inputs))
    if result["score"] >= MIN_SCORE:
        return None
    warning = (result.get("feedback", {}).get("warning") or "").lower()
    hint = next((h for words, h in _HINTS if any(w in warning for w in words)), _GENERIC)
    return str(_l("This password is too easy to guess. %(hint)s", hint=str(hint)))
