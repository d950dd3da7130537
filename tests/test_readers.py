"""Readers: detection by content, zip names from Chinese Windows, and real clients (LibreOffice) writing
returns that read back with the same values as openpyxl's."""

from __future__ import annotations

import io
import zipfile

import openpyxl
import pytest
from returns import ROUND, done, ongoing, record_round, write_return

from reporting import readers
from reporting.collect import collect_inbox
from reporting.errors import ReturnError
from reporting.readers import archive, ods, xls, xlsx
from reporting.readers.returned_workbook import read_return
from reporting.store import connect


def test_detect_by_content():
    assert archive.detect(b"PK\x03\x04....") and xls.detect(xls.MAGIC + b"..")
    assert not xls.detect(b"PK\x03\x04") and not archive.detect(b"%PDF")
    assert ods.detect(b"PK\x03\x04" + b"\0" * 26 + b"mimetype" + ods.MIMETYPE.encode())


def test_gbk_names_without_utf8_flag_are_decoded(tmp_path):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("placeholder-name-xxxxx.txt", b"x")
    data = out.getvalue().replace(b"placeholder-name-xxxxx.txt", "财政局佐证材料说明文件.txt".encode("gbk")[:26])
    with archive.Spool(tmp_path) as spool:
        members, _ = archive.unpack(data, "a.zip", spool)
        assert members[0].name.startswith("财政局佐证材料说明文件") and members[0].read() == b"x"
    assert list(tmp_path.iterdir()) == []  # the spool is a file without a name, gone once closed


def test_read_return_finds_everything(tmp_path):
    path = write_return(tmp_path / "x.xlsx", "县财政局", {"1": done(), "2": ongoing()},
                        liaison={"联络员": "张三"})
    data = path.read_bytes()
    book = readers.open_workbook(data, "x.xlsx", readers.sniff(data, "x.xlsx"))
    found = read_return(book)
    assert found.properties["reporting_unit"] == "县财政局" and found.meta["轮次"] == ROUND
    assert found.task_ids == ["1", "2", "3"] and set(found.meta_tasks) == {"1", "2", "3"}
    assert found.liaison == {"单位名称": "县财政局", "联络员": "张三"}
    assert found.rows[0].values["完成状态"] == "已完成" and found.rows[2].empty


def test_every_format_comes_from_the_registry(tmp_path):
    assert readers.WORKBOOK_FORMATS == ("xlsx", "xlsm", "ods", "xls")
    assert {fmt for reader in readers.READERS for fmt in reader.formats} == set(readers.WORKBOOK_FORMATS)
    data = write_return(tmp_path / "x.xlsx", "县财政局", {"1": done()}).read_bytes()
    assert [reader.identify(data, "x.xlsx") for reader in readers.READERS] == ["xlsx", None, None]


def test_a_new_format_is_one_reader_in_the_registry(monkeypatch, tmp_path):
    """What adding a format takes: a Reader (identify by content, read into a Book) listed in READERS."""
    from reporting.readers.base import Reader

    def identify(data: bytes, name: str) -> str | None:
        return "fake" if data.startswith(b"FAKEBOOK") else None

    real = write_return(tmp_path / "x.xlsx", "县财政局", {"1": done()}).read_bytes()
    fake = Reader(("fake",), identify, lambda data, name, fmt: xlsx.read(real, name))
    monkeypatch.setattr(readers, "READERS", (*readers.READERS, fake))
    assert readers.sniff(b"FAKEBOOK...", "台账.fake") == "fake"
    book = readers.open_workbook(b"FAKEBOOK...", "台账.fake", "fake")
    assert read_return(book).properties["reporting_unit"] == "县财政局"
    with pytest.raises(ReturnError, match="无法识别的文件格式"):
        readers.sniff(b"\x00NOTFAKE", "台账.fake")  # binary: text would be told as text


def test_sniff_refuses_with_a_message():
    with pytest.raises(ReturnError, match="文件为空"):
        readers.sniff(b"", "a.xlsx")
    assert xlsx.is_package({"[Content_Types].xml", "xl/workbook.xml"})


