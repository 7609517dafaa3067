"""The one reader and writer of numbers for the code base: what people type in a chat ("４５",
"1,234.5", "3500万", "四十五", "约 3.5 亿", "4.5 billion") and Chinese numerals both ways
("十五" <-> 15, as the measures number their articles).

People answering the self-assessment type figures the way they would say them. Anything this
module cannot read with certainty raises `NumberParseError` so the bot re-asks, rather than
guessing: a wrong figure silently turns into a wrong verdict. Whether a figure that *was* read is
plausible for its indicator (yuan typed where 亿元 is asked, 0.72 for 72 %) is judged by
`knowledge.engine.plausibility`, which needs the indicator; this module only reads.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation

Number = int | float


class NumberParseError(ValueError):
    """The text is not one number we can read. `reason` is a short Chinese explanation;
    `reason_en` its English counterpart."""

    def __init__(self, text: str, reason: str, reason_en: str) -> None:
        self.text = text
        self.reason = reason
        self.reason_en = reason_en
        super().__init__(f"{text!r}: {reason_en}")

    def message(self, lang: str = "zh") -> str:
        return self.reason_en if lang == "en" else self.reason


# Hedges people put around a figure; they do not change it.
_HEDGE_PREFIXES = ("大约", "大概", "约为", "约", "差不多", "将近", "接近", "近", "大致", "估计",
                   "about", "approx.", "approx", "around", "~", "≈")
_HEDGE_SUFFIXES = ("左右", "上下", "的样子")

_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
              "六": 6, "七": 7, "八": 8, "九": 9}
_CN_SMALL_UNITS = {"十": 10, "百": 100, "千": 1000}
_CN_BIG_UNITS = {"万": 10_000, "亿": 100_000_000}

# A plain Arabic number: optional sign, digits with correct thousands groups, optional decimals.
_ARABIC = re.compile(r"^[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?$")
# An Arabic number followed by Chinese magnitudes: "3.5万", "12亿", "1千万".
_ARABIC_MAGNITUDE = re.compile(r"^([+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?)([十百千万亿]+)$")

# English magnitudes people use for money ("4.5 billion", "4.5bn", "300 million").
# "hundred million" (how 亿 is put into English) before "million", which it ends with.
_ENGLISH_MAGNITUDES: dict[str, int] = {
    "hundredmillion": 100_000_000,
    "billion": 1_000_000_000, "bn": 1_000_000_000,
    "million": 1_000_000, "mn": 1_000_000, "mio": 1_000_000,
    "thousand": 1_000,
}
_CURRENCY_PREFIXES = ("rmb", "cny", "¥", "￥")
_CURRENCY_SUFFIXES = ("yuan", "rmb", "cny")

# Unit words stripped from the end, longest first. Money is handled separately (亿/万/元).
_UNIT_WORDS = ("平方公里", "平方千米", "平方km", "km²", "km2", "公里²", "家企业", "家", "个",
               "户", "亿元", "万元", "元", "个百分点", "百分点")


def _normalise(text: str) -> str:
    # NFKC turns full-width digits, ％, ，and ． into their ASCII forms.
    cleaned = unicodedata.normalize("NFKC", text).strip().lower()
    cleaned = re.sub(r"\s+", "", cleaned)
    changed = True
    while changed:
        changed = False
        for prefix in _HEDGE_PREFIXES:
            if cleaned.startswith(prefix) and len(cleaned) > len(prefix):
                cleaned, changed = cleaned[len(prefix):], True
        for suffix in _HEDGE_SUFFIXES:
            if cleaned.endswith(suffix) and len(cleaned) > len(suffix):
                cleaned, changed = cleaned[: -len(suffix)], True
    return cleaned


def _cn_section(text: str) -> Decimal:
    """A numeral below 10,000 written with 十/百/千: "一百零五" -> 105, "十五" -> 15."""
    total = Decimal(0)
    digit: int | None = None
    for char in text:
        if char in _CN_DIGITS:
            digit = _CN_DIGITS[char]
        elif char in _CN_SMALL_UNITS:
            # A bare unit ("十五") means one of it.
            total += Decimal((1 if digit is None else digit) * _CN_SMALL_UNITS[char])
            digit = None
        else:
            raise ValueError(char)
    if digit is not None:
        total += digit
    return total


def _cn_integer(text: str) -> Decimal:
    """Chinese integer numerals with 万/亿 sections: "一万二千" -> 12000, "二零二三" -> 2023."""
    if not text:
        raise ValueError("empty")
    if all(char in _CN_DIGITS for char in text) and len(text) > 1:
        # Digit by digit ("二零二三"), as people read out years and codes.
        return Decimal("".join(str(_CN_DIGITS[char]) for char in text))
    total = Decimal(0)
    section = ""
    last_big: str | None = None
    for char in text:
        if char in _CN_BIG_UNITS:
            last_big = char
            value = _cn_section(section) if section else Decimal(1)
            if char == "亿":
                total = (total + value) * _CN_BIG_UNITS[char]
            else:
                total += value * _CN_BIG_UNITS[char]
            section = ""
        else:
            section += char
    if section:
        if last_big and len(section) == 1 and section in _CN_DIGITS and section not in "零〇":
            # Colloquial "一万二" is 12,000 (the digit counts the next lower unit), not 10,002.
            return total + _CN_DIGITS[section] * _CN_BIG_UNITS[last_big] // 10
        total += _cn_section(section)
    return total


def _cn_number(text: str) -> Decimal:
    """ "三点五" -> 3.5, "负三" -> -3, "四十五" -> 45."""
    sign = Decimal(1)
    if text.startswith("负"):
        sign, text = Decimal(-1), text[1:]
    if "点" in text:
        whole, _, fraction = text.partition("点")
        if not fraction or any(char not in _CN_DIGITS for char in fraction):
            raise ValueError(text)
        digits = "".join(str(_CN_DIGITS[char]) for char in fraction)
        # "三点五亿" is not handled here: magnitudes after a fraction go through _with_magnitude.
        return sign * (_cn_integer(whole) + Decimal(f"0.{digits}"))
    return sign * _cn_integer(text)


def _magnitude(chars: str) -> Decimal:
    factor = Decimal(1)
    for char in chars:
        factor *= _CN_SMALL_UNITS.get(char) or _CN_BIG_UNITS[char]
    return factor


def _read(core: str) -> tuple[Decimal, bool]:
    """The number in `core` and whether it carried a 万/亿 magnitude."""
    if _ARABIC.match(core):
        return Decimal(core.replace(",", "")), False
    match = _ARABIC_MAGNITUDE.match(core)
    if match:
        number, chars = match.groups()
        return Decimal(number.replace(",", "")) * _magnitude(chars), any(
            char in _CN_BIG_UNITS for char in chars
        )
    # Chinese numerals; a fraction followed by a big unit ("三点五亿") is split off first.
    big = re.match(r"^(.*点[零〇一二两三四五六七八九]+)([万亿]+)$", core)
    if big:
        return _cn_number(big.group(1)) * _magnitude(big.group(2)), True
    if re.fullmatch(r"负?[零〇一二两三四五六七八九十百千万亿点]+", core):
        return _cn_number(core), any(char in _CN_BIG_UNITS for char in core)
    raise ValueError(core)


def _to_number(value: Decimal) -> Number:
    if value == value.to_integral_value():
        return int(value)
    return float(value)


def _fail(text: str) -> NumberParseError:
    return NumberParseError(
        text,
        "没看懂这个数字，请只输入一个数，例如 45、3.5、四十五。",
        "I could not read that number; please type one number, e.g. 45, 3.5.",
    )


def parse_number(
    text: str,
    *,
    unit: str | None = None,
    integer: bool = False,
    percent: bool = False,
) -> Number:
    """Read one number from `text`.

    `unit="亿元"`: the answer is in 亿元; "3500万" / "3500万元" -> 0.35, "35亿" -> 35,
    "350000000元" -> 3.5, a bare "35" -> 35.
    `percent=True` accepts "45%" and "百分之四十五" (-> 45).
    `integer=True` (counts) refuses fractions and negative numbers.
    """
    original = text
    cleaned = _normalise(text)
    if not cleaned:
        raise NumberParseError(original, "请输入一个数字。", "Please type a number.")

    is_percent = False
    if cleaned.endswith("%"):
        cleaned, is_percent = cleaned[:-1], True
    elif cleaned.startswith("百分之"):
        cleaned, is_percent = cleaned[3:], True
    if is_percent and not percent:
        raise NumberParseError(
            original,
            "这里不是百分比，请直接输入数值。",
            "This is not a percentage; type the value.",
        )

    money_unit: str | None = None
    for prefix in _CURRENCY_PREFIXES:
        if cleaned.startswith(prefix) and len(cleaned) > len(prefix):
            cleaned, money_unit = cleaned[len(prefix):], "元"
            break
    for word in _CURRENCY_SUFFIXES:
        if cleaned.endswith(word) and len(cleaned) > len(word):
            cleaned, money_unit = cleaned[: -len(word)], "元"
            break
    english_factor = 1
    for word, factor in _ENGLISH_MAGNITUDES.items():
        if cleaned.endswith(word) and len(cleaned) > len(word):
            cleaned, english_factor = cleaned[: -len(word)], factor
            # "4.5 billion" is an amount of yuan, however the question's unit is written.
            money_unit = money_unit or ("元" if unit == "亿元" else None)
            break
    if money_unit is None:
        for word in _UNIT_WORDS:
            if cleaned.endswith(word) and len(cleaned) > len(word):
                cleaned = cleaned[: -len(word)]
                if word in ("亿元", "万元", "元"):
                    money_unit = word
                break

    try:
        value, has_magnitude = _read(cleaned)
    except (ValueError, InvalidOperation, KeyError):
        raise _fail(original) from None
    if english_factor != 1:
        if has_magnitude:  # "3亿 billion" is not a number anyone means
            raise _fail(original)
        value *= english_factor

    if unit == "亿元":
        # A bare figure is already in 亿元; one written with 万/亿 or in 元 is an absolute amount.
        if money_unit == "万元":
            value = value * 10_000 / Decimal(100_000_000)
        elif money_unit == "元" or has_magnitude:
            value = value / Decimal(100_000_000)
    elif money_unit is not None:
        raise _fail(original)

    if integer:
        if value != value.to_integral_value():
            raise NumberParseError(
                original, "这里需要一个整数，例如 3。", "A whole number is needed here, e.g. 3."
            )
        if value < 0:
            raise NumberParseError(
                original, "数量不能是负数。", "A count cannot be negative."
            )
    return _to_number(value)


# Separators between the three yearly figures; "2021年" labels before a figure are dropped.
_SERIES_SPLIT = re.compile(r"[,，、;；/|\s]+|(?<=[\d亿万元])(?:和|及|与)|\band\b")
_YEAR_LABEL = re.compile(r"(?:19|20)\d{2}年(?:度)?[:：是为]?")
# A unit word written apart from its figure ("4.5 billion", "35 亿元", "RMB 4.5") belongs to it:
# the space must not split one figure into two.
_UNIT_AFTER_SPACE = re.compile(
    r"(?<=[\d.])\s+(?=(?:billion|bn|million|mn|mio|thousand|yuan|rmb|cny|亿|万|元|%)(?![a-z]))",
    re.IGNORECASE,
)
_CURRENCY_BEFORE_SPACE = re.compile(r"(?<![a-z])(rmb|cny|¥)\s+(?=\d)", re.IGNORECASE)


def parse_series(text: str, *, count: int = 3, unit: str | None = None) -> list[Number]:
    """Read exactly `count` numbers.

    "35, 40, 46", "35亿、40亿、46亿" and "2021年35 2022年40 2023年46" all give [35, 40, 46].
    """
    cleaned = unicodedata.normalize("NFKC", text)
    cleaned = _YEAR_LABEL.sub(" ", cleaned)
    cleaned = _CURRENCY_BEFORE_SPACE.sub(r"\1", _UNIT_AFTER_SPACE.sub("", cleaned))
    # NFKC leaves "，" as ","; a comma between digit groups of 3 is ambiguous in a list, so the
    # series reader splits on every comma: "1,234" here would be two numbers, and is refused
    # by the count check below rather than misread.
    parts = [part for part in _SERIES_SPLIT.split(cleaned) if part and part.strip()]
    if len(parts) != count:
        raise NumberParseError(
            text,
            f"需要正好 {count} 个数（近三年，由早到晚），用逗号分隔，例如：35, 40, 46。",
            f"Exactly {count} numbers are needed (oldest year first), e.g. 35, 40, 46.",
        )
    return [parse_number(part, unit=unit) for part in parts]


# ------------------------------------------------------------------------------------------
# Chinese numerals both ways (article and item numbers, dimension numbers, batch ordinals)


def cn_to_int(text: str) -> int | None:
    """ "十五" -> 15, "二十" -> 20, "一百" -> 100, "一千零五" -> 1005, "15" -> 15; None if `text`
    is not a whole number written in Arabic digits or Chinese numerals."""
    text = unicodedata.normalize("NFKC", text).strip()
    if not text:
        return None
    if text.isascii() and text.isdigit():
        return int(text)
    if not re.fullmatch(r"[零〇一二两三四五六七八九十百千万亿]+", text):
        return None
    try:
        value = _cn_integer(text)
    except (ValueError, KeyError):
        return None
    return int(value)


_CN_WRITE_DIGITS = "零一二三四五六七八九"


def _section_to_cn(number: int) -> str:
    """0 < number < 10,000 with 千/百/十 and the 零 for a skipped place."""
    out = ""
    pending_zero = False
    for value, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit, number = divmod(number, value)
        if digit:
            if pending_zero:
                out += "零"
            out += _CN_WRITE_DIGITS[digit] + unit
            pending_zero = False
        elif out:
            pending_zero = True
    return out


def int_to_cn(number: int) -> str:
    """15 -> "十五", 20 -> "二十", 10 -> "十", 105 -> "一百零五", 12000 -> "一万二千"
    (how the measures number articles and items); 1 ≤ number < 100,000,000."""
    if not 0 < number < 100_000_000:
        raise ValueError(f"number out of range: {number}")
    high, low = divmod(number, 10_000)
    if high:
        out = _section_to_cn(high) + "万"
        if low:
            out += ("零" if low < 1000 else "") + _section_to_cn(low)
    else:
        out = _section_to_cn(low)
    # "十五", not "一十五", when the number starts with its tens ("一百一十" keeps its 一).
    return out[1:] if out.startswith("一十") else out
