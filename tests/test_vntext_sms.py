"""vntext.sms: encoding and parts, the unaccented version, cost, the carriers' rules.

Plain functions without a database; the fixed tables pin the boundaries, the random strings
check that the counts, the parts and the unaccented version agree with each other."""

import random
import re
import string
import unicodedata
from dataclasses import replace
from datetime import UTC, time

import pytest

import vntext.sms as sms
from vntext import fold
from vntext.sms import (
    DEFAULT_RULES,
    GSM7,
    GSM7_EXTENSION,
    MAX_PER_DAY,
    QUIET_END,
    QUIET_START,
    SEGMENT_LIMITS,
    UCS2,
    VIETNAMESE_LETTERS,
    WARNINGS,
    Problem,
    check_message,
    compare,
    cost,
    encode_info,
    split,
    unaccented,
    unaccented_report,
    within_sending_hours,
)

HOTLINE = "Người dân phát hiện thông tin sai sự thật về dịch Covid-19 xin báo đường dây nóng 0927.681.168"
HOTLINE_PLAIN = "Nguoi dan phat hien thong tin sai su that ve dich Covid-19 xin bao duong day nong 0927.681.168"
MASK = "😷"  # outside the BMP: a surrogate pair, 2 UCS-2 units


def units(part: str, encoding: str) -> int:
    """Length in the encoding's units, counted independently of the module."""
    if encoding == GSM7:
        return sum(2 if ch in GSM7_EXTENSION else 1 for ch in part)
    return len(part.encode("utf-16-be")) // 2


# Encoding, length and parts -------------------------------------------------------------------

ENCODING_TABLE = [
    # (text, encoding, chars, segments)
    ("", GSM7, 0, 0),
    ("a" * 160, GSM7, 160, 1),
    ("a" * 161, GSM7, 161, 2),
    ("a" * 153 * 2, GSM7, 306, 2),
    ("a" * (153 * 2 + 1), GSM7, 307, 3),
    ("ư" * 70, UCS2, 70, 1),
    ("ư" * 71, UCS2, 71, 2),
    ("ư" * 67 * 2, UCS2, 134, 2),
    ("ư" * (67 * 2 + 1), UCS2, 135, 3),
    # Extension characters count 2 septets.
    ("{}[]", GSM7, 8, 1),
    ("€" * 80, GSM7, 160, 1),
    ("€" * 81, GSM7, 162, 2),
    ("a" * 159 + "€", GSM7, 161, 2),
    # An escape at septet 153 cannot be cut: it opens part 2, which then overflows into part 3.
    ("a" * 152 + "€" + "a" * 10, GSM7, 164, 2),
    ("a" * 152 + "€" + "a" * 152, GSM7, 306, 3),
    ("a" * 153 + "€" + "a" * 151, GSM7, 306, 2),
    # Emoji: UCS-2, 2 units each, never cut in half.
    (MASK, UCS2, 2, 1),
    (MASK * 35, UCS2, 70, 1),
    (MASK * 36, UCS2, 72, 2),
    (MASK * 67, UCS2, 134, 3),
    ("a" * 66 + MASK + "a" * 10, UCS2, 78, 2),
    # Seven marked Vietnamese letters are GSM; every other one makes the message UCS-2.
    ("é" * 160, GSM7, 160, 1),
    ("Bà Rịa", UCS2, 6, 1),
    ("Covid-19: gọi 1900 9095", UCS2, 23, 1),
    (HOTLINE, UCS2, 94, 2),
    (HOTLINE_PLAIN, GSM7, 94, 1),
    # TS 23.038's table has the capital Ç; the small one is not GSM.
    ("Ç", GSM7, 1, 1),
    ("ç", UCS2, 1, 1),
    ("a\r\nb", GSM7, 4, 1),
    ("a\tb", UCS2, 3, 1),
    ("`", UCS2, 1, 1),
]


@pytest.mark.parametrize(("text", "encoding", "chars", "segments"), ENCODING_TABLE)
def test_it_counts_encoding_chars_and_segments(text, encoding, chars, segments):
    info = encode_info(text)
    assert (info.encoding, info.chars, info.segments) == (encoding, chars, segments)
    parts = split(text)
    assert len(parts) == segments
    assert "".join(parts) == text