def _libreoffice_round_trip(ws, tmp_path, fmt: str):
    office = pytest.importorskip("office", reason="tests/office.py")
    source = write_return(tmp_path / "发出的台账.xlsx", "县财政局", {})
    sheet = openpyxl.load_workbook(source)["工作台账"]
    header = {cell.value: cell.column_letter for cell in sheet[2]}
    rows = {sheet[f"B{r}"].value: r for r in range(3, sheet.max_row + 1)}
    typed = {"1": done(**{"完成进度(%)": 100}), "2": ongoing(**{"完成进度(%)": "８０％"}),
             "3": {"完成状态": "未开始", "存在问题": "人员不足"}}
    cells = {f"{header[col]}{rows[task]}": value for task, values in typed.items() for col, value in values.items()}
    by_lo = tmp_path / f"libreoffice.{fmt}"
    office.fill_with_libreoffice(source, by_lo, cells)
    by_openpyxl = tmp_path / "openpyxl.xlsx"
    book = openpyxl.load_workbook(source)
    for ref, value in cells.items():
        book["工作台账"][ref] = value
    book.save(by_openpyxl)
    return by_lo, by_openpyxl


def _answers(ws, name: str) -> list[tuple]:
    conn = connect(ws.db_path)
    rows = conn.execute(
        "SELECT a.task_id, a.accepted, a.status, a.progress, a.measures, a.evidence, a.problems FROM answers a "
        "JOIN submissions s ON s.id = a.submission_id JOIN files f ON f.hash = s.file_hash WHERE f.name = ? "
        "ORDER BY a.task_id", (name,)).fetchall()
    return [tuple(r) for r in rows]


@pytest.mark.parametrize("fmt", ["xlsx", "xls", "ods"])
def test_libreoffice_returns_read_like_openpyxl_ones(ws, tmp_path, soffice, fmt):
    record_round(ws)
    by_lo, by_openpyxl = _libreoffice_round_trip(ws, tmp_path, fmt)
    (ws.inbox / f"lo.{fmt}").write_bytes(by_lo.read_bytes())
    result = collect_inbox(ws, receipts=False)
    ret = result.returns[0]
    assert (ret.unit, ret.recognized_by) == ("县财政局", "文档属性" if fmt != "xls" else "识别信息表")
    (ws.inbox / "op.xlsx").write_bytes(by_openpyxl.read_bytes())
    collect_inbox(ws, receipts=False)
    from_lo, from_openpyxl = _answers(ws, f"lo.{fmt}"), _answers(ws, "op.xlsx")
    assert from_lo == from_openpyxl
    assert from_lo[1][2:4] == ("推进中", 80.0)


@pytest.mark.parametrize("prolog", [
    b'<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY a "b">]>',
    b"\xef\xbb\xbf<!-- " + b"padding " * 2000 + b"--><!DOCTYPE x [<!ENTITY a 'b'>]>",  # past the first read
    b"<!-- <root> looks like an element --><?pi x?>\n<!DOCTYPE x>",
])
def test_a_doctype_anywhere_in_the_prolog_is_refused(prolog):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/big.xml", b"<root>" + b"<row/>" * 5000 + b"</root>")
        zf.writestr("xl/sharedStrings.xml", prolog + b"<sst><si><t>&a;</t></si></sst>")
    with pytest.raises(ReturnError) as caught:
        archive.refuse_doctype(zipfile.ZipFile(io.BytesIO(out.getvalue())), "a.xlsx")
    assert caught.value.message == archive.UNSAFE_XML


def test_the_doctype_check_reads_prologs_and_keeps_small_parts_whole():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/worksheets/sheet1.xml", b'<?xml version="1.0"?><worksheet>' + b"<row/>" * 20000
                    + b"<!DOCTYPE is text here, after the root>" + b"</worksheet>")
        zf.writestr("xl/workbook.xml", b"<workbook/>")
    whole = archive.refuse_doctype(zipfile.ZipFile(io.BytesIO(out.getvalue())), "a.xlsx")
    assert whole == {"xl/workbook.xml": b"<workbook/>"}


