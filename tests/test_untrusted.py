"""research/untrusted.py: the guards every importer reads files from outside through."""

from __future__ import annotations

import io
import math
import random
import zipfile

import pandas as pd
import pytest

from research import untrusted
from research.errors import UserError
from research.untrusted import Decoded, Refused

# -- decoding -------------------------------------------------------------------------------------


@pytest.mark.parametrize("data, expected", [
    (b"caf\xc3\xa9", Decoded("café", "utf-8")),
    (b"\xef\xbb\xbfcaf\xc3\xa9", Decoded("café", "utf-8")),
    (b"\xff\xfec\x00a\x00f\x00\xe9\x00", Decoded("café", "utf-16")),
    (b"\xfe\xff\x00c\x00a\x00f\x00\xe9", Decoded("café", "utf-16")),
    (b"\xff\xfe\x00\x00c\x00\x00\x00\xe9\x00\x00\x00", Decoded("cé", "utf-32")),
    (b"\x00\x00\xfe\xff\x00\x00\x00c\x00\x00\x00\xe9", Decoded("cé", "utf-32")),
    # No BOM and no valid UTF-8: Windows-1252 (the euro sign and curly quotes are its own).
    (b"caf\xe9 \x80 \x91ja\x92", Decoded("café € ‘ja’", "cp1252", legacy=True)),
    # 0x81 is undefined in Windows-1252: replaced, and where.
    (b"ab\x81c", Decoded("ab\ufffdc", "cp1252", legacy=True, replaced=True, first_bad=2)),
    # Damaged UTF-8 after a UTF-8 BOM stays UTF-8, replaced (no guess at Windows-1252).
    (b"\xef\xbb\xbfa\xffb", Decoded("a\ufffdb", "utf-8", replaced=True, first_bad=4)),
    # A UTF-16 BOM and a lone high surrogate at the end.
    (b"\xff\xfeh\x00i\x00\x00\xd8", Decoded("hi\ufffd", "utf-16", replaced=True, first_bad=6)),
    # Starts like UTF-32 but is not: UTF-16 with U+0000 first.
    (b"\xff\xfe\x00\x00h\x00", Decoded("\x00h", "utf-16")),
    (b"", Decoded("", "utf-8")),
])
def test_decode(data, expected):
    assert untrusted.decode(data) == expected


def test_utf16_without_bom_is_read_as_utf8_with_nuls():
    assert untrusted.decode("hi".encode("utf-16-le")) == Decoded("h\x00i\x00", "utf-8")


@pytest.mark.parametrize("sample, share, expected", [
    ("gewone tekst\n\tmet tab", 0.10, False),
    ("a\x00b", 0.10, True),
    (b"a\x00b", 0.10, True),
    ("\x01" + "a" * 9, 0.10, False),       # 10%: not more than the share
    ("\x01" + "a" * 8, 0.10, True),        # 11%
    ("\x01" + "a" * 99, 0.01, False),
    ("\x01\x0b" + "a" * 98, 0.01, True),   # a vertical tab counts, a form feed does not
    ("\x0c\r\n" + "a" * 97, 0.01, False),
    (b"\x01\x02\x03abc", 0.10, True),
    ("", 0.10, False),
])
def test_looks_binary(sample, share, expected):
    assert untrusted.looks_binary(sample, share) is expected


def test_clean_controls():
    assert untrusted.clean_controls("a\r\nb\rc\fd\ve\x01f\x7fg\x85h\ti\u200fj") == (
        "a\nb\nc\nd\nef" + "gh\ti\u200fj", 3)


# -- zips -----------------------------------------------------------------------------------------

