"""The one table of languages people mentor in, shared by the CSV import, the profile form,
the API and the matching engine's loader (pure Python: no Django imports).

A language is stored as a lower-case tag: an ISO 639-1 code (``de``), a few ISO 639-3 codes
people ask for (``yue``, ``fil``), optionally with a script or region (``zh-hans``,
``pt-br``). People may type English names ("German"), names in the language itself
("Deutsch"), common aliases ("Mandarin", "Farsi"), codes or tags in any case, with ``_`` or
``-`` ("pt_BR"). Anything else is refused with the entries it did not recognise, so "xx" or
"Klingon" never reaches a profile.

Matching compares :func:`language_match_key` (the language without its region or script,
Bokmål and Nynorsk as Norwegian): a mentor who speaks ``pt-br`` shares a language with a
mentee who speaks ``pt``.
"""

from __future__ import annotations

import re
import unicodedata

#: code -> English name (ISO 639-1, plus ISO 639-3 codes for Cantonese and Filipino).
LANGUAGES: dict[str, str] = {
    "aa": "Afar", "ab": "Abkhazian", "ae": "Avestan", "af": "Afrikaans", "ak": "Akan",
    "am": "Amharic", "an": "Aragonese", "ar": "Arabic", "as": "Assamese", "av": "Avaric",
    "ay": "Aymara", "az": "Azerbaijani", "ba": "Bashkir", "be": "Belarusian",
    "bg": "Bulgarian", "bi": "Bislama", "bm": "Bambara", "bn": "Bengali", "bo": "Tibetan",
    "br": "Breton", "bs": "Bosnian", "ca": "Catalan", "ce": "Chechen", "ch": "Chamorro",
    "co": "Corsican", "cr": "Cree", "cs": "Czech", "cu": "Church Slavic", "cv": "Chuvash",
    "cy": "Welsh", "da": "Danish", "de": "German", "dv": "Divehi", "dz": "Dzongkha",
    "ee": "Ewe", "el": "Greek", "en": "English", "eo": "Esperanto", "es": "Spanish",
    "et": "Estonian", "eu": "Basque", "fa": "Persian", "ff": "Fula", "fi": "Finnish",
    "fil": "Filipino", "fj": "Fijian", "fo": "Faroese", "fr": "French",
    "fy": "Western Frisian", "ga": "Irish", "gd": "Scottish Gaelic", "gl": "Galician",
    "gn": "Guarani", "gu": "Gujarati", "gv": "Manx", "ha": "Hausa", "he": "Hebrew",
    "hi": "Hindi", "ho": "Hiri Motu", "hr": "Croatian", "ht": "Haitian Creole",
    "hu": "Hungarian", "hy": "Armenian", "hz": "Herero", "ia": "Interlingua",
    "id": "Indonesian", "ie": "Interlingue", "ig": "Igbo", "ii": "Sichuan Yi",
    "ik": "Inupiaq", "io": "Ido", "is": "Icelandic", "it": "Italian", "iu": "Inuktitut",
    "ja": "Japanese", "jv": "Javanese", "ka": "Georgian", "kg": "Kongo", "ki": "Kikuyu",
    "kj": "Kuanyama", "kk": "Kazakh", "kl": "Greenlandic", "km": "Khmer", "kn": "Kannada",
    "ko": "Korean", "kr": "Kanuri", "ks": "Kashmiri", "ku": "Kurdish", "kv": "Komi",
    "kw": "Cornish", "ky": "Kyrgyz", "la": "Latin", "lb": "Luxembourgish", "lg": "Ganda",
    "li": "Limburgish", "ln": "Lingala", "lo": "Lao", "lt": "Lithuanian",
    "lu": "Luba-Katanga", "lv": "Latvian", "mg": "Malagasy", "mh": "Marshallese",
    "mi": "Māori", "mk": "Macedonian", "ml": "Malayalam", "mn": "Mongolian", "mr": "Marathi",
    "ms": "Malay", "mt": "Maltese", "my": "Burmese", "na": "Nauruan",
    "nb": "Norwegian Bokmål", "nd": "North Ndebele", "ne": "Nepali", "ng": "Ndonga",
    "nl": "Dutch", "nn": "Norwegian Nynorsk", "no": "Norwegian", "nr": "South Ndebele",
    "nv": "Navajo", "ny": "Chichewa", "oc": "Occitan", "oj": "Ojibwe", "om": "Oromo",
    "or": "Odia", "os": "Ossetian", "pa": "Punjabi", "pi": "Pali", "pl": "Polish",
    "ps": "Pashto", "pt": "Portuguese", "qu": "Quechua", "rm": "Romansh", "rn": "Kirundi",
    "ro": "Romanian", "ru": "Russian", "rw": "Kinyarwanda", "sa": "Sanskrit",
    "sc": "Sardinian", "sd": "Sindhi", "se": "Northern Sami", "sg": "Sango",
    "si": "Sinhala", "sk": "Slovak", "sl": "Slovenian", "sm": "Samoan", "sn": "Shona",
    "so": "Somali", "sq": "Albanian", "sr": "Serbian", "ss": "Swazi", "st": "Southern Sotho",
    "su": "Sundanese", "sv": "Swedish", "sw": "Swahili", "ta": "Tamil", "te": "Telugu",
    "tg": "Tajik", "th": "Thai", "ti": "Tigrinya", "tk": "Turkmen", "tl": "Tagalog",
    "tn": "Tswana", "to": "Tongan", "tr": "Turkish", "ts": "Tsonga", "tt": "Tatar",
    "tw": "Twi", "ty": "Tahitian", "ug": "Uyghur", "uk": "Ukrainian", "ur": "Urdu",
    "uz": "Uzbek", "ve": "Venda", "vi": "Vietnamese", "vo": "Volapük", "wa": "Walloon",
    "wo": "Wolof", "xh": "Xhosa", "yi": "Yiddish", "yo": "Yoruba", "yue": "Cantonese",
    "za": "Zhuang", "zh": "Chinese", "zu": "Zulu",
}