@pytest.mark.parametrize(("text", "_encoding", "_chars", "_segments"), ENCODING_TABLE)
def test_decomposed_input_counts_as_composed(text, _encoding, _chars, _segments):
    decomposed = unicodedata.normalize("NFD", text)
    assert encode_info(decomposed) == encode_info(text)
    assert split(decomposed) == split(text)


def test_decomposed_vietnamese_is_one_character_per_letter():
    typed = "Ca\u0300 Ma\u0302\u0301u"  # "Cà Mấu" typed with combining marks
    assert len(typed) == 9
    info = encode_info(typed)
    assert (info.encoding, info.chars) == (UCS2, 6)


def test_it_says_what_is_left_in_the_part_being_typed():
    assert (encode_info("").remaining, encode_info("").per_segment) == (160, 160)
    assert encode_info("a" * 150).remaining == 10
    assert (encode_info("a" * 161).remaining, encode_info("a" * 161).per_segment) == (145, 153)
    assert encode_info("ư" * 60).remaining == 10
    assert (encode_info("ư" * 71).remaining, encode_info("ư" * 71).per_segment) == (63, 67)
    assert encode_info("a" * 152 + "€" + "a" * 152).remaining == 152


def test_it_names_the_characters_that_make_it_unicode_once_each_in_order():
    info = encode_info("Đường dây nóng " + MASK + " “Covid” đường")
    assert info.unicode_chars == ("Đ", "ư", "ờ", "â", "ó", MASK, "“", "”", "đ")
    assert info.is_unicode
    assert encode_info("Duong day nong {0927}").unicode_chars == ()


def test_it_gives_the_smpp_data_coding():
    assert encode_info("abc").data_coding == 0x00
    assert encode_info("ư").data_coding == 0x08


def test_an_escape_at_septet_153_opens_the_next_part():
    parts = split("a" * 152 + "€" + "a" * 152)
    assert [units(part, GSM7) for part in parts] == [152, 153, 1]
    assert parts[1].startswith("€")


def test_an_emoji_that_does_not_fit_opens_the_next_part():
    assert split("a" * 66 + MASK + "a" * 10) == ["a" * 66, MASK + "a" * 10]
    assert [len(part) for part in split(MASK * 67)] == [33, 33, 1]


def test_long_plain_messages_split_every_153_or_67():
    assert [len(part) for part in split("a" * 400)] == [153, 153, 94]
    assert [len(part) for part in split("ư" * 200)] == [67, 67, 66]


# The unaccented version -----------------------------------------------------------------------


def test_it_unaccents_the_hotline_message():
    assert unaccented(HOTLINE) == HOTLINE_PLAIN
    report = unaccented_report(HOTLINE)
    assert (report.dropped, report.replaced) == ((), ())


def all_vietnamese_letters() -> list[str]:
    """The 134 precomposed letters, built here from vowels and tone marks (not from the module)."""
    vowels = "aăâeêioôơuưy"
    tones = ["", "\u0300", "\u0301", "\u0303", "\u0309", "\u0323"]
    lower = [unicodedata.normalize("NFC", v + t) for v in vowels for t in tones]
    lower = [letter for letter in lower if not letter.isascii()] + ["đ"]
    return lower + [letter.upper() for letter in lower]


def test_all_134_vietnamese_letters_fold_to_ascii():
    letters = all_vietnamese_letters()
    assert len(letters) == len(set(letters)) == 134
    assert all(len(letter) == 1 for letter in letters)
    assert set(VIETNAMESE_LETTERS) == set(letters)
    for letter in letters:
        plain = unaccented(letter)
        assert len(plain) == 1 and plain in string.ascii_letters, letter
        assert plain.isupper() == letter.isupper(), letter
        assert plain.lower() == fold(letter), letter
    assert unaccented("ĐĂÂÊÔƠƯđăâêôơư") == "DAAEOOUdaaeoou"