def make_zip(members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    stream = io.BytesIO()
    with zipfile.ZipFile(stream, "w", method) as archive:
        for name, data in members.items():
            archive.writestr(zipfile.ZipInfo(name), data, compress_type=method)
    return stream.getvalue()


def check(data: bytes, **options) -> dict[str, str]:
    with untrusted.open_zip(data) as archive:
        return untrusted.check_zip(archive, **options)


def refusal(data: bytes, **options) -> tuple[str, str]:
    with pytest.raises(Refused) as caught:
        check(data, **options)
    return caught.value.reason, caught.value.member


def test_refused_is_a_user_error_with_a_dutch_message():
    with pytest.raises(UserError) as caught:
        untrusted.open_zip(b"geen zip")
    assert (caught.value.reason, caught.value.message) == (
        "not_zip", "Het bestand is geen geldig zip-bestand.")


def test_a_sound_zip_maps_its_names():
    data = make_zip({"word/document.xml": b"<w/>", "sources\\a.txt": b"tekst"})
    assert check(data, required=("word/document.xml",), check_names=True) == {
        "word/document.xml": "word/document.xml", "sources/a.txt": "sources\\a.txt"}


@pytest.mark.parametrize("name", ["../x", "a/../../x", "/etc/passwd", "\\x", "..\\x", "C:x",
                                  "c:/windows/x"])
def test_unsafe_member_names(name):
    assert untrusted.unsafe_name(name) is True
    assert refusal(make_zip({name: b"x"}), check_names=True) == ("unsafe_name", name)
    assert check(make_zip({name: b"x"})) == {name.replace("\\", "/"): name}


@pytest.mark.parametrize("name", ["a/b.txt", "a..b", "..a", "sources/x..txt"])
def test_safe_member_names(name):
    assert untrusted.unsafe_name(name) is False


def test_a_nul_in_a_name_is_unsafe():
    # zipfile itself cuts a stored name at its NUL; the check is for names from elsewhere.
    assert untrusted.unsafe_name("a\0b") is True


def test_a_required_member_missing():
    assert refusal(make_zip({"a.xml": b"<a/>"}), required=("xl/workbook.xml",)) == (
        "missing", "xl/workbook.xml")


def test_a_zip_bomb_is_refused_by_its_ratio():
    zeros = b"\0" * 2_000_000          # deflates about 1000:1
    data = make_zip({"ok.xml": b"<a/>", "bomb.bin": zeros})
    assert refusal(data, ratio_from=1_000_000) == ("ratio", "bomb.bin")
    # Below the size from which the ratio counts, the same member is harmless.
    assert set(check(data, ratio_from=2_100_000)) == {"ok.xml", "bomb.bin"}
    # Stored (ratio 1): never a bomb.
    assert set(check(make_zip({"big.bin": zeros}, zipfile.ZIP_STORED), ratio_from=1000)) == {
        "big.bin"}


def test_many_small_members_are_a_zip_bomb_together():
    data = make_zip({f"{n}.bin": b"\0" * 600_000 for n in range(4)})
    with pytest.raises(Refused) as caught:
        check(data, ratio_from=1_000_000)
    assert (caught.value.reason, caught.value.member, caught.value.unpacked) == (
        "ratio", "", 2_400_000)
    assert len(check(data, ratio_from=2_400_000)) == 4


def test_the_ratio_limit_and_its_default_size(monkeypatch):
    assert (untrusted.MAX_RATIO, untrusted.RATIO_CHECK_BYTES) == (100, 10 * 1024 * 1024)
    monkeypatch.setattr(untrusted, "RATIO_CHECK_BYTES", 1000)
    assert refusal(make_zip({"bomb.bin": b"\0" * 200_000})) == ("ratio", "bomb.bin")


def test_too_large_unpacked():
    data = make_zip({"a.bin": b"a" * 600, "b.bin": b"b" * 600})
    with pytest.raises(Refused) as caught:
        check(data, max_unpacked=1000)
    assert (caught.value.reason, caught.value.unpacked) == ("unpacked", 1200)
    assert caught.value.message == "Het bestand is uitgepakt groter dan 0 MB."
    assert set(check(data, max_unpacked=1200)) == {"a.bin", "b.bin"}
    assert untrusted.MAX_UNPACKED_BYTES == 500 * 1024 * 1024
    assert untrusted.MAX_UNPACKED_DOCUMENT == 200 * 1024 * 1024


def test_too_many_members(monkeypatch):
    monkeypatch.setattr(untrusted, "MAX_MEMBERS", 2)
    assert refusal(make_zip({"a": b"", "b": b"", "c": b""})) == ("members", "")
    assert set(check(make_zip({"a": b"", "b": b""}))) == {"a", "b"}


@pytest.mark.parametrize("xml", [
    b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "x">]><x>&e;</x>',
    '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE x SYSTEM "http://x/"><x/>'.encode("utf-16"),
    "<!DOCTYPE x><x/>".encode("utf-16-be"),
])
def test_a_dtd_in_a_member_is_refused(xml):
    data = make_zip({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": xml})
    assert refusal(data, dtd_suffixes=(".xml",)) == ("dtd", "xl/workbook.xml")
    assert set(check(data, dtd_suffixes=(".rels",))) == {"[Content_Types].xml",
                                                          "xl/workbook.xml"}


def test_a_damaged_member_is_refused_when_read():
    noise = random.Random(1).randbytes(5000)   # does not deflate: the data is 5000 bytes long
    data = bytearray(make_zip({"a.xml": b"<a>" + noise + b"</a>"}))
    data[1000:1020] = b"\xff" * 20       # inside the deflated data
    assert refusal(bytes(data), dtd_suffixes=(".xml",))[0] == "damaged"


# -- XML ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("xml, expected", [
    (b"<x>geen</x>", False),
    (b"<!DOCTYPE x><x/>", True),
    ("<!DOCTYPE x><x/>".encode("utf-16"), True),
    ("<!DOCTYPE x><x/>".encode("utf-16-be"), True),
    (b"<x><!-- DOCTYPE --></x>", False),
    (b"a" * 1000 + b"<!DOCTYPE x>", True),
])
def test_declares_dtd(xml, expected):
    assert untrusted.declares_dtd(xml) is expected
    assert untrusted.declares_dtd(io.BytesIO(xml), chunk=7) is expected   # across pieces