#: Names in the language itself (endonyms) that people type.
NATIVE_NAMES: dict[str, tuple[str, ...]] = {
    "ar": ("العربية", "arabi"), "bg": ("български",), "bn": ("বাংলা", "bangla"),
    "ca": ("català",), "cs": ("čeština", "cesky"), "cy": ("cymraeg",), "da": ("dansk",),
    "de": ("deutsch",), "el": ("ελληνικά",), "es": ("español", "castellano"),
    "et": ("eesti",), "eu": ("euskara",), "fa": ("فارسی",), "fi": ("suomi",),
    "fr": ("français",), "ga": ("gaeilge",), "gl": ("galego",), "he": ("עברית", "ivrit"),
    "hi": ("हिन्दी",), "hr": ("hrvatski",), "hu": ("magyar",), "id": ("bahasa indonesia",),
    "is": ("íslenska",), "it": ("italiano",), "ja": ("日本語", "nihongo"),
    "ko": ("한국어", "hangugeo"), "lt": ("lietuvių",), "lv": ("latviešu",),
    "ms": ("bahasa melayu",), "nl": ("nederlands",), "no": ("norsk",), "pl": ("polski",),
    "pt": ("português",), "ro": ("română",), "ru": ("русский",), "sk": ("slovenčina",),
    "sl": ("slovenščina",), "sr": ("српски", "srpski"), "sv": ("svenska",),
    "sw": ("kiswahili",), "ta": ("தமிழ்",), "th": ("ไทย",), "tr": ("türkçe",),
    "uk": ("українська",), "ur": ("اردو",), "vi": ("tiếng việt",), "yue": ("粵語", "广东话"),
    "zh": ("中文", "汉语", "漢語", "普通话", "zhongwen"),
}

#: Other names and legacy codes -> tag.
ALIASES: dict[str, str] = {
    "mandarin": "zh", "mandarin chinese": "zh", "putonghua": "zh",
    "simplified chinese": "zh-hans", "chinese simplified": "zh-hans",
    "traditional chinese": "zh-hant", "chinese traditional": "zh-hant",
    "cantonese": "yue", "farsi": "fa", "flemish": "nl", "castilian": "es",
    "brazilian portuguese": "pt-br", "portuguese brazil": "pt-br",
    "european portuguese": "pt-pt", "latin american spanish": "es-419",
    "canadian french": "fr-ca", "swiss german": "de-ch", "british english": "en-gb",
    "american english": "en-us", "bokmal": "nb", "bokmål": "nb", "nynorsk": "nn",
    "gaelic": "gd", "filipino": "fil", "pilipino": "fil", "panjabi": "pa", "oriya": "or",
    "sinhalese": "si", "burmese": "my", "myanmar": "my", "kirghiz": "ky", "uighur": "ug",
    "moldovan": "ro", "slovene": "sl", "pushto": "ps", "divehi": "dv", "maldivian": "dv",
    # retired ISO 639 codes still found in HR systems
    "iw": "he", "in": "id", "ji": "yi", "jw": "jv", "mo": "ro", "tgl": "tl",
}