def _string_book(cells: str) -> bytes:
    """A hand-made .xlsx: one sheet 「S」, a shared-string table of two strings."""
    ns = 'xmlns="http://schemas.openxmlformats.org/'
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("[Content_Types].xml", f'<Types {ns}package/2006/content-types"><Default Extension="rels" '
                   'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                   '<Default Extension="xml" ContentType="application/xml"/></Types>')
        z.writestr("_rels/.rels", f'<Relationships {ns}package/2006/relationships"><Relationship Id="rId1" '
                   f'Type="{rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>')
        z.writestr("xl/workbook.xml", f'<workbook {ns}spreadsheetml/2006/main" xmlns:r="{rel}"><sheets>'
                   '<sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>')
        z.writestr("xl/_rels/workbook.xml.rels", f'<Relationships {ns}package/2006/relationships">'
                   f'<Relationship Id="rId1" Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/>'
                   f'<Relationship Id="rId2" Type="{rel}/sharedStrings" Target="sharedStrings.xml"/></Relationships>')
        z.writestr("xl/sharedStrings.xml", f'<sst {ns}spreadsheetml/2006/main" count="2" uniqueCount="2">'
                   "<si><t>第一</t></si><si><t>第二</t></si></sst>")
        z.writestr("xl/worksheets/sheet1.xml", f'<worksheet {ns}spreadsheetml/2006/main"><sheetData>'
                   f"{cells}</sheetData></worksheet>")
    return out.getvalue()


@pytest.mark.parametrize("value", ["abc", "2", "-1", "1.0"])
def test_shared_string_cell_with_a_bad_index_names_the_cell(value):
    good = _string_book('<row r="1"><c r="A1" t="s"><v>1</v></c><c r="B1" t="s"><v></v></c></row>')
    assert xlsx.read(good, "x.xlsx").sheet("S").value(0, 0) == "第二"
    bad = _string_book(f'<row r="3"><c r="A3" t="s"><v>1</v></c><c s="2" r="C3" t="s"><v>{value}</v></c></row>')
    with pytest.raises(ReturnError) as caught:
        xlsx.read(bad, "x.xlsx").sheet("S")
    assert caught.value.code == "cell.string_index" and caught.value.sheet == "S" and caught.value.cell == "C3"


@pytest.mark.parametrize(("cells", "usual"), [
    ('<c r="A1" t="s"><v>1</v></c><c r="B1" s="3" t="s"><v>0</v></c>', True),
    ('<c r="A1" t="s"><v></v></c><c r="B1"><v>2.5</v></c>', True),
    ('<c r="A1" t="s"><v>0001</v></c>', True),
    ('<c r="A1" t="s"><v>2</v></c>', True),  # past the table: calamine refuses the sheet, then the scan names it
    ('<c r="A1" t="s"><v>000000000001</v></c>', False),
    ('<c r="A1" t="s"><v> 1</v></c>', False),
    ("<c r='A1' t='s'><v>1</v></c>", False),
    ('<c r="A1" t = "s"><v>1</v></c>', False),
    ('<c r="A1"\tt="s"><v>1</v></c>', False),
    ('<x:c r="A1" t="s"><x:v>1</x:v></x:c>', False),
    ('<c r="A1" t="s"><v>1</v></c><c r="B1" t="str"><v>"s"</v></c>', False),
    ('<c r="A1" t="s"><v>00000000001</v></c>', True),  # 11 digits: still a number calamine reads
    ('<c r="A1" t="s"><v>1a</v></c>', False),
    ('<c r="A1" t="s"><v>1</v></c><c r="B1" t="s"><v>1</v ></c>', False),
    ('<c r="A1" t="s"><v>1</v></c><c r="B1" t="s"><v>x</v></c><c r="C1" t="s"><v>1</v></c>', False),
])
def test_usual_shared_string_cells_are_checked_without_the_full_scan(cells, usual):
    """The quick check of shared-string indexes says "fine" only for cells written the usual way with indexes
    calamine reads as numbers; anything else goes to the full scan (which names the cell). An index past the
    table is refused by calamine, and the same scan then names the cell."""
    book = xlsx.read(_string_book(f'<row r="1">{cells}</row>'), "x.xlsx")
    assert book._string_cells_fine(book._sheet_xml("S"), book._folded("S")) is usual
    assert book._string_count() == 2


def test_quick_shared_string_check_agrees_with_matching_every_cell():
    """The quick check (two counts and one search) says what matching every usual cell and comparing the count
    and the longest index says, on many mixes of cells written the usual way and not."""
    import itertools
    import re

    def by_every_cell(xml: bytes, folded: bytes) -> bool:
        values = re.findall(rb' t="s"><v>(\d*)</v>', xml)
        return len(values) == folded.count(b'"s"') and max(map(len, values), default=0) < 12

    kinds = ['<c r="A1" t="s"><v>12</v></c>', '<c r="A1" t="s"><v></v></c>', '<c r="A1" t="s"><v>123456789012</v></c>',
             '<c r="A1" t="s"><v>1x</v></c>', "<c r='A1' t='s'><v>1</v></c>", '<c r="A1"><v>3</v></c>',
             '<c r="A1" t="str"><v>"s"</v></c>', '<c r="A1" t="s"><v>1</x></c>',
             '<c r="A1" t="s"><v>00000000009</v></c>']
    seen = set()
    for mix in itertools.product(kinds, repeat=3):
        xml = f"<worksheet><sheetData><row>{''.join(mix)}</row></sheetData></worksheet>".encode()
        quick = xlsx.XlsxBook._string_cells_fine(xlsx.XlsxBook.__new__(xlsx.XlsxBook), xml, xml.translate(xlsx._FOLD))
        assert quick is by_every_cell(xml, xml.translate(xlsx._FOLD)), mix
        seen.add(quick)
    assert seen == {True, False}


def test_shared_string_index_past_the_table_written_the_usual_way_names_the_cell():
    book = xlsx.read(_string_book('<row r="4"><c r="A4" t="s"><v>1</v></c><c r="B4" t="s"><v>2</v></c></row>'),
                     "x.xlsx")
    assert book._string_cells_fine(book._sheet_xml("S"), book._folded("S"))
    with pytest.raises(ReturnError) as caught:
        book.sheet("S")
    assert caught.value.code == "cell.string_index" and caught.value.cell == "B4"


@pytest.mark.parametrize(("cells", "far"), [
    ('<row r="1"><c r="A1" s="1" t="s"><v>1</v></c><c r="Z9999"><v>2</v></c></row>', False),
    ('<row r="1"><c r="AA1"><v>1</v></c></row>', True),
    ("<row r='1'><c r='AB1'><v>1</v></c></row>", True),
    ('<row r="10000"><c r="A10000"><v>1</v></c></row>', True),
    ('<row r="1"><c><v>1</v></c></row>', True),
    ('<row r="1"><c/></row>', True),
    ('<row r ="1"><c r="A1"/></row>', True),
    ('<row r= "1"><c r="A1"/></row>', True),
    ("<row r= '1'><c r='A1'/></row>", True),
])
def test_a_sheet_that_may_reach_far_is_sent_to_the_full_scan(cells, far):
    assert xlsx.may_reach_far(f"<worksheet><sheetData>{cells}</sheetData></worksheet>".encode()) is far


@pytest.mark.parametrize(("cells", "formula"), [
    ('<c r="A1"><v>1</v></c>', False),
    ('<c r="A1"><f>B1*2</f><v>2</v></c>', True),
    ('<c r="A1"><f t="shared" ref="A1:A3" si="0"/><v>2</v></c>', True),
    ('<c r="A1"><x:f>B1</x:f><v>2</v></c>', True),
    ('<c r="A1"><f\n>B1</f><v>2</v></c>', True),
    ('<c r="A1"><v>1</v></c></row></sheetData><dataValidations><dataValidation><formula1>0</formula1>', False),
    ('<c r="A1"><f>B1</f><v>2</v></c></row></sheetData><dataValidations><dataValidation><formula1>0</formula1>', True),
    ('<c r="A1"><v>1</v></c></row></sheetData><f', False),
    ('<c r="A1"><f>B1</f><v>2</v></c><c r="B1" t="inlineStr"><is><t>' + "f<f" * 300 + "</t></is></c>", True),
    ('<c r="B1" t="inlineStr"><is><t>' + "f<f" * 300 + '</t></is></c><c r="C1"><f>B1</f><v>2</v></c>', True),
    ('<c r="B1" t="inlineStr"><is><t>' + "<fa" * 600 + "</t></is></c>", False),
])
def test_formulas_are_looked_for_in_the_folded_sheet(cells, formula):
    folded = f'<worksheet><sheetData><row r="1">{cells}</row></sheetData></worksheet>'.encode().translate(xlsx._FOLD)
    assert xlsx._has_formula_tag(folded) is formula
    assert xlsx._formula_tag_after(folded, len(folded)) is formula  # the searches for "<f" alone say the same


@pytest.mark.parametrize("strings", ["<si><t>a</t></si><si><t>b</t></si>", '<si ><t>a</t></si><si\n/><si/>',
                                     "<x:si><x:t>a</x:t></x:si><si><t>b</t></si>", "<sig/><si><t>a</t></si>", ""])
def test_shared_strings_are_counted_as_the_pattern_counts_them(strings):
    xml = f"<sst>{strings}</sst>".encode()
    assert xlsx._count_strings(xml) == len(xlsx._FIRST_STRING.findall(xml))


def _doctype_check(data: bytes, quick: bool) -> dict[str, bytes] | str:
    """refuse_doctype's answer (the parts kept whole, or the refusal's code), with the zip's bytes or without."""
    try:
        return archive.refuse_doctype(zipfile.ZipFile(io.BytesIO(data)), "a.xlsx", data if quick else None)
    except Exception as exc:  # a ReturnError's code, or what zipfile raised
        return getattr(exc, "code", None) or type(exc).__name__


def _zip_of(parts: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED, stream: bool = False) -> bytes:
    """A zip of the parts; `stream`: written to a pipe-like file, so each entry is followed by a data descriptor."""
    out = io.BytesIO()

    class Unseekable(io.RawIOBase):
        def writable(self) -> bool:
            return True

        def write(self, b) -> int:  # type: ignore[no-untyped-def, override]
            return out.write(b)

    with zipfile.ZipFile(Unseekable() if stream else out, "w", method) as zf:
        for name, body in parts.items():
            zf.writestr(name, body)
    return out.getvalue()


_PARTS = {"xl/workbook.xml": b'<?xml version="1.0"?>\n<workbook/>',
          "xl/worksheets/sheet1.xml": b'<?xml version="1.0"?>\n<worksheet>' + b'<row r="1"/>' * 3000 + b"</worksheet>",
          "xl/_rels/workbook.xml.rels": b"\xef\xbb\xbf<Relationships/>", "xl/media/a.png": b"\x89PNG" * 10}


@pytest.mark.parametrize(("method", "stream"), [(zipfile.ZIP_DEFLATED, False), (zipfile.ZIP_STORED, False),
                                                (zipfile.ZIP_DEFLATED, True)])
def test_the_doctype_check_reads_a_zip_in_memory_as_zipfile_reads_it(method, stream):
    data = _zip_of(_PARTS, method, stream)
    zf = zipfile.ZipFile(io.BytesIO(data))
    for info in zf.infolist():
        if info.filename.endswith((".xml", ".rels")):
            assert archive._quick_prolog(memoryview(data), info) == archive._prolog(zf, info)
    small = ("xl/workbook.xml", "xl/_rels/workbook.xml.rels")
    assert _doctype_check(data, True) == _doctype_check(data, False) == {name: _PARTS[name] for name in small}


def test_the_doctype_check_of_a_real_return_is_the_same_with_its_bytes(tmp_path):
    book = openpyxl.Workbook()
    book.active.append(["任务编号", "完成情况"])
    book.save(tmp_path / "r.xlsx")
    data = (tmp_path / "r.xlsx").read_bytes()
    assert _doctype_check(data, True) == _doctype_check(data, False)
    assert "xl/workbook.xml" in _doctype_check(data, True)


def _central_header(data: bytes, name: bytes) -> int:
    """Where the zip's central directory header of the entry `name` starts."""
    at = data.index(b"PK\x01\x02")
    while data[at + 46:at + 46 + int.from_bytes(data[at + 28:at + 30], "little")] != name:
        at = data.index(b"PK\x01\x02", at + 4)
    return at


def _patched(data: bytes, old: bytes, new: bytes, count: int = 1) -> bytes:
    assert data.count(old) >= count
    return data.replace(old, new, count)


@pytest.mark.parametrize("damage", ["local name", "crc", "size", "encrypted", "doctype late", "doctype"])
def test_the_doctype_check_of_an_unusual_part_is_zipfiles(damage):
    """Whatever _quick_prolog does not take as written the usual way goes through zipfile: the same answer,
    the same refusal, with the bytes or without."""
    parts = dict(_PARTS)
    if damage == "doctype late":
        parts["xl/workbook.xml"] = b"<!-- " + b"padding " * 2000 + b"--><!DOCTYPE x [<!ENTITY a 'b'>]><workbook/>"
    if damage == "doctype":
        parts["xl/worksheets/sheet1.xml"] = b'<!DOCTYPE x [<!ENTITY a "b">]>' + parts["xl/worksheets/sheet1.xml"]
    data = _zip_of(parts, zipfile.ZIP_STORED)
    if damage == "local name":  # the local header names another part than the directory
        data = _patched(data, b"xl/workbook.xml", b"xl/workbook.xmm")
    elif damage == "crc":  # the bytes stored are not those the CRC was made of
        data = _patched(data, b"<workbook/>", b"<workbook!>")
    elif damage == "size":  # the directory says the part is a byte longer than it is
        at = _central_header(data, b"xl/workbook.xml") + 24
        data = data[:at] + (int.from_bytes(data[at:at + 4], "little") + 1).to_bytes(4, "little") + data[at + 4:]
    elif damage == "encrypted":  # flagged encrypted in the directory
        at = _central_header(data, b"xl/workbook.xml") + 8
        data = data[:at] + bytes([data[at] | 1]) + data[at + 1:]
    zf = zipfile.ZipFile(io.BytesIO(data))
    for info in zf.infolist():
        quick = archive._quick_prolog(memoryview(data), info)
        assert quick is None or quick == archive._prolog(zf, info)
    slow = _doctype_check(data, False)
    assert _doctype_check(data, True) == slow
    if damage.startswith("doctype"):
        assert slow == "xml.unsafe"


@pytest.mark.parametrize("method", [zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED])
def test_a_small_part_told_before_is_told_the_same_and_only_for_the_same_bytes(method):
    """_quick_prolog tells a small part once per process for the same stored bytes (the parts a campaign's returns
    share): a part seen before gives the same answer, and one that differs in anything (a DOCTYPE, a byte the CRC
    was not made of, its declared size) is told afresh, as zipfile tells it, whatever was seen before."""
    archive._SEEN_PROLOGS.clear()
    clean = _zip_of(_PARTS, method)
    first = _doctype_check(clean, True)
    assert first == _doctype_check(clean, False) and archive._SEEN_PROLOGS
    assert _doctype_check(clean, True) == first
    doctype = dict(_PARTS, **{"xl/workbook.xml": b'<!DOCTYPE x [<!ENTITY a "b">]><workbook/>'})
    assert _doctype_check(_zip_of(doctype, method), True) == "xml.unsafe"
    crc = _zip_of(_PARTS, zipfile.ZIP_STORED)
    crc = _patched(crc, b"<workbook/>", b"<workbook!>")
    assert _doctype_check(crc, True) == _doctype_check(crc, False) != first
    data = _zip_of(_PARTS, method)
    at = _central_header(data, b"xl/workbook.xml") + 24  # the directory says the part is a byte longer
    data = data[:at] + (int.from_bytes(data[at:at + 4], "little") + 1).to_bytes(4, "little") + data[at + 4:]
    assert _doctype_check(data, True) == _doctype_check(data, False) != first
    assert _doctype_check(clean, True) == first


@pytest.mark.parametrize(("method", "stream"), [(zipfile.ZIP_DEFLATED, False), (zipfile.ZIP_STORED, False),
                                                (zipfile.ZIP_DEFLATED, True)])
def test_a_parts_head_read_from_memory_is_zipfiles_first_read(method, stream):
    data = _zip_of(_PARTS, method, stream)
    zf = zipfile.ZipFile(io.BytesIO(data))
    for info in zf.infolist():
        with zf.open(info) as part:
            assert archive.quick_head(data, info) == part.read(4096)


@pytest.mark.parametrize(("method", "stream"), [(zipfile.ZIP_DEFLATED, False), (zipfile.ZIP_STORED, False),
                                                (zipfile.ZIP_DEFLATED, True)])
def test_a_part_read_whole_from_memory_is_zipfiles_read(method, stream):
    data = _zip_of(_PARTS, method, stream)
    zf = zipfile.ZipFile(io.BytesIO(data))
    for info in zf.infolist():
        assert archive.quick_read(data, info) == zf.read(info)


@pytest.mark.parametrize("damage", ["local name", "crc", "size", "short", "encrypted", "truncated", "method", "data"])
@pytest.mark.parametrize("method", [zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED])
def test_a_damaged_part_is_read_whole_only_through_zipfile(damage, method):
    """A part whose local header, CRC, sizes, method or data are not what the directory says is never read from
    memory (quick_read gives nothing): zipfile reads it, and refuses it as it does."""
    name = b"xl/worksheets/sheet1.xml"
    data = _zip_of(_PARTS, method)
    if damage == "local name":
        data = _patched(data, name, b"xl/worksheets/sheet1.xmm")
    elif damage == "crc":
        at = _central_header(data, name) + 16
        data = data[:at] + bytes([data[at] ^ 1]) + data[at + 1:]
    elif damage in ("size", "short"):  # the directory says the part is a byte longer (shorter) than it is
        at = _central_header(data, name) + 24
        size = int.from_bytes(data[at:at + 4], "little") + (1 if damage == "size" else -1)
        data = data[:at] + size.to_bytes(4, "little") + data[at + 4:]
    elif damage == "encrypted":
        at = _central_header(data, name) + 8
        data = data[:at] + bytes([data[at] | 1]) + data[at + 1:]
    elif damage == "truncated":  # the directory says fewer compressed bytes than the part has
        at = _central_header(data, name) + 20
        size = int.from_bytes(data[at:at + 4], "little") - 5
        data = data[:at] + size.to_bytes(4, "little") + data[at + 4:]
    elif damage == "method":  # a compression method zipfile does not read
        at = _central_header(data, name) + 10
        data = data[:at] + (99).to_bytes(2, "little") + data[at + 2:]
    elif damage == "data":  # the compressed bytes themselves damaged: no valid stream (or not these bytes)
        at = data.index(name) + len(name) + 40
        data = data[:at] + bytes(b ^ 0xA5 for b in data[at:at + 8]) + data[at + 8:]
    zf = zipfile.ZipFile(io.BytesIO(data))
    assert archive.quick_read(data, zf.getinfo(name.decode())) is None
    assert archive.quick_read(data, zf.getinfo("xl/workbook.xml")) == _PARTS["xl/workbook.xml"]  # the others still


@pytest.mark.parametrize("declared", ["2", "4000000000"])
def test_the_shared_strings_count_is_checked_alike_from_memory(declared):
    strings = b"".join(b"<si><t>%d</t></si>" % n for n in range(2000))
    data = _zip_of({"xl/sharedStrings.xml": b'<sst count="2" uniqueCount="' + declared.encode() + b'">' + strings
                    + b"</sst>"})
    answers = []
    for given in (data, None):
        try:
            xlsx._check_shared_strings(zipfile.ZipFile(io.BytesIO(data)), "a.xlsx", given)
            answers.append("")
        except ReturnError as exc:
            answers.append(exc.code)
    assert answers == (["", ""] if declared == "2" else ["book.strings", "book.strings"])


@pytest.mark.parametrize("at", [0, 1024 * 1024 - 7, 1024 * 1024, 2 * 1024 * 1024 - 20])
@pytest.mark.parametrize("stream", ["Workbook", "EncryptedPackage", "WordDocument"])
def test_ole_streams_are_told_alike_in_chunks(stream, at):
    """classify_ole_stream (a large OLE2 file in a zip, read in chunks) agrees with classify_ole, a name
    across two chunks included."""
    import io

    from reporting.readers import xls

    data = bytearray(xls.MAGIC + bytes(2 * 1024 * 1024))
    name = stream.encode("utf-16-le")
    data[8 + at:8 + at + len(name)] = name
    assert xls.classify_ole_stream(io.BytesIO(bytes(data))) == xls.classify_ole(bytes(data))