def test_parse_xml():
    assert untrusted.parse_xml(b"<x a='1'><y/></x>").attrib == {"a": "1"}
    with pytest.raises(Refused) as caught:
        untrusted.parse_xml(b'<!DOCTYPE x [<!ENTITY e "x">]><x>&e;</x>')
    assert caught.value.reason == "dtd"
    with pytest.raises(Refused) as caught:
        untrusted.parse_xml(b"<x>\n<y>\n</x>")
    assert (caught.value.reason, caught.value.line) == ("xml", 3)


# -- CSV ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("a;b;c\n1;2;3\n", ";"),
    ("a,b,c\n1,2,3\n", ","),
    ("a\tb\tc\n1\t2\t3\n", "\t"),
    # A Dutch file with decimal commas: ';' splits every row the same way, ',' does not.
    ("naam;cijfer\nA;7,5\nB;8\nC;6,5\n", ";"),
    # Commas in a quoted header do not win over the delimiter.
    ('"a, b";c\n1;2\n', ";"),
    # More fields win when both split every row the same way.
    ("a,b;c,d\n1,2;3,4\n", ","),
    ("a;b\r2;3\r", ";"),
    ("één kolom\nx\n", ";"),
    ("a;b een\nx;y\n", ";"),
    ("", ";"),
])
def test_sniff_delimiter(text, expected):
    assert untrusted.sniff_delimiter(text) == expected


def test_a_one_column_file_gets_a_delimiter_it_does_not_contain():
    assert untrusted.sniff_delimiter('"a;b"\n"c;d"\n') == "\t"   # ';' splits nothing here
    assert untrusted.sniff_delimiter("x\ny\n") == ";"


# -- numbers --------------------------------------------------------------------------------------

NUMBERS = [
    # text, with decimal_comma=False, with decimal_comma=True
    ("7,6", 7.6, 7.6),
    ("7.6", 7.6, 7.6),
    ("1.234,5", 1234.5, 1234.5),
    ("1,234.5", 1234.5, 1234.5),
    ("1.234", 1.234, 1234.0),
    ("12.345.678", None, 12345678.0),
    ("12%", 12.0, 12.0),
    ("12,5 %", 12.5, 12.5),
    ("1\u00a0234", 1234.0, 1234.0),
    ("1\u202f234,5", 1234.5, 1234.5),
    (" -3 ", -3.0, -3.0),
    ("+2", 2.0, 2.0),
    ("1e3", 1000.0, 1000.0),
    (".5", 0.5, 0.5),
    ("", math.nan, math.nan),
    ("  ", math.nan, math.nan),
    ("%", math.nan, math.nan),
    ("inf", None, None),
    ("nan", None, None),
    ("1_000", None, None),
    ("abc", None, None),
    ("1,2,3", None, None),
    ("0x10", None, None),
]


def same(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or a == b


@pytest.mark.parametrize("text, plain, comma", NUMBERS)
def test_parse_number(text, plain, comma):
    for decimal_comma, expected in ((False, plain), (True, comma)):
        if expected is None:
            with pytest.raises(ValueError):
                untrusted.parse_number(text, decimal_comma)
        else:
            assert same(untrusted.parse_number(text, decimal_comma), expected)


def test_parse_number_of_values_that_are_numbers_already():
    import numpy as np
    assert untrusted.parse_number(3) == 3.0
    assert untrusted.parse_number(np.int64(4)) == 4.0
    assert untrusted.parse_number(np.float32(0.5)) == 0.5
    assert math.isnan(untrusted.parse_number(None))
    assert math.isnan(untrusted.parse_number(float("nan")))
    with pytest.raises(ValueError):
        untrusted.parse_number(True)


@pytest.mark.parametrize("decimal_comma", [False, True])
def test_parse_numbers_agrees_with_parse_number(decimal_comma):
    texts = pd.Series([text for text, _, _ in NUMBERS] + [None])
    expected = [(comma if decimal_comma else plain) for _, plain, comma in NUMBERS] + [math.nan]
    got = untrusted.parse_numbers(texts, decimal_comma).tolist()
    assert [same(g, math.nan if e is None else e) for g, e in zip(got, expected, strict=True)] == \
        [True] * len(expected)
