"""Search and sort keys for people's names, the same on SQLite and PostgreSQL (pure Python).

Databases disagree about text: SQLite's ``LIKE``/``lower()`` fold only ASCII (so "ZOË" never
finds "Zoë"), and PostgreSQL sorts by whatever collation the cluster was created with. So a
name is folded once, in Python, into ``User.name_key`` and compared and ordered byte-wise
(``code_point_order``) on both databases:

- ``str.casefold()`` (ß → ss, Σ/ς → σ, ...);
- NFKD with the combining diacritics removed (é → e, ñ → n, Å → a, ą → a, ё → е, ά → α);
- letters that carry their "accent" inside the letter itself and would not decompose:
  ł → l, đ → d, ø → o, ħ → h, ı → i, æ → ae, œ → oe, þ → th, ð → d, ŧ → t;
- runs of white space collapse to one space.

Only the Latin, Greek and Cyrillic diacritic blocks (and Hebrew and Arabic vowel points,
which people never type into a search box) are stripped: the vowel signs and viramas of
Indic scripts are letters of the word, not accents, and stay. The key is recomposed (NFC)
so Hangul syllables and the like stay whole.
"""

from __future__ import annotations

import re
import unicodedata

from django.db.models import Func

_LETTERS = str.maketrans({
    "ł": "l", "đ": "d", "ø": "o", "ħ": "h", "ı": "i", "æ": "ae", "œ": "oe", "þ": "th",
    "ð": "d", "ŧ": "t", "ŀ": "l", "ĸ": "k", "ŋ": "n", "ƀ": "b", "ɨ": "i", "ʉ": "u",
})
_MARKS = re.compile(
    "[\u0300-\u036f\u0483-\u0489\u0591-\u05c7\u064b-\u065f\u0670"
    "\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
_SPACES = re.compile(r"\s+")


def name_key(value: str) -> str:
    """The folded form of ``value`` used to search and sort names (see the module docs)."""
    folded = unicodedata.normalize("NFKD", value.casefold())
    folded = _MARKS.sub("", folded).translate(_LETTERS)
    return unicodedata.normalize("NFC", _SPACES.sub(" ", folded).strip())


class CodePointOrder(Func):
    """Order a key column by code point: ``COLLATE "C"`` on PostgreSQL (byte order of UTF-8
    is code point order), SQLite's default ``BINARY`` comparison elsewhere. The cluster's
    locale collation would otherwise reorder spaces and punctuation differently per server."""

    template = "%(expressions)s"

    def as_postgresql(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, template='%(expressions)s COLLATE "C"',
                           **extra_context)