def test_vietnamese_letters_that_are_gsm_are_unaccented_too_and_other_gsm_letters_stay():
    assert unaccented("Bà về, Éch ăn") == "Ba ve, Ech an"
    assert unaccented("Muñoz Müller Ærø @ £5 €10 {x} [y] ~ ^ | \\ Ç") == "Muñoz Müller Ærø @ £5 €10 {x} [y] ~ ^ | \\ Ç"


def test_it_replaces_look_alikes_and_drops_the_rest_with_a_report():
    report = unaccented_report("“Sốt” – 38°C…\u00a0giá 50.000₫ — ‘F0’ " + MASK + " gọi ngay 中")
    assert report.text == "\"Sot\" - 38oC... gia 50.000d - 'F0' goi ngay"
    assert report.dropped == (MASK, "中")
    assert dict(report.replaced) == {
        "“": '"',
        "”": '"',
        "–": "-",
        "—": "-",
        "°": "o",
        "‘": "'",
        "’": "'",
        "₫": "d",
        "…": "...",
        "\u00a0": " ",
    }
    assert encode_info(report.text).encoding == GSM7


def test_dropping_leaves_no_double_space_and_invisible_characters_go_unlisted():
    assert unaccented("chào " + MASK + " bạn") == "chao ban"
    assert unaccented(MASK + " Xin chào " + MASK) == "Xin chao"
    assert unaccented("dòng 1 " + MASK + "\ndòng 2") == "dong 1\ndong 2"
    report = unaccented_report("a\u200bb\x00c\td 👨\u200d👩\u200d👧 1\ufe0f\u20e3")
    assert report.text == "abc d 1"
    assert report.dropped == ("👨", "👩", "👧")


def test_eth_from_old_font_conversions_becomes_d():
    assert unaccented("Ðường dây nóng") == "Duong day nong"


# Cost -----------------------------------------------------------------------------------------


def test_cost_is_parts_times_recipients_times_price():
    assert cost(HOTLINE, 1000, 800) == 2 * 1000 * 800
    assert cost(HOTLINE_PLAIN, 1000, 800) == 1 * 1000 * 800
    assert cost("", 1000, 800) == 0
    assert cost(HOTLINE, 0, 800) == 0


def test_cost_refuses_negative_and_fractional_numbers():
    with pytest.raises(ValueError):
        cost("x", -1, 800)
    with pytest.raises(ValueError):
        cost("x", 1, -800)
    with pytest.raises(TypeError):
        cost("x", 1, 800.5)


def test_compare_gives_both_versions_and_the_saving():
    result = compare(HOTLINE, 1000, 800)
    assert result["accented"] == {"text": HOTLINE, "encoding": UCS2, "chars": 94, "parts": 2, "cost": 1_600_000}
    assert result["unaccented"] == {
        "text": HOTLINE_PLAIN,
        "encoding": GSM7,
        "chars": 94,
        "parts": 1,
        "cost": 800_000,
        "dropped": [],
    }
    assert (result["difference"], result["parts_saved"]) == (800_000, 1)


def test_compare_lists_what_the_unaccented_version_drops():
    result = compare("Giữ khoảng cách " + MASK, 10, 500)
    assert result["unaccented"]["text"] == "Giu khoang cach"
    assert result["unaccented"]["dropped"] == [MASK]
    assert result["difference"] == 0


def test_the_saving_can_be_negative_when_look_alikes_lengthen_the_text():
    result = compare("…" * 70, 1, 100)
    assert (result["accented"]["parts"], result["unaccented"]["parts"]) == (1, 2)
    assert result["difference"] == -100


# Carrier and sender rules ---------------------------------------------------------------------