#: Names of tags with a script or region that read better than "Chinese (HANS)".
VARIANT_NAMES: dict[str, str] = {
    "zh-hans": "Chinese (Simplified)", "zh-hant": "Chinese (Traditional)",
    "pt-br": "Portuguese (Brazil)", "pt-pt": "Portuguese (Portugal)",
    "es-419": "Spanish (Latin America)", "fr-ca": "French (Canada)",
    "de-ch": "German (Switzerland)", "en-gb": "English (UK)", "en-us": "English (US)",
}

_SUBTAG = re.compile(r"^(?:[a-z]{4}|[a-z]{2}|[0-9]{3})$")  # script, region or UN M.49 area
_SPLIT = re.compile(r"[;,|/\n]")


def _fold(text: str) -> str:
    """Lower case, accents and extra spaces and punctuation dropped: "Français" → "francais",
    "Portuguese (Brazil)" → "portuguese brazil"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(re.sub(r"[()\[\]._]+", " ", stripped).split())


def _lookup_table() -> dict[str, str]:
    table: dict[str, str] = {}
    for code, name in LANGUAGES.items():
        table[_fold(name)] = code
    for code, names in NATIVE_NAMES.items():
        for name in names:
            table[_fold(name)] = code
    for tag, name in VARIANT_NAMES.items():
        table[_fold(name)] = tag
    for alias, tag in ALIASES.items():
        table[_fold(alias)] = tag
    return table


_BY_NAME = _lookup_table()


def normalise_language(value: str) -> str | None:
    """The tag for one entry a person typed ("German", "DE", "pt_BR", "Deutsch"), or ``None``
    when it is not a language of the table."""
    text = value.strip()
    if not text:
        return None
    folded = _fold(text)
    if folded in _BY_NAME:
        return _BY_NAME[folded]
    tag = text.lower().replace("_", "-")
    tag = ALIASES.get(tag, tag)
    primary, _, rest = tag.partition("-")
    primary = ALIASES.get(primary, primary)
    if primary not in LANGUAGES:
        return None
    subtags = rest.split("-") if rest else []
    if not all(_SUBTAG.match(subtag) for subtag in subtags):
        return None
    return "-".join([primary, *subtags])


def parse_languages(value: str) -> tuple[list[str], list[str]]:
    """("English; Deutsch, pt-BR") -> (["en", "de", "pt-br"], entries not recognised).

    Entries are separated by ``;``, ``,``, ``|``, ``/`` or new lines; repeats are dropped and
    the order is kept."""
    codes: list[str] = []
    unknown: list[str] = []
    for part in _SPLIT.split(value or ""):
        item = part.strip()
        if not item:
            continue
        code = normalise_language(item)
        if code is None:
            if item not in unknown:
                unknown.append(item)
        elif code not in codes:
            codes.append(code)
    return codes, unknown


def is_known_language(code: str) -> bool:
    return normalise_language(code) == code


def language_name(code: str) -> str:
    """English name of a stored tag: "de" → "German", "pt-br" → "Portuguese (Brazil)",
    "de-at" → "German (AT)". An unknown value is shown as it is."""
    if code in VARIANT_NAMES:
        return VARIANT_NAMES[code]
    primary, _, rest = code.partition("-")
    name = LANGUAGES.get(primary)
    if name is None:
        return code
    return f"{name} ({rest.upper()})" if rest else name


def language_match_key(code: str) -> str:
    """What matching compares: the language without script or region, Norwegian written
    either way as Norwegian ("pt-BR" → "pt", "nb" → "no"). Unknown values compare as
    themselves, lower-cased."""
    tag = normalise_language(code) or code.strip().lower()
    primary = tag.partition("-")[0]
    return "no" if primary in ("nb", "nn") else primary


#: (code, English name) for every language of the table, by name: choices for forms and the
#: API schema.
LANGUAGE_CHOICES: list[tuple[str, str]] = sorted(
    [*LANGUAGES.items(), *VARIANT_NAMES.items()], key=lambda item: _fold(item[1]))
