"""domain/scrub.py: property tests over generated personal data embedded in Chinese text,
written the ways people write it (full-width digits, spaces and dashes, +86)."""

from __future__ import annotations

import re
from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.scrub import ADDRESS, CARD, EMAIL, ID_NUMBER, PHONE, digits_of, id_check_char, luhn_ok, scrub, scrub_fields

FULL = str.maketrans("0123456789", "０１２３４５６７８９")
# Chinese text and punctuation, never a digit: what surrounds the number in a reason.
chinese = st.text(
    alphabet=st.sampled_from([*list("瓶子漏液请联系我电话是的收货人不在家谢谢，。！：（）"), " "]), max_size=12
)


@st.composite
def written(draw: st.DrawFn, digits: str) -> str:
    """The digits as someone types them: some full-width, a space or dash between some."""
    out = []
    for i, d in enumerate(digits):
        if i and draw(st.integers(0, 4)) == 0:
            out.append(draw(st.sampled_from([" ", "-", "－", "\u3000"])))
        out.append(d.translate(FULL) if draw(st.booleans()) else d)
    return "".join(out)


@st.composite
def mobiles(draw: st.DrawFn) -> tuple[str, str]:
    digits = (
        "1"
        + draw(st.sampled_from("3456789"))
        + "".join(draw(st.lists(st.sampled_from("0123456789"), min_size=9, max_size=9)))
    )
    prefix = draw(st.sampled_from(["", "+86", "+86 ", "86-", "0086", "＋８６ "]))
    return digits, prefix + draw(written(digits))


@st.composite
def id_numbers(draw: st.DrawFn) -> tuple[str, str]:
    area = draw(st.sampled_from(["110101", "310115", "440106", "510107", "330106"]))
    born = draw(st.dates(min_value=date(1930, 1, 1), max_value=date(2010, 12, 31)))
    first17 = (
        area + born.strftime("%Y%m%d") + "".join(draw(st.lists(st.sampled_from("0123456789"), min_size=3, max_size=3)))
    )
    digits = first17 + id_check_char(first17)
    return digits, draw(written(digits))


@st.composite
def card_numbers(draw: st.DrawFn) -> tuple[str, str]:
    prefix, length = draw(st.sampled_from(["62", "4", "5", "35"])), draw(st.integers(13, 19))
    rest = length - len(prefix) - 1
    body = prefix + "".join(draw(st.lists(st.sampled_from("0123456789"), min_size=rest, max_size=rest)))
    for check in "0123456789":
        if luhn_ok(body + check):
            digits = body + check
            break
    grouped = (
        " ".join(digits[i : i + 4] for i in range(0, len(digits), 4)) if draw(st.booleans()) else draw(written(digits))
    )
    return digits, grouped


def no_trace(digits: str, out: str) -> bool:
    """Neither the number nor its last eight digits survive, in any width or grouping."""
    return digits[-8:] not in digits_of(out)


@settings(max_examples=300)
@given(chinese, mobiles(), chinese)
def test_a_mobile_number_in_chinese_text_becomes_a_placeholder(before, mobile, after):
    digits, typed = mobile
    out = scrub(before + typed + after)
    assert out == before + PHONE + after and no_trace(digits, out)  # the words around it stay


@settings(max_examples=300)
@given(chinese, id_numbers(), chinese)
def test_an_id_number_with_its_check_digit_becomes_a_placeholder(before, id_number, after):
    digits, typed = id_number
    out = scrub(f"{before}身份证{typed}{after}")
    assert out == f"{before}身份证{ID_NUMBER}{after}" and no_trace(digits, out)


@settings(max_examples=300)
@given(chinese, card_numbers(), chinese)
def test_a_card_number_passing_luhn_becomes_a_placeholder(before, card, after):
    digits, typed = card
    out = scrub(f"{before}退到卡{typed}{after}")
    assert no_trace(digits, out) and (CARD in out or PHONE in out or ID_NUMBER in out)


@given(chinese, st.from_regex(r"[a-z][a-z0-9._]{0,10}@(qq|163|example)\.(com|cn)", fullmatch=True), chinese)
def test_an_email_address_becomes_a_placeholder(before, email, after):
    out = scrub(f"{before} {email} {after}")
    assert EMAIL in out and email not in out and "@" not in out


@given(
    st.sampled_from(
        [
            "上海市浦东新区世纪大道100号",
            "北京市朝阳区建国路88号",
            "广州市天河区体育西路5号",
            "成都市武侯区人民南路4段",
            "杭州市西湖区文三路20号",
            "南京市鼓楼区中山路1号3栋2单元501室",
            "江苏省苏州市姑苏区平江路12号",
        ]
    ),
    chinese,
)
def test_a_street_address_becomes_a_placeholder(address, after):
    out = scrub(f"送到{address}{after}")
    assert ADDRESS in out and address not in out and not re.search(r"\d", out)


@given(chinese)
def test_text_without_personal_data_is_unchanged_and_scrubbing_is_idempotent(text):
    assert scrub(text) == text
    assert scrub(scrub(text)) == scrub(text)


def test_order_numbers_amounts_and_wrong_check_digits_survive():
    kept = "订单 SO-20261118-0001 退 183.10 元，共 2 件，单号 SF1234567890，110101199003074515"
    assert scrub(kept) == kept  # the last is an ID number with a wrong check digit


def test_scrub_fields_reaches_nested_free_text_only():
    body = {
        "reason": "打13812345678",
        "approve": True,
        "evidence": [{"note": "寄到北京市朝阳区建国路88号", "uri": "s3://13812345678"}],
    }
    out = scrub_fields(body, frozenset({"reason", "note"}))
    assert out == {
        "reason": "打[phone]",
        "approve": True,
        "evidence": [{"note": "寄到[address]", "uri": "s3://13812345678"}],
    }