CHECK_TABLE = [
    # (text, sender, advertising, expected problems)
    ("Xin chào", None, False, []),
    ("", None, False, [("empty", {})]),
    ("  \n ", None, False, [("empty", {})]),
    ("a\tb", None, False, [("control_chars", {"chars": ["U+0009"]})]),
    ("a\x00b\fc\x00", None, False, [("control_chars", {"chars": ["U+0000", "U+000C"]})]),
    ("a\u200bb\ufeff", None, False, [("invisible_chars", {"chars": ["U+200B", "U+FEFF"]})]),
    ("Gia đình 👨\u200d👩\u200d👧", None, False, []),
    ("a" * 153 * 10, None, False, []),
    ("a" * (153 * 10 + 1), None, False, [("too_long", {"parts": 11, "max_parts": 10, "encoding": GSM7})]),
    ("ư" * 67 * 8, None, False, []),
    ("ư" * (67 * 8 + 1), None, False, [("too_long", {"parts": 9, "max_parts": 8, "encoding": UCS2})]),
    # Senders.
    ("x", "STTTT KG", False, []),
    ("x", "S.TTTT_KG-1", False, []),
    ("x", "SoTTTTKienGiang", False, [("sender_too_long", {"max": 11, "length": 15})]),
    ("x", "Sở TTTT", False, [("sender_chars", {"chars": ["ở"]})]),
    ("x", "KG@2021", False, [("sender_chars", {"chars": ["@"]})]),
    ("x", "12-34", False, [("sender_no_letter", {})]),
    ("x", "", False, [("sender_empty", {})]),
    ("x", "   ", False, [("sender_empty", {})]),
    ("x", "0927681168", False, []),
    ("x", "+84927681168", False, []),
    ("x", "113", False, []),
    ("x", "12", False, [("sender_number_length", {"min": 3, "max": 15, "length": 2})]),
    ("x", "1234567890123456", False, [("sender_number_length", {"min": 3, "max": 15, "length": 16})]),
    # Advertising (Decree 91/2020/NĐ-CP arts. 13 and 15).
    ("[QC] Giảm giá", "STTTT", True, []),
    ("[AD] Sale", "STTTT", True, []),
    ("  [QC] Giảm giá", "STTTT", True, []),
    ("(QC) Giảm giá", "STTTT", True, []),
    ("QC: Giảm giá", "STTTT", True, []),
    ("QC Giảm giá", "STTTT", True, []),
    ("QC-Giảm giá", "STTTT", True, []),
    ("Giảm giá", "STTTT", True, [("ad_label_missing", {"labels": ["[QC]", "[AD]"]})]),
    ("QCGiảm giá", "STTTT", True, [("ad_label_missing", {"labels": ["[QC]", "[AD]"]})]),
    ("qc: Giảm giá", "STTTT", True, [("ad_label_missing", {"labels": ["[QC]", "[AD]"]})]),
    ("Giảm giá [QC]", "STTTT", True, [("ad_label_missing", {"labels": ["[QC]", "[AD]"]})]),
    ("Giảm giá", "STTTT", False, []),
    ("[QC] Giảm giá", "0927681168", True, [("ad_numeric_sender", {})]),
    ("", None, True, [("empty", {}), ("ad_label_missing", {"labels": ["[QC]", "[AD]"]})]),
    (
        "Giảm\tgiá",
        "Sở TTTT Kiên Giang",
        True,
        [
            ("control_chars", {"chars": ["U+0009"]}),
            ("sender_too_long", {"max": 11, "length": 18}),
            ("sender_chars", {"chars": ["ở", "ê"]}),
            ("ad_label_missing", {"labels": ["[QC]", "[AD]"]}),
        ],
    ),
]


@pytest.mark.parametrize(("text", "sender", "advertising", "expected"), CHECK_TABLE)
def test_the_checker_returns_codes_with_parameters(text, sender, advertising, expected):
    problems = check_message(text, sender, advertising=advertising)
    assert problems == expected
    assert all(isinstance(problem, Problem) for problem in problems)


def test_every_code_in_the_docstring_is_checked_and_no_other():
    documented = set(re.findall(r'^- "([a-z_]+)" \{', sms.__doc__, flags=re.MULTILINE))
    returned = {code for *_, expected in CHECK_TABLE for code, _params in expected}
    assert documented == returned
    assert documented >= WARNINGS


def test_rules_can_follow_a_contract():
    strict = replace(DEFAULT_RULES, max_parts_ucs2=2, sender_max_length=6, sender_punctuation="")
    assert check_message("ư" * 134, rules=strict) == []
    assert check_message("ư" * 135, rules=strict) == [("too_long", {"parts": 3, "max_parts": 2, "encoding": UCS2})]
    assert check_message("x", "STT KG", rules=strict) == [("sender_chars", {"chars": [" "]})]
    assert check_message("x", "STTTTKG", rules=strict) == [("sender_too_long", {"max": 6, "length": 7})]


