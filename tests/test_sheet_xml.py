"""sheet_xml: long lists' rows as sheet XML, deflated in pieces and put into an xlsx package."""

from __future__ import annotations

import random
import zipfile
import zlib

import openpyxl
import pytest

from reporting.safe_xlsx import CUT_MARKER, TextCutWarning, fit_text, new_workbook
from reporting.sheet_xml import Deflater, SheetRows, Spliced, clean_text, crc32_combine, inline_text, write_package

PIECES = ["a", "中", " ", "\u3000", "\t", "\n", "\r", "\x01", "\x0b", "\x1f", "&", "<", ">", '"', "'", "_x0041_",
          "_x", "_x00", "<r>", "</r>", "]]>", "\U0001F600"]


def test_crc32_of_joined_pieces():
    generator = random.Random(17)
    for _ in range(200):
        a = generator.randbytes(generator.randrange(0, 300))
        b = generator.randbytes(generator.randrange(0, 3000))
        assert crc32_combine(zlib.crc32(a), zlib.crc32(b), len(b)) == zlib.crc32(a + b)


def test_text_cells_are_escaped_as_the_whole_way_escapes_them():
    """The short way for plain text gives what clean_text → fit_text → inline_text gives for any text."""
    generator = random.Random(3)
    texts = ["".join(generator.choices(PIECES, k=generator.randrange(1, 8))) for _ in range(3000)]
    rows = SheetRows("表", [7], [False])
    for text in texts:
        whole = f'" s="7" t="inlineStr">{inline_text(fit_text(clean_text(text), "表", 0, 0))}</c>'.encode()
        assert rows._text(text, 0, 0) == whole, repr(text)


def _written(rows: SheetRows, values: list[list], tmp_path, first: int = 1) -> bytes:
    out = Deflater(tmp_path / "rows")
    rows.write(out, first, values)
    segment = out.close()
    data = (tmp_path / "rows").read_bytes()
    unpacked = zlib.decompressobj(-15).decompress(data)
    assert (segment.size, segment.crc, segment.packed) == (len(unpacked), zlib.crc32(unpacked), len(data))
    return unpacked


def test_rows_blank_cells_numbers_and_repeated_texts(tmp_path):
    rows = SheetRows("表", [3, 4], [False, True])
    xml = _written(rows, [["甲", 60.5], ["", None], ["甲", "六十"], [1, 100]], tmp_path)
    assert xml == (b'<row r="2"><c r="A2" s="3" t="inlineStr"><is><t>\xe7\x94\xb2</t></is></c>'
                   b'<c r="B2" s="4"><v>60.5</v></c></row>'
                   b'<row r="4"><c r="A4" s="3" t="inlineStr"><is><t>\xe7\x94\xb2</t></is></c>'
                   b'<c r="B4" s="4" t="inlineStr"><is><t>\xe5\x85\xad\xe5\x8d\x81</t></is></c></row>'
                   b'<row r="5"><c r="A5" s="3" t="inlineStr"><is><t>1</t></is></c>'
                   b'<c r="B5" s="4"><v>100</v></c></row>')
    assert (rows.count, rows.last_row) == (4, 4)


def test_a_long_text_is_cut_and_reported_each_time(tmp_path):
    rows = SheetRows("任务明细", [0], [False])
    with pytest.warns(TextCutWarning) as caught:
        xml = _written(rows, [["问" * 40000], ["问" * 40000]], tmp_path)
    assert [str(w.message)[:12] for w in caught] == ["「任务明细」A2 的文字", "「任务明细」A3 的文字"]
    assert xml.count(CUT_MARKER.encode()) == 2


def test_package_with_rows_put_in_reads_back(tmp_path):
    """A sheet's rows deflated in two pieces elsewhere, put into the package xlsxwriter wrote: a valid zip, the
    rows after the header, the dimension widened to them."""
    draft = tmp_path / "draft.xlsx"
    book = new_workbook(draft, {"constant_memory": True})
    book.add_worksheet("首页").write_string(0, 0, "首页")
    sheet = book.add_worksheet("明细")
    sheet.write_string(0, 0, "单位")
    sheet.write_string(0, 1, "进度")
    book.close()
    columns = SheetRows("明细", [0, 0], [False, True])
    first, second = Deflater(tmp_path / "1"), Deflater(tmp_path / "2")
    columns.write(first, 1, [[f"单位{n}", n] for n in range(1, 3001)])
    columns.write(second, 3001, [["末 & <单位>", 0.5]])
    path = tmp_path / "book.xlsx"
    write_package(draft, path, {"xl/worksheets/sheet2.xml": Spliced([first.close(), second.close()], 3001)})
    with zipfile.ZipFile(path) as package, zipfile.ZipFile(draft) as source:
        assert package.testzip() is None
        assert package.namelist() == source.namelist()
        assert b'<dimension ref="A1:B3002"/>' in package.read("xl/worksheets/sheet2.xml")
    rows = list(openpyxl.load_workbook(path)["明细"].iter_rows(values_only=True))
    assert rows[0] == ("单位", "进度") and rows[1] == ("单位1", 1) and rows[-1] == ("末 & <单位>", 0.5)
    assert len(rows) == 3002
