"""Free text without personal data (rulebook §6). Customers type their phone number,
ID number, bank card or address into a reason or a note; whatever people type passes
through scrub() at the edge (CLI, API, webhooks) before it enters a history, the store
or a log, and comes out with placeholders: `[phone]`, `[id_number]`, `[card]`,
`[email]`, `[address]`.

Pure and deterministic. Numbers are recognised as people write them: full-width digits
(１３８…), spaces and dashes inside, a +86 / 0086 prefix. An 18-character ID number
counts only with a valid check digit and a card number only when it passes Luhn, so
order numbers and amounts survive.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

PHONE, ID_NUMBER, CARD, EMAIL, ADDRESS = "[phone]", "[id_number]", "[card]", "[email]", "[address]"
# The fields of case inputs, Updates and signals where people type free text.
FREE_TEXT = frozenset(
    {
        "reason",
        "note",
        "summary",
        "grounds",
        "finding",
        "notice",
        "demand",
        "handling",
        "not_by_reason",
        "description",
        "comment",
        "message",
    }
)

_D = "[0-9\uff10-\uff19]"  # ASCII and full-width digits
_SEP_CHARS = " \u3000\\-\uff0d\u2010-\u2015"
# A number starts neither after a digit nor after a digit and one separator, so no
# pattern starts inside a longer grouped number (a card's 4-digit groups, an ID's 6-8-4).
_NOT_D = f"(?<![0-9\uff10-\uff19])(?<![0-9\uff10-\uff19][{_SEP_CHARS}])"
_END = "(?![0-9\uff10-\uff19])"
_SEP = f"[{_SEP_CHARS}]?"  # at most one space or dash between two digits
_FULLWIDTH = str.maketrans("０１２３４５６７８９ＸｘＸ", "0123456789XxX")

_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+(?:@|＠)[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+")
# 17 digits and a check character, optionally grouped 6-8-4 by spaces or dashes.
_ID = re.compile(
    _NOT_D + _D + f"(?:{_SEP}{_D}){{16}}{_SEP}[0-9\uff10-\uff19Xx\uff38\uff58]" + "(?![0-9\uff10-\uff19A-Za-z])"
)
# 13 to 19 digits, optionally grouped (6222 0202 0000 1234 567).
_CARD = re.compile(_NOT_D + _D + f"(?:{_SEP}{_D}){{12,18}}" + _END)
# Mainland mobiles: 1[3-9] and nine more digits, optionally +86 / 0086 / 86 in front.
_MOBILE = re.compile(
    _NOT_D
    + f"(?:(?:\\+|\uff0b|[0\uff10]{{2}})?[8\uff18][6\uff16]{_SEP}[ \u3000]?)?"
    + f"[1\uff11]{_SEP}[3-9\uff13-\uff19](?:{_SEP}{_D}){{9}}"
    + _END
)
# Landlines with an area code: 010-12345678, (021) 6123 4567, 0755 8888 9999.
_LANDLINE = re.compile(
    _NOT_D + f"(?:[(\uff08]0{_D}{{2,3}}[)\uff09]{_SEP}|0{_D}{{2,3}}{_SEP})" + f"{_D}{{3,4}}{_SEP}{_D}{{4}}" + _END
)
_CJK = "\u4e00-\u9fff"
_NUM = "[0-9\uff10-\uff19A-Za-z一二三四五六七八九十百\\-\uff0d]+"
# Mainland street addresses: optional province / city / district, a road, street, lane
# or village with its number (…路88号, …街道3弄, …村12号, …南路4段), then any building,
# unit and room numbers. The number is what makes it an address and not a place name.
# Words that come before an address and are not part of it (寄到…, 住在…, 地址…).
_LEAD = "(?![寄送到在住是于往至的地址我回已])"
_ADDRESS = re.compile(
    f"(?:{_LEAD}[{_CJK}]{{1,6}}?(?:省|自治区|市|区|县|旗|镇|乡|街道))*{_LEAD}"
    f"[{_CJK}A-Za-z0-9]{{1,12}}?(?:大道|大街|路|街|道|巷|弄|胡同|村|里|小区|苑|花园)"
    f"{_NUM}(?:号院|号楼|号|弄|段|栋|幢|座|单元|室|楼|层)"
    f"(?:{_NUM}(?:号院|号楼|号|弄|栋|幢|座|单元|室|楼|层))*"
)
_STREET_EN = re.compile(
    r"\b\d{1,5}[A-Za-z]?\s+(?:[A-Z][A-Za-z]*\s+){1,4}(?:Street|St|Road|Rd|Avenue|Ave|Lane|Ln|Boulevard|Blvd|Drive|Dr)\b\.?"
)

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"


def digits_of(text: str) -> str:
    return "".join(c for c in text.translate(_FULLWIDTH) if c.isdigit() or c in "Xx").upper()


def id_check_char(first17: str) -> str:
    """GB 11643: the 18th character of a resident ID number."""
    return ID_CHECK[sum(int(d) * w for d, w in zip(first17, ID_WEIGHTS, strict=True)) % 11]


def is_id_number(candidate: str) -> bool:
    d = digits_of(candidate)
    return len(d) == 18 and d[:17].isdigit() and id_check_char(d[:17]) == d[17]


def luhn_ok(number: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(number)):
        n = int(ch)
        if i % 2 == 1:
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
    return total % 10 == 0


def is_card_number(candidate: str) -> bool:
    d = digits_of(candidate)
    return d.isdigit() and 13 <= len(d) <= 19 and luhn_ok(d)


def _checked(pattern: re.Pattern[str], placeholder: str, check: Callable[[str], bool]) -> Callable[[str], str]:
    def sub(text: str) -> str:
        return pattern.sub(lambda m: placeholder if check(m.group(0)) else m.group(0), text)

    return sub


_STEPS = (
    lambda t: _EMAIL.sub(EMAIL, t),  # first: a mobile as an e-mail's local part is an e-mail
    _checked(_ID, ID_NUMBER, is_id_number),
    lambda t: _MOBILE.sub(PHONE, t),  # before cards: +86 and a mobile can pass Luhn
    _checked(_CARD, CARD, is_card_number),
    lambda t: _LANDLINE.sub(PHONE, t),
    lambda t: _ADDRESS.sub(ADDRESS, t),
    lambda t: _STREET_EN.sub(ADDRESS, t),
)


def scrub(text: str) -> str:
    """The text with every phone number, ID number, card number, e-mail address and
    street address replaced by its placeholder; everything else unchanged."""
    if not text:
        return text
    for step in _STEPS:
        text = step(text)
    return text


def scrub_fields(values: dict[str, Any], fields: frozenset[str]) -> dict[str, Any]:
    """A JSON body with the named free-text fields scrubbed, at any depth (an Update's
    `reason` or `note`, an evidence list's notes); other fields untouched."""

    def walk(value: Any, key: str | None = None) -> Any:
        if isinstance(value, dict):
            return {k: walk(v, k) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v, key) for v in value]
        if isinstance(value, str) and key in fields:
            return scrub(value)
        return value

    return walk(values)