def test_the_decree_91_sending_window_and_daily_limit():
    assert (QUIET_START, QUIET_END, MAX_PER_DAY) == (7, 22, 3)
    assert not within_sending_hours(time(6, 59, 59))
    assert within_sending_hours(time(7, 0))
    assert within_sending_hours(time(21, 59, 59))
    assert not within_sending_hours(time(22, 0))
    assert within_sending_hours(time(12, 0, tzinfo=UTC))


# Random strings ---------------------------------------------------------------------------------

GSM_ALPHABET = string.ascii_letters + string.digits + " .,:;!?-+()'\"@£$_\n" + "àéèÇñ€{}[]~^|\\"
OTHER = "ăâêôơưđạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹĐƯƠ“”‘’–—…\u00a0₫°中\u200b\u0301\t"
EMOJI = "😷🚑👍🦠"


def random_text(rng: random.Random) -> str:
    """Half GSM text (some of it full of escapes), half Vietnamese with emoji, combining marks
    and punctuation from word processors; up to 5 or 6 parts long."""
    length = rng.choice([rng.randint(0, 20), rng.randint(60, 80), rng.randint(140, 170), rng.randint(150, 800)])
    mode = rng.random()
    if mode < 0.35:
        return "".join(rng.choice(GSM_ALPHABET) for _ in range(length))
    if mode < 0.5:  # many escapes, so that some fall on a part's last septet
        return "".join(rng.choice("a€{") for _ in range(length))
    alphabet = GSM_ALPHABET + OTHER * 2 + EMOJI
    return "".join(rng.choice(alphabet) for _ in range(length))


def random_texts(seed: int, count: int) -> list[str]:
    rng = random.Random(seed)  # noqa: S311 (test data, not secrets)
    return [random_text(rng) for _ in range(count)]


@pytest.mark.parametrize("seed", range(5))
def test_parts_counts_and_remaining_agree_on_random_text(seed):
    for text in random_texts(seed, 200):
        info = encode_info(text)
        parts = split(text)
        single, per_part = SEGMENT_LIMITS[info.encoding]
        assert len(parts) == info.segments
        assert "".join(parts) == unicodedata.normalize("NFC", text)
        sizes = [units(part, info.encoding) for part in parts]
        assert sum(sizes) == info.chars
        if info.segments <= 1:
            assert info.chars <= single
            assert info.remaining == single - info.chars
            continue
        assert info.chars > single
        assert all(0 < size <= per_part for size in sizes)
        # Filled in order: the next part's first character did not fit in the one before.
        for size, following in zip(sizes, parts[1:], strict=False):
            assert size + units(following[0], info.encoding) > per_part
        assert info.remaining == per_part - sizes[-1]


@pytest.mark.parametrize("seed", range(5))
def test_the_unaccented_version_is_gsm_and_stable_on_random_text(seed):
    for text in random_texts(seed, 200):
        plain = unaccented(text)
        assert encode_info(plain).encoding == GSM7
        assert unaccented(plain) == plain
        assert not set(plain) & set(VIETNAMESE_LETTERS)


@pytest.mark.parametrize("seed", range(3))
def test_the_unaccented_version_agrees_with_fold_on_random_words(seed):
    rng = random.Random(seed)  # noqa: S311 (test data, not secrets)
    letters = all_vietnamese_letters() + list(string.ascii_letters)
    for _ in range(200):
        words = ["".join(rng.choice(letters) for _ in range(rng.randint(1, 7))) for _ in range(rng.randint(1, 12))]
        text = " ".join(words)
        assert unaccented(text).casefold() == fold(text)
        assert unaccented(unicodedata.normalize("NFD", text)) == unaccented(text)


def test_gsm_text_is_left_as_it_is():
    for text in random_texts(99, 200):
        if encode_info(text).encoding == GSM7 and not set(text) & set(VIETNAMESE_LETTERS):
            assert unaccented(text) == text
