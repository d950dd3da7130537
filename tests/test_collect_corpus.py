"""The malformed-input corpus: returns as people really send them, and files made to hurt. Each case: the
expected message naming the file, the good return beside it collected, inbox/ byte for byte as it was, the
store still consistent, and the run within its memory budget."""

from __future__ import annotations

import io
import os
import sqlite3
import struct
import zipfile
from pathlib import Path, PurePosixPath

import pytest
from openpyxl.utils import get_column_letter
from returns import OLD_ROUND, ROUND, Spoil, done, ongoing, record_round, write_return

from reporting.collect import DUPLICATE, ERROR_FILE, READ, collect_inbox
from reporting.collect_read import file_digest
from reporting.readers.archive import BOMB, BOMB_BOOK, UNSAFE_XML
from reporting.readers.base import FILE_RULES
from reporting.simulate import gbk_zip
from reporting.store import connect

GOOD_UNIT = "县公安局"
GOOD = {"1": done(), "4": ongoing(), "5": done()}


@pytest.fixture
def inbox(ws):
    record_round(ws, OLD_ROUND, generated_at="2026-06-01T09:00:00")
    record_round(ws, ROUND)
    write_return(ws.inbox / "公安局.xlsx", GOOD_UNIT, GOOD, mtime=1_789_000_000)
    return ws.inbox


PEAK_BUDGET_KB = 1024 * 1024  # 1 GB: the most any process of a run may hold


def _collect(ws, **options):
    before = _inbox_bytes(ws)
    result = collect_inbox(ws, receipts=False, **options)
    assert _inbox_bytes(ws) == before  # inbox/ is only read
    assert _peak_kb() <= PEAK_BUDGET_KB
    return result


def _inbox_bytes(ws) -> dict[str, bytes]:
    found, folders = {}, [str(ws.inbox)]
    while folders:  # not os.walk, which recurses (a test nests 1,100 folders)
        with os.scandir(folders.pop()) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    folders.append(entry.path)
                elif entry.is_file(follow_symlinks=False):
                    found[entry.path] = Path(entry.path).read_bytes()
    return found


def _peak_kb() -> int:
    """The largest resident size this process or any worker it waited for has had."""
    import resource

    return max(resource.getrusage(who).ru_maxrss for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))


def _file(result, name: str):
    return next(f for f in result.files if f.name.endswith(name))


def _assert_consistent(ws, result) -> None:
    good = _file(result, "公安局.xlsx")
    assert good.status == READ and good.returns[0].unit == GOOD_UNIT and good.returns[0].errors == 0
    _assert_store_consistent(ws)


def _assert_store_consistent(ws) -> None:
    conn = connect(ws.db_path)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    latest = conn.execute("SELECT round, unit, COUNT(*) n FROM submissions WHERE superseded_by IS NULL "
                          "GROUP BY round, unit HAVING n > 1").fetchall()
    assert latest == []
    orphans = conn.execute("SELECT COUNT(*) FROM answers WHERE submission_id NOT IN (SELECT id FROM submissions)")
    assert orphans.fetchone()[0] == 0
    for row in conn.execute("SELECT archive_path FROM files"):
        assert (ws.root / row["archive_path"]).exists()
    conn.close()


def _refused(ws, name: str, data: bytes, code: str, fragment: str = ""):
    (ws.inbox / name).write_bytes(data)
    result = _collect(ws)
    outcome = _file(result, name)
    assert outcome.status == ERROR_FILE, outcome
    assert outcome.code == code and code in FILE_RULES, outcome
    assert fragment in outcome.message
    stored = connect(ws.db_path).execute("SELECT code FROM files WHERE inbox_path = ?", (outcome.name,)).fetchone()
    assert stored is None or stored["code"] == code
    assert outcome.name == f"inbox/{name}"  # the message names the file
    _assert_consistent(ws, result)
    return outcome


def _xlsx_bytes(tmp_path: Path, unit: str = "县财政局", values=None, spoil=None) -> bytes:
    path = write_return(tmp_path / "x.xlsx", unit, values or {"1": done(), "2": ongoing(), "3": ongoing()},
                        spoil=spoil)
    return path.read_bytes()


def _rezip(data: bytes, replace: dict[str, bytes] | None = None, add: dict[str, bytes] | None = None,
           stored: bool = False) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, (replace or {}).get(info.filename, src.read(info)))
        for name, content in (add or {}).items():
            dst.writestr(name, content, zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED)
    return out.getvalue()


def _zip(entries: dict[str, bytes], gbk: bool = False) -> bytes:
    if gbk:  # what Chinese Windows writes: GBK names, no UTF-8 flag
        return gbk_zip(entries, date_time=(2026, 9, 20, 10, 0, 0))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, content in entries.items():
            info = zipfile.ZipInfo(name, date_time=(2026, 9, 20, 10, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, content)
    return out.getvalue()


# ---------------------------------------------------------------- files that are not returns


def test_empty_file(ws, inbox):
    _refused(ws, "财政局.xlsx", b"", "file.empty", "文件为空")


def test_truncated_zip(ws, inbox, tmp_path):
    _refused(ws, "材料.zip", _zip({"财政局.xlsx": _xlsx_bytes(tmp_path)})[:-200], "zip.damaged", "压缩包已损坏或不完整")


def test_truncated_xlsx(ws, inbox, tmp_path):
    _refused(ws, "财政局.xlsx", _xlsx_bytes(tmp_path)[:3000], "zip.damaged", "已损坏")


@pytest.mark.parametrize("spoil", ["cut", "bytes_inside", "directory"])
def test_a_damaged_xlsx_is_told_as_a_damaged_workbook_not_a_zip(ws, inbox, tmp_path, spoil):
    """An .xlsx is a zip, but its sender packed nothing: "请重新打包发送" would puzzle them. Cut short, with bytes
    put inside it, or with its directory spoiled: the workbook is damaged, save it again."""
    data = _xlsx_bytes(tmp_path)
    spoiled = {"cut": data[:-300], "bytes_inside": data[:1000] + bytes(700) + data[1000:],
               "directory": data[:data.rindex(b"PK\x01\x02") + 8] + bytes(40) + data[data.rindex(b"PK\x01\x02") + 48:]}
    outcome = _refused(ws, "财政局.xlsx", spoiled[spoil], "zip.damaged", "工作簿文件已损坏或不完整")
    assert "压缩包" not in outcome.message


def _spoil_part(data: bytes, part: str, how: str) -> bytes:
    """An .xlsx whose `part` no longer inflates ("data": bytes of its deflate stream flipped) or fails its CRC
    ("crc": the CRC-32 changed in its local header and in the central directory), as a broken download is."""
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo(part)
    spoiled = bytearray(data)
    start = info.header_offset + 30 + sum(struct.unpack("<HH", data[info.header_offset + 26:info.header_offset + 30]))
    if how == "data":
        for i in range(start + 10, start + 40):
            spoiled[i] ^= 0x5A
        return bytes(spoiled)
    crc = struct.pack("<I", info.CRC ^ 0xFFFF)
    spoiled[info.header_offset + 14:info.header_offset + 18] = crc
    central = data.find(b"PK\x01\x02")
    while central >= 0:
        length = struct.unpack("<H", data[central + 28:central + 30])[0]
        if data[central + 46:central + 46 + length] == part.encode():
            spoiled[central + 16:central + 20] = crc
        central = data.find(b"PK\x01\x02", central + 4)
    return bytes(spoiled)


@pytest.mark.parametrize("how", ["data", "crc"])
@pytest.mark.parametrize("part", ["xl/worksheets/sheet1.xml", "xl/sharedStrings.xml", "xl/styles.xml",
                                  "docProps/custom.xml"])
def test_workbook_with_a_damaged_part(ws, inbox, tmp_path, part, how):
    """A part that does not inflate, or fails its CRC: zip.damaged in Chinese, not zlib's or zipfile's English."""
    _refused(ws, "财政局.xlsx", _spoil_part(_xlsx_bytes(tmp_path), part, how), "zip.damaged", "已损坏")


def _method(data: bytes, part: str, method: int) -> bytes:
    """The zip with `part`'s compression method (local and central header) set to `method`."""
    spoiled = bytearray(data)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        local = archive.getinfo(part).header_offset
    spoiled[local + 8:local + 10] = struct.pack("<H", method)
    central = data.find(b"PK\x01\x02")
    while central >= 0:
        length = struct.unpack("<H", data[central + 28:central + 30])[0]
        if data[central + 46:central + 46 + length] == part.encode():
            spoiled[central + 10:central + 12] = struct.pack("<H", method)
        central = data.find(b"PK\x01\x02", central + 4)
    return bytes(spoiled)


@pytest.mark.parametrize("part", ["[Content_Types].xml", "xl/worksheets/sheet1.xml", "docProps/custom.xml", "zip"])
def test_a_compression_method_zipfile_cannot_inflate_is_told_in_chinese(ws, inbox, tmp_path, part):
    """Deflate64 (method 9: 7-Zip, Windows for large files), in a workbook's package or in a zip of returns:
    zipfile raised NotImplementedError, shown as read.failed in English."""
    if part == "zip":
        _refused(ws, "打包.zip", _method(_zip({"财政局.xlsx": _xlsx_bytes(tmp_path)}), "财政局.xlsx", 9),
                 "zip.unsupported", "不支持的压缩方式")
    else:
        _refused(ws, "财政局.xlsx", _method(_xlsx_bytes(tmp_path), part, 9), "zip.unsupported", "不支持的压缩方式")


@pytest.mark.parametrize("part", ["xl/workbook.xml", "docProps/custom.xml"])
def test_a_part_declaring_an_encoding_no_codec_knows_is_damaged_xml(ws, inbox, tmp_path, part):
    """<?xml encoding="UF-8"?>: ElementTree raised LookupError, shown as read.failed in English."""
    data = _xlsx_bytes(tmp_path)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        xml = archive.read(part)
    assert b'encoding="UTF-8"' in xml
    spoiled = _rezip(data, {part: xml.replace(b'encoding="UTF-8"', b'encoding="UF-8"', 1)})
    _refused(ws, "财政局.xlsx", spoiled, "xml.damaged", "XML 无法解析")


@pytest.mark.parametrize("member", ["财政局.xlsx", "照片.jpg"])
def test_a_zip_entry_that_does_not_inflate_is_a_damaged_zip(ws, inbox, tmp_path, member):
    """An entry of an inbox zip whose deflate stream is broken (a download cut and patched, a bad disk): zlib's
    "invalid distance too far back" was shown as read.failed in English."""
    photo = bytes(range(256)) * 40  # deflates to a stream long enough to spoil
    data = _zip({"财政局.xlsx": _xlsx_bytes(tmp_path), "照片.jpg": photo})
    _refused(ws, "打包.zip", _spoil_part(data, member, "data"), "zip.damaged", "已损坏")


def test_damaged_workbook_in_a_zip_leaves_the_others_read(ws, inbox, tmp_path):
    bad = _spoil_part(_xlsx_bytes(tmp_path), "xl/worksheets/sheet1.xml", "data")
    good = _xlsx_bytes(tmp_path, "甲镇人民政府", {"2": ongoing()})
    (ws.inbox / "打包.zip").write_bytes(_zip({"财政局.xlsx": bad, "甲镇.xlsx": good}))
    result = _collect(ws)
    outcome = _file(result, "打包.zip")
    assert [r.unit for r in outcome.returns] == ["甲镇人民政府"]
    assert "财政局.xlsx" in outcome.message and "已损坏" in outcome.message and "Error" not in outcome.message
    _assert_consistent(ws, result)


def test_two_zips_joined_end_to_end_are_refused_not_read_as_the_second(ws, inbox, tmp_path):
    """zipfile reads the last end record: the first zip's ledger would be skipped without a word."""
    first = _zip({"财政局.xlsx": _xlsx_bytes(tmp_path)})
    second = _zip({"甲镇.xlsx": _xlsx_bytes(tmp_path, "甲镇人民政府", {"2": ongoing()})})
    _refused(ws, "打包.zip", first + second, "zip.damaged", "首尾相接")


@pytest.mark.parametrize(("cell", "shown", "fragment"), [
    ('<c r="J3" t="n"><v>八十</v>', "J3", "不是数字"),
    ('<c r="J3" t="b"><v>2</v>', "J3", "不是 0 或 1"),
    ('<c r="J0"><v>100</v>', None, "不是有效的单元格"),
])
def test_cell_calamine_refuses_is_named(ws, inbox, tmp_path, cell, shown, fragment):
    """A cell no spreadsheet writes (edited by hand or by a broken tool) makes calamine refuse its sheet: the
    refusal names the cell and what is wrong with it."""
    data = _xlsx_bytes(tmp_path, values={"1": done(完成进度=100), "2": ongoing(), "3": ongoing()})
    sheet = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")
    assert b'<c r="J3"><v>100</v>' in sheet
    spoiled = _rezip(data, replace={"xl/worksheets/sheet1.xml": sheet.replace(b'<c r="J3"><v>100</v>',
                                                                                cell.encode(), 1)})
    (ws.inbox / "财政局.xlsx").write_bytes(spoiled)
    outcome = _file(_collect(ws), "财政局.xlsx")
    assert (outcome.status, outcome.code) == (ERROR_FILE, "cell.unreadable"), outcome
    assert "工作台账" in outcome.message and fragment in outcome.message
    assert shown is None or f"{shown} 单元格" in outcome.message, outcome.message


def test_zip_bomb_is_refused_within_budget(ws, inbox):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("炸弹.xlsx", b"\0" * (60 * 1024 * 1024))
    _refused(ws, "炸弹.zip", out.getvalue(), "zip.bomb", BOMB)


def test_an_end_record_claiming_a_directory_larger_than_the_file_is_damage_not_too_many_files(ws, inbox, tmp_path):
    """Before: "压缩包内文件过多（14 个）" for a workbook of 14 parts whose end record was spoiled."""
    data = bytearray(_xlsx_bytes(tmp_path))
    end = data.rindex(b"PK\x05\x06")
    data[end + 12:end + 16] = (200 * 1024 * 1024).to_bytes(4, "little")  # the central directory's size
    outcome = _refused(ws, "财政局.xlsx", bytes(data), "zip.damaged", "工作簿文件已损坏或不完整")
    assert "过多" not in outcome.message


def test_an_xlsx_whose_directory_names_no_workbook_is_a_damaged_workbook(ws, inbox, tmp_path):
    """A name spoiled in the central directory: no longer an .xlsx package by content, so it is unpacked as a zip,
    whose entry then does not match its local header. Named 财政局.xlsx, it is told as a damaged workbook."""
    data = _xlsx_bytes(tmp_path)
    directory = data.index(b"PK\x01\x02")
    spoiled = data[:directory] + data[directory:].replace(b"xl/workbook.xml", b"xlpworkbook.xml", 1)
    outcome = _refused(ws, "财政局.xlsx", spoiled, "zip.damaged", "工作簿文件已损坏或不完整")
    assert "压缩包" not in outcome.message


def test_zip_bomb_inside_an_xlsx(ws, inbox, tmp_path):
    """Told as a workbook too large unpacked: its sender packed nothing, so "重新打包" is not said."""
    data = _rezip(_xlsx_bytes(tmp_path), add={"xl/media/big.bin": b"\0" * (60 * 1024 * 1024)})
    outcome = _refused(ws, "财政局.xlsx", data, "zip.bomb", BOMB_BOOK)
    assert "压缩包" not in outcome.message and "打包" not in outcome.message


def test_xml_entity_bomb_is_refused(ws, inbox, tmp_path):
    bomb = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
            b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>&lol2;</t></si></sst>')
    data = _rezip(_xlsx_bytes(tmp_path), replace={"xl/sharedStrings.xml": bomb})
    _refused(ws, "财政局.xlsx", data, "xml.unsafe", UNSAFE_XML)


def test_encrypted_workbook(ws, inbox):
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504 + "EncryptedPackage".encode("utf-16-le") + b"\0" * 1024
    _refused(ws, "财政局.xlsx", ole, "file.encrypted", "文件已加密，请取消密码后重新报送")


def test_word_document_in_ole2(ws, inbox):
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504 + "WordDocument".encode("utf-16-le") + b"\0" * 1024
    _refused(ws, "财政局.doc", ole, "file.not_excel", "不是 Excel 工作簿")


def test_an_xls_without_a_workbook_stream_may_be_damaged_and_says_so(ws, inbox):
    """An OLE2 file named .xls with no workbook stream (its directory damaged, or a Word file renamed): before,
    only "可能是 Word 文档" was said, which a unit whose .xls broke in transit would not understand."""
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 2048
    outcome = _refused(ws, "财政局.xls", ole, "file.not_excel", "文件可能已损坏")
    assert "Word" in outcome.message


@pytest.mark.parametrize(("name", "data", "code", "fragment"), [
    ("财政局.et", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600 + "Workbook".encode("utf-16-le"), "file.wps",
     "WPS 格式"),
    ("财政局.csv", "任务编号,完成状态\n1,已完成\n".encode("gbk"), "file.text", "请另存为 .xlsx 后重新报送"),
    ("财政局.pdf", b"%PDF-1.4\n...", "file.not_workbook", "PDF 文件不是台账工作簿"),
    ("照片.jpg", b"\xff\xd8\xff\xe0" + b"\0" * 100, "file.not_workbook", "图片不是台账工作簿"),
    ("财政局.rar", b"Rar!\x1a\x07\x00" + b"\0" * 100, "file.not_workbook", "请改用 .zip 打包"),
    ("说明.txt", "随便写的".encode(), "file.text", "请另存为 .xlsx"),
    ("未知.bin", b"\x00\x01garbage", "file.unknown", "无法识别的文件格式"),
    # what web systems export as "Excel", and a workbook saved as an Excel 2003 XML table, renamed .xls
    ("财政局.xls", b"<html><head><meta charset=gbk></head><body><table><tr><td>1</td></tr></table>", "file.text",
     "网页（HTML）文件，只是扩展名为 .xls"),
    ("财政局.xls", "\ufeff<!DOCTYPE html>\n<html>".encode(), "file.text", "网页（HTML）文件"),
    ("财政局.xlsx", b'<?xml version="1.0"?><Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet">',
     "file.text", "Excel 2003 XML 表格文件"),
    ("财政局.xls", "任务编号\t完成状态\n1\t已完成\n".encode("gbk") * 400, "file.text", "文本文件（如 CSV"),
])
def test_not_a_workbook(ws, inbox, name, data, code, fragment):
    _refused(ws, name, data, code, fragment)


def test_word_docx(ws, inbox):
    data = _zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w/>"})
    _refused(ws, "材料.docx", data, "file.not_workbook", "Word")


def test_zip_with_no_workbook(ws, inbox):
    data = _zip({"照片1.jpg": b"\xff\xd8\xff" + b"1" * 50})
    _refused(ws, "材料.zip", data, "zip.no_workbook", "压缩包中没有台账工作簿")


def test_unrecognisable_return(ws, inbox, tmp_path):
    data = _xlsx_bytes(tmp_path, "甲镇人民政府", {"2": ongoing()}, Spoil(meta=False, props=False, title=False))
    _refused(ws, "新建 Microsoft Excel 工作表.xlsx", data, "return.unrecognized", "无法确定报送单位")


def test_unit_not_in_round(ws, inbox, tmp_path):
    data = _xlsx_bytes(tmp_path, spoil=Spoil(meta_unit="县水利局"))
    _refused(ws, "水利局.xlsx", data, "return.unit_not_in_round", "单位「县水利局」在轮次「2026年第三季度」中没有任务")


def test_round_never_generated(ws, inbox, tmp_path):
    data = _xlsx_bytes(tmp_path, spoil=Spoil(round_name="2025年第一季度"))
    _refused(ws, "财政局.xlsx", data, "return.round_unknown", "轮次「2025年第一季度」没有生成记录")


def test_lock_files_and_litter_are_ignored(ws, inbox):
    for name in ("~$财政局.xlsx", ".DS_Store", "Thumbs.db", ".~lock.财政局.xlsx#"):
        (ws.inbox / name).write_bytes(b"junk")
    result = _collect(ws)
    assert [f.name for f in result.files] == ["inbox/公安局.xlsx"]
    _assert_consistent(ws, result)


# ---------------------------------------------------------------- returns read despite the mess


def _read_one(ws, name: str):
    result = _collect(ws)
    outcome = _file(result, name)
    assert outcome.status == READ, outcome
    _assert_consistent(ws, result)
    return outcome.returns[0], connect(ws.db_path)


def _problems(conn, submission_id: int) -> list[tuple[str, str]]:
    return [(r["level"], r["message"]) for r in conn.execute(
        "SELECT level, message FROM problems WHERE submission_id = ? ORDER BY rowid", (submission_id,))]


def _codes(conn, submission_id: int) -> list[tuple[str, str]]:
    """(rule code, message) of each problem of a return."""
    return [(r["code"], r["message"]) for r in conn.execute(
        "SELECT code, message FROM problems WHERE submission_id = ? ORDER BY rowid", (submission_id,))]


def _answer(conn, submission_id: int, task_id: str):
    return conn.execute("SELECT * FROM answers WHERE submission_id = ? AND task_id = ?",
                        (submission_id, task_id)).fetchone()


def test_sixty_megabyte_workbook_with_photos_is_read(ws, inbox, tmp_path):
    data = _rezip(_xlsx_bytes(tmp_path), add={"xl/media/photo.jpeg": os.urandom(60 * 1024 * 1024)}, stored=True)
    (ws.inbox / "财政局.xlsx").write_bytes(data)
    ret, _ = _read_one(ws, "财政局.xlsx")
    assert ret.unit == "县财政局" and ret.errors == 0


def test_control_characters_are_stripped_with_a_warning(ws, inbox):
    write_return(ws.inbox / "财政局.xlsx", "县财政局", {"1": done(工作举措及成效="制定\x01方案\x1f并落实"),
                                                      "2": ongoing(), "3": ongoing()})
    ret, conn = _read_one(ws, "财政局.xlsx")
    assert ret.errors == 0 and ret.warnings == 1
    assert _answer(conn, ret.submission_id, "1")["measures"] == "制定方案并落实"
    raw = conn.execute("SELECT raw FROM cells WHERE submission_id = ? AND column_name = '工作举措及成效' "
                       "AND task_id = '1'", (ret.submission_id,)).fetchone()["raw"]
    assert "\x01" in raw  # the raw value is kept as read


def test_cells_of_32767_characters_are_kept_whole(ws, inbox):
    long = "举" * 32767
    write_return(ws.inbox / "财政局.xlsx", "县财政局", {"1": done(工作举措及成效=long), "2": ongoing(), "3": ongoing()})
    ret, conn = _read_one(ws, "财政局.xlsx")
    assert len(_answer(conn, ret.submission_id, "1")["measures"]) == 32767


def test_sheet_renamed(ws, inbox):
    write_return(ws.inbox / "财政局.xlsx", "县财政局", {"1": done(), "2": ongoing(), "3": ongoing()},
                 spoil=Spoil(sheet_name="Sheet1"))
    ret, conn = _read_one(ws, "财政局.xlsx")
    assert ret.errors == 0
    assert ("warning", "未找到工作表「工作台账」，已从「Sheet1」读取") in _problems(conn, ret.submission_id)


def test_columns_moved_and_rows_inserted_above(ws, inbox):
    from reporting.workbook_spec import FILL_COLUMNS, GIVEN_COLUMNS

    order = list(reversed(FILL_COLUMNS)) + GIVEN_COLUMNS
    write_return(ws.inbox / "财政局.xlsx", "县财政局", {"1": done(), "2": ongoing(完成进度="x"), "3": ongoing()},
                 spoil=Spoil(columns=order, rows_above=3))
    ret, conn = _read_one(ws, "财政局.xlsx")
    assert ret.errors == 0
    assert _answer(conn, ret.submission_id, "2")["progress"] == 60
    assert _answer(conn, ret.submission_id, "1")["row"] == 6


def test_answers_typed_into_a_copy_of_the_ledger_sheet_are_read_from_the_copy(ws, inbox):
    """工作台账 copied (Excel's 移动或复制 → 工作台账 (2)), the copy filled, the original left empty: was 空表."""
    import openpyxl

    from reporting.workbook_spec import FILL_COLUMNS, GIVEN_COLUMNS, SHEET_LEDGER

    path = write_return(ws.inbox / "财政局.xlsx", "县财政局", {"1": done(), "2": ongoing(), "3": ongoing()})
    book = openpyxl.load_workbook(path)
    copy = book.copy_worksheet(book[SHEET_LEDGER])
    copy.title = f"{SHEET_LEDGER} (2)"
    first_fill = len(GIVEN_COLUMNS) + 1
    for row in book[SHEET_LEDGER].iter_rows(min_row=3, min_col=first_fill, max_col=first_fill + len(FILL_COLUMNS)):
        for cell in row:
            cell.value = None
    book.save(path)
    ret, conn = _read_one(ws, "财政局.xlsx")
    assert ret.errors == 0 and _answer(conn, ret.submission_id, "1")["status"] == "已完成"
    assert _answer(conn, ret.submission_id, "2")["progress"] == 60
    assert [c for c, _ in _codes(conn, ret.submission_id)] == ["sheet.copy_filled"]


def test_a_filled_copy_beside_a_filled_ledger_sheet_is_noted_as_not_read(ws, inbox):
    import openpyxl

    from reporting.workbook_spec import SHEET_LEDGER

    path = write_return(ws.inbox / "财政局.xlsx", "县财政局", {"1": done(), "2": ongoing(), "3": ongoing()})
    book = openpyxl.load_workbook(path)
    book.copy_worksheet(book[SHEET_LEDGER]).title = "工作台账（修改稿）"
    book.create_sheet("说明").append(["本表为参考"])  # a sheet of something else, not a copy
    book.save(path)
    ret, conn = _read_one(ws, "财政局.xlsx")
    assert ret.errors == 0 and _answer(conn, ret.submission_id, "1")["status"] == "已完成"
    codes = _codes(conn, ret.submission_id)
    assert [c for c, _ in codes] == ["sheet.copy_unread"] and "工作台账（修改稿）" in codes[0][1]


def _read_with_headers_renamed(ws, rename) -> None:
    """A return with its fill columns moved and every header cell passed through `rename`: read by name, as
    sent, without a problem."""
    import openpyxl

    from reporting.workbook_spec import FILL_COLUMNS, GIVEN_COLUMNS, SHEET_LEDGER

    path = write_return(ws.inbox / "财政局.xlsx", "县财政局",
                        {"1": done(存在问题="人手少"), "2": ongoing(), "3": ongoing()},
                        spoil=Spoil(columns=list(reversed(FILL_COLUMNS)) + GIVEN_COLUMNS))
    book = openpyxl.load_workbook(path)
    headers = [cell for cell in book[SHEET_LEDGER][2] if cell.value]
    before = [cell.value for cell in headers]
    for cell in headers:
        cell.value = rename(cell.value)
    assert sum(cell.value != old for cell, old in zip(headers, before, strict=True)) >= 5
    book.save(path)
    ret, conn = _read_one(ws, "财政局.xlsx")
    assert ret.errors == 0 and not _codes(conn, ret.submission_id)
    first = _answer(conn, ret.submission_id, "1")
    assert (first["status"], first["progress"], first["problems"]) == ("已完成", 100, "人手少")
    assert _answer(conn, ret.submission_id, "2")["next_steps"] == "年底前完成"


def test_headers_renamed_in_everyday_words_are_recognised(ws, inbox):
    """完成状况, 完成进度%, 佐证材料名称, 存在的问题, 下一步工作计划: the columns found by name, even moved."""
    renamed = {"完成状态": "完成状况", "完成进度(%)": "完成进度%", "佐证材料": "佐证材料名称", "存在问题": "存在的问题",
               "下一步计划": "下一步工作计划"}
    _read_with_headers_renamed(ws, lambda header: renamed.get(header, header))


def test_headers_written_in_traditional_characters_are_recognised(ws, inbox):
    """A unit's copy turned to 繁體 (任務編號, 完成狀態, 佐證材料…), the columns moved: found by name, not by a
    position that no longer holds them, and no warning that the header is missing."""
    from reporting.hanzi import _HANS, _HANT

    traditional = str.maketrans(dict(zip(reversed(_HANS), reversed(_HANT), strict=True)))  # first pair wins
    _read_with_headers_renamed(ws, lambda header: header.translate(traditional))


def test_header_cell_deleted_is_read_by_position(ws, inbox):
    write_return(ws.inbox / "财政局.xlsx", "县财政局", {"1": done(), "2": ongoing(), "3": ongoing()},
                 spoil=Spoil(drop_headers=("完成进度(%)",)))
    ret, conn = _read_one(ws, "财政局.xlsx")
    assert _answer(conn, ret.submission_id, "2")["progress"] == 60
    assert any(c == "header.by_position" and "完成进度(%)" in m for c, m in _codes(conn, ret.submission_id))


def test_header_row_deleted_falls_back_to_the_template_layout(ws, inbox):
    write_return(ws.inbox / "财政局.xlsx", "县财政局", {"1": done(), "2": ongoing(), "3": ongoing()},
                 spoil=Spoil(no_header=True))
    ret, conn = _read_one(ws, "财政局.xlsx")
    assert ret.errors == 0 and _answer(conn, ret.submission_id, "1")["status"] == "已完成"


def test_header_missing_and_columns_moved_is_sent_back(ws, inbox):
    from reporting.workbook_spec import FILL_COLUMNS, GIVEN_COLUMNS

    write_return(ws.inbox / "财政局.xlsx", "县财政局", {"1": done()},
                 spoil=Spoil(columns=list(reversed(FILL_COLUMNS)) + GIVEN_COLUMNS, drop_headers=("完成状态",)))
    ret, conn = _read_one(ws, "财政局.xlsx")
    assert ret.errors == 1 and "找不到「完成状态」列" in _problems(conn, ret.submission_id)[0][1]


def test_swapped_file_names_recognised_by_data(ws, inbox):
    write_return(ws.inbox / "甲镇.xlsx", "乙镇人民政府", {"2": ongoing()})
    write_return(ws.inbox / "乙镇.xlsx", "甲镇人民政府", {"2": ongoing()})
    result = _collect(ws)
    assert _file(result, "甲镇.xlsx").returns[0].unit == "乙镇人民政府"
    assert _file(result, "乙镇.xlsx").returns[0].unit == "甲镇人民政府"
    assert _file(result, "甲镇.xlsx").returns[0].recognized_by == "文档属性"
    _assert_consistent(ws, result)


def test_meta_sheet_alone_recognises(ws, inbox):
    write_return(ws.inbox / "x.xlsx", "县财政局", {"1": done()}, spoil=Spoil(props=False))
    ret, _ = _read_one(ws, "x.xlsx")
    assert (ret.unit, ret.recognized_by) == ("县财政局", "识别信息表")


def test_copied_into_a_new_workbook_recognised_by_title(ws, inbox):
    write_return(ws.inbox / "新建 Microsoft Excel 工作表.xlsx", "甲镇人民政府", {"2": ongoing()},
                 spoil=Spoil(meta=False, props=False))
    ret, _ = _read_one(ws, "新建 Microsoft Excel 工作表.xlsx")
    assert (ret.unit, ret.recognized_by) == ("甲镇人民政府", "标题行")


def test_renamed_copy_recognised_by_file_name(ws, inbox):
    write_return(ws.inbox / "副本-甲镇台账(1).xlsx", "甲镇人民政府", {"2": ongoing()},
                 spoil=Spoil(meta=False, props=False, title=False))
    ret, _ = _read_one(ws, "副本-甲镇台账(1).xlsx")
    assert (ret.unit, ret.recognized_by) == ("甲镇人民政府", "文件名")


def test_recognised_by_task_ids(ws, inbox):
    write_return(ws.inbox / "新建 Microsoft Excel 工作表.xlsx", "县财政局", {"1": done()},
                 spoil=Spoil(meta=False, props=False, title=False))
    ret, _ = _read_one(ws, "新建 Microsoft Excel 工作表.xlsx")
    assert (ret.unit, ret.recognized_by) == ("县财政局", "任务编号")


def test_same_file_three_times(ws, inbox):
    path = write_return(ws.inbox / "财政局.xlsx", "县财政局", {"1": done()}, mtime=1_789_000_100)
    for copy in ("财政局 (1).xlsx", "财政局 (2).xlsx"):
        (ws.inbox / copy).write_bytes(path.read_bytes())
        os.utime(ws.inbox / copy, (1_789_000_200, 1_789_000_200))
    result = _collect(ws)
    statuses = sorted(f.status for f in result.files if "财政局" in f.name)
    assert statuses == [DUPLICATE, DUPLICATE, READ]
    assert "相同，已跳过" in _file(result, "财政局 (2).xlsx").message
    conn = connect(ws.db_path)
    assert conn.execute("SELECT COUNT(*) FROM submissions WHERE unit = '县财政局'").fetchone()[0] == 1
    _assert_consistent(ws, result)


def test_return_for_an_older_round(ws, inbox):
    write_return(ws.inbox / "财政局.xlsx", "县财政局", {"1": done()}, round_name=OLD_ROUND)
    ret, conn = _read_one(ws, "财政局.xlsx")
    assert ret.round == OLD_ROUND and not ret.current_round
    assert any(c == "return.other_round" and OLD_ROUND in m for c, m in _codes(conn, ret.submission_id))
    current = conn.execute("SELECT COUNT(*) FROM submissions WHERE round = ? AND unit = '县财政局'", (ROUND,))
    assert current.fetchone()[0] == 0


def test_xlsx_named_xls_and_zip_named_xlsx(ws, inbox, tmp_path):
    (ws.inbox / "财政局.xls").write_bytes(_xlsx_bytes(tmp_path))
    town = _xlsx_bytes(tmp_path, "甲镇人民政府", {"2": ongoing()})
    (ws.inbox / "甲镇.xlsx").write_bytes(_zip({"甲镇台账.xlsx": town}))
    result = _collect(ws)
    assert _file(result, "财政局.xls").returns[0].unit == "县财政局"
    assert _file(result, "甲镇.xlsx").returns[0].unit == "甲镇人民政府"
    _assert_consistent(ws, result)


def test_zip_with_gbk_names_and_evidence(ws, inbox, tmp_path):
    data = _zip({"财政局台账.xlsx": _xlsx_bytes(tmp_path), "佐证材料/会议照片.jpg": b"\xff\xd8\xff" + b"x" * 100,
                 "佐证材料/实施方案.pdf": b"%PDF-1.4 ...", "佐证材料/说明.docx": b"PK\x03\x04 not really"}, gbk=True)
    (ws.inbox / "财政局材料.zip").write_bytes(data)
    ret, conn = _read_one(ws, "财政局材料.zip")
    assert ret.member.startswith("财政局台账")
    names = sorted(r["name"] for r in conn.execute("SELECT name FROM attachments WHERE submission_id = ?",
                                                   (ret.submission_id,)))
    assert len(names) == 3 and all(n.startswith("佐证材料/") for n in names)
    for row in conn.execute("SELECT archive_path FROM attachments"):
        assert (ws.root / row["archive_path"]).exists()


def test_zip_entries_with_dotdot_or_absolute_paths_are_refused(ws, inbox, tmp_path):
    data = _zip({"财政局.xlsx": _xlsx_bytes(tmp_path), "../../etc/passwd": b"x", "/abs/evil.txt": b"y"})
    (ws.inbox / "财政局.zip").write_bytes(data)
    result = _collect(ws)
    outcome = _file(result, "财政局.zip")
    assert outcome.status == READ and "路径不安全" in outcome.message
    assert not (ws.root.parent / "etc").exists()
    _assert_consistent(ws, result)


def test_nested_zip_opened_once(ws, inbox, tmp_path):
    inner = _zip({"财政局.xlsx": _xlsx_bytes(tmp_path)})
    deeper = _zip({"更深.zip": _zip({"甲镇.xlsx": _xlsx_bytes(tmp_path, "甲镇人民政府", {"2": ongoing()})})})
    (ws.inbox / "打包.zip").write_bytes(_zip({"内层.zip": inner, "再内层.zip": deeper}))
    result = _collect(ws)
    outcome = _file(result, "打包.zip")
    assert [r.unit for r in outcome.returns] == ["县财政局"]
    assert "嵌套超过一层" in outcome.message
    _assert_consistent(ws, result)


def test_xlsm_values_read_macros_never_run(ws, inbox, tmp_path):
    data = _rezip(_xlsx_bytes(tmp_path), add={"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0 fake vba"})
    (ws.inbox / "财政局.xlsm").write_bytes(data)
    ret, conn = _read_one(ws, "财政局.xlsm")
    assert ret.errors == 0 and any("宏未运行" in m for _, m in _problems(conn, ret.submission_id))


def test_formulas_cached_value_used_and_missing_cache_is_an_error(ws, inbox, tmp_path):
    write_return(ws.inbox / "财政局.xlsx", "县财政局", {"1": done(), "2": ongoing(), "3": ongoing()},
                 spoil=Spoil(formulas={"2": ("=40+30", 70), "3": ("=1/0", "#DIV/0!")}))
    ret, conn = _read_one(ws, "财政局.xlsx")
    assert _answer(conn, ret.submission_id, "2")["progress"] == 70
    assert ret.errors == 1 and any(c == "formula.error_value" and "#DIV/0!" in m
                                   for c, m in _codes(conn, ret.submission_id))
    raw_type = conn.execute("SELECT raw_type FROM cells WHERE submission_id = ? AND task_id = '2' "
                            "AND column_name = '完成进度(%)'", (ret.submission_id,)).fetchone()[0]
    assert raw_type == "formula:number"


def test_formula_without_cached_value(ws, inbox):
    import openpyxl

    path = write_return(ws.inbox / "财政局.xlsx", "县财政局", {"1": done(), "2": ongoing(), "3": ongoing()})
    book = openpyxl.load_workbook(path)
    book["工作台账"]["I4"] = "=50+10"  # openpyxl saves formulas without a computed value
    book.save(path)
    ret, conn = _read_one(ws, "财政局.xlsx")
    assert ret.errors == 1
    assert "formula.no_cache" in dict(_codes(conn, ret.submission_id))


def test_merged_cells_spread_over_their_rows(ws, inbox):
    values = {"1": done(), "2": ongoing(工作举措及成效="统一部署推进。"), "3": ongoing(工作举措及成效=None)}
    write_return(ws.inbox / "财政局.xlsx", "县财政局", values, spoil=Spoil(merged=("2", "3", "工作举措及成效")))
    ret, conn = _read_one(ws, "财政局.xlsx")
    assert _answer(conn, ret.submission_id, "3")["measures"] == "统一部署推进。"
    assert "cells.merged" in dict(_codes(conn, ret.submission_id))


def test_free_text_where_a_dropdown_was(ws, inbox):
    write_return(ws.inbox / "财政局.xlsx", "县财政局", {"1": done(完成状态="完成了"), "2": ongoing(完成状态="正在推进"),
                                                      "3": ongoing(完成状态="差不多了")})
    ret, conn = _read_one(ws, "财政局.xlsx")
    assert _answer(conn, ret.submission_id, "1")["status"] == "已完成"
    assert _answer(conn, ret.submission_id, "2")["status"] == "推进中"
    assert not _answer(conn, ret.submission_id, "3")["accepted"]
    assert ("error", "完成状态「差不多了」无法识别") in _problems(conn, ret.submission_id)


def test_words_outside_the_dropdowns_are_read_and_the_receipt_says_how(ws, inbox):
    """繁體, English, a tick, a figure for the status; 八成 and a remark in the progress; 见附件1 as the mode."""
    write_return(ws.inbox / "财政局.xlsx", "县财政局", {
        "1": done(完成状态="√", **{"完成进度(%)": "100%（已完成）", "材料提供方式": "见附件1", "佐证材料": ""}),
        "2": ongoing(完成状态="進行中", **{"完成进度(%)": "八成"}), "3": ongoing(完成状态="完成（90%）")})
    ret, conn = _read_one(ws, "财政局.xlsx")
    assert [(a["status"], a["progress"]) for a in (_answer(conn, ret.submission_id, t) for t in "123")] == [
        ("已完成", 100), ("推进中", 80), ("推进中", 60)]
    assert _answer(conn, ret.submission_id, "1")["evidence_mode"] == "已附材料"
    codes = [code for code, _ in _codes(conn, ret.submission_id)]
    assert codes.count("status.read_as") == 3 and "mode.read_as" in codes
    assert "done.no_evidence" in codes  # 已附材料 said, but an .xlsx alone brings no material
    assert "progress.not_number" not in codes and "status.unknown" not in codes


def test_a_hedged_progress_or_a_span_is_read_and_the_receipt_says_how(ws, inbox):
    """近80%, 80%-90%: read as 80 and noted (before: 不是数字, the row sent back); 不到50% stays an error."""
    write_return(ws.inbox / "财政局.xlsx", "县财政局", {
        "1": ongoing(**{"完成进度(%)": "近80%"}), "2": ongoing(**{"完成进度(%)": "80%-90%"}),
        "3": ongoing(**{"完成进度(%)": "不到50%"})})
    ret, conn = _read_one(ws, "财政局.xlsx")
    answers = [_answer(conn, ret.submission_id, t) for t in "123"]
    assert [(a["accepted"], a["progress"]) for a in answers] == [(1, 80), (1, 80), (0, None)]
    codes = [code for code, _ in _codes(conn, ret.submission_id)]
    assert codes.count("progress.read_as") == 2 and codes.count("progress.not_number") == 1
    notes = [message for code, message in _codes(conn, ret.submission_id) if code == "progress.read_as"]
    assert "完成进度(%)「80%-90%」按80%读取" in notes


def test_a_status_word_written_as_the_progress_is_read_as_its_figure(ws, inbox):
    """已完成 typed in 完成进度 (the unit's way of saying 100): read as 100 and noted, the row accepted; 未启动 there
    is 0."""
    write_return(ws.inbox / "公安局.xlsx", GOOD_UNIT, {
        "1": done(**{"完成进度(%)": "已完成"}), "4": ongoing(完成状态="未启动", **{"完成进度(%)": "未启动"}),
        "5": done()})
    ret, conn = _read_one(ws, "公安局.xlsx")
    answers = [_answer(conn, ret.submission_id, t) for t in "145"]
    assert [(a["accepted"], a["status"], a["progress"]) for a in answers] == [
        (1, "已完成", 100), (1, "未启动", 0), (1, "已完成", 100)]
    found = _codes(conn, ret.submission_id)
    assert ("progress.read_as", "完成进度(%)「已完成」按100%读取") in found
    assert ("progress.read_as", "完成进度(%)「未启动」按0%读取") in found


def test_a_word_for_no_figure_in_the_progress_is_stored_as_empty_and_noted(ws, inbox):
    """常态化 or "/" typed in 完成进度: the row is accepted with no progress (a 已完成 row's is 100), and the receipt's
    note says the word was taken as empty; before, 不是数字 sent the row back."""
    write_return(ws.inbox / "公安局.xlsx", GOOD_UNIT, {
        "1": done(**{"完成进度(%)": "/"}), "4": ongoing(**{"完成进度(%)": "常态化"}), "5": done()})
    ret, conn = _read_one(ws, "公安局.xlsx")
    answers = [_answer(conn, ret.submission_id, t) for t in "145"]
    assert [(a["accepted"], a["progress"]) for a in answers] == [(1, 100), (1, None), (1, 100)]
    found = _codes(conn, ret.submission_id)
    assert ("progress.no_figure", "完成进度(%)「常态化」不是数字，按未填写处理") in found
    assert [code for code, _ in found].count("progress.no_figure") == 2


def test_a_bare_figure_typed_in_the_status_column_is_read_as_its_state(ws, inbox):
    """80 typed as a number in 完成状态 with 完成进度 empty: 推进中 at 80, noted; before, 无法识别 sent the row back."""
    write_return(ws.inbox / "公安局.xlsx", GOOD_UNIT, {
        "1": done(), "4": ongoing(完成状态=80, **{"完成进度(%)": None}), "5": done()})
    ret, conn = _read_one(ws, "公安局.xlsx")
    answer = _answer(conn, ret.submission_id, "4")
    assert (answer["accepted"], answer["status"], answer["progress"]) == (1, "推进中", 80)
    assert ("status.read_as", "完成状态「80」按“推进中”读取") in _codes(conn, ret.submission_id)


def test_a_figure_as_the_status_gives_the_progress_too(ws, inbox):
    """80% written as the status (as text, or 0.8 in a cell formatted as a percentage): 推进中 with progress 80,
    quoted as the unit sees it. Before: the progress left empty, and 0.8 quoted as stored ("0.8") and refused."""
    write_return(ws.inbox / "财政局.xlsx", "县财政局", {
        "1": ongoing(完成状态="80%", **{"完成进度(%)": None}), "2": ongoing(完成状态=0.8, **{"完成进度(%)": None}),
        "3": ongoing(完成状态="完成（90%）", **{"完成进度(%)": 70})}, spoil=Spoil(percent_status=("2",)))
    ret, conn = _read_one(ws, "财政局.xlsx")
    answers = [_answer(conn, ret.submission_id, t) for t in "123"]
    assert [(a["accepted"], a["status"], a["progress"]) for a in answers] == [
        (1, "推进中", 80), (1, "推进中", 80), (1, "推进中", 70)]  # a progress given stays
    notes = [message for code, message in _codes(conn, ret.submission_id) if code == "status.read_as"]
    assert notes.count("完成状态「80%」按“推进中”读取") == 2


def test_rows_sorted_deleted_and_foreign(ws, inbox):
    spoil = Spoil(extra_rows={"4": ongoing(), "99": ongoing()})
    write_return(ws.inbox / "财政局.xlsx", "县财政局", {"1": done(), "3": ongoing()}, spoil=spoil)
    ret, conn = _read_one(ws, "财政局.xlsx")
    problems = _problems(conn, ret.submission_id)
    assert ("error", "任务「4」不是本单位的任务") in problems
    assert ("error", "任务编号「99」在本轮次中不存在") in problems
    assert ("missing", "任务「2」未填报") in problems
    assert _answer(conn, ret.submission_id, "4") is None


def test_task_text_changed_is_a_warning(ws, inbox):
    write_return(ws.inbox / "财政局.xlsx", "县财政局", {"1": done(), "2": ongoing(), "3": ongoing()},
                 spoil=Spoil(task_text={"2": "改过的任务文字"}))
    ret, conn = _read_one(ws, "财政局.xlsx")
    assert ret.errors == 0 and _answer(conn, ret.submission_id, "2")["accepted"] == 1
    assert "row.text_changed" in dict(_codes(conn, ret.submission_id))


def test_percent_formatted_one_is_one_hundred(ws, inbox):
    values = {"1": done(**{"完成进度(%)": 1}), "2": ongoing(), "3": ongoing()}
    write_return(ws.inbox / "财政局.xlsx", "县财政局", values, spoil=Spoil(percent_cells=("1",)))
    ret, conn = _read_one(ws, "财政局.xlsx")
    assert _answer(conn, ret.submission_id, "1")["progress"] == 100 and ret.warnings == 0


def test_liaison_sheet_updates_the_liaison(ws, inbox):
    write_return(ws.inbox / "财政局.xlsx", "县财政局", {"1": done()},
                 liaison={"联络员": "张三", "手机": "13800138000", "职务": "科员"})
    ret, conn = _read_one(ws, "财政局.xlsx")
    row = conn.execute("SELECT * FROM liaisons WHERE unit = '县财政局'").fetchone()
    assert (row["liaison"], row["mobile"], row["post"], row["submission_id"]) == ("张三", "13800138000", "科员",
                                                                                 ret.submission_id)


def test_late_and_overdue_are_facts_not_errors(ws, inbox):
    write_return(ws.inbox / "财政局.xlsx", "县财政局", {"1": ongoing(), "2": ongoing(), "3": ongoing()},
                 mtime=1_800_000_000)  # 2027: after the due date
    ret, conn = _read_one(ws, "财政局.xlsx")
    assert ret.errors == 0
    row = conn.execute("SELECT late FROM submissions WHERE id = ?", (ret.submission_id,)).fetchone()
    assert row["late"] == 1
    assert ("overdue", "任务「1」完成时限为2026-06-30，至今未完成") in _problems(conn, ret.submission_id)


def test_every_figure_traces_back_to_a_cell(ws, inbox):
    _collect(ws)
    conn = connect(ws.db_path)
    conn.row_factory = sqlite3.Row
    row = conn.execute(
        "SELECT c.sheet, c.cell, c.raw, c.raw_type, c.normalized, f.inbox_path FROM answers a "
        "JOIN cells c ON c.submission_id = a.submission_id AND c.task_id = a.task_id "
        "AND c.column_name = '完成进度(%)' JOIN submissions s ON s.id = a.submission_id "
        "JOIN files f ON f.hash = s.file_hash WHERE s.unit = ? AND a.task_id = '4'", (GOOD_UNIT,)).fetchone()
    assert tuple(row) == ("工作台账", "J4", "60", "number", "60", "inbox/公安局.xlsx")



# ---------------------------------------------------------------- files made to hurt: declared sizes


def _sheet_xml(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return zf.read("xl/worksheets/sheet1.xml").decode()


def _with_cells(data: bytes, rows: str) -> bytes:
    return _rezip(data, replace={"xl/worksheets/sheet1.xml": _sheet_xml(data).replace(
        "</sheetData>", f"{rows}</sheetData>").encode()})


@pytest.mark.parametrize("rows", [
    '<row r="1048576"><c r="XFD1048576" t="n"><v>1</v></c></row>',  # calamine would allocate 17 G cells
    '<row r="4294967295"><c t="n"><v>1</v></c></row>',  # a row number past 32 bits, cell without a reference
    '<row r="4294967295"><c r="A4294967295" t="n"><v>1</v></c></row>',
    "<row r='1048576'><c r='O1048576'><v>1</v></c></row>",  # single quotes: XML allows them
    '<row r="70000"><c r="O70000" t="n"><v>1</v></c></row><row r="70001"><c r="AZ70001"><v>1</v></c></row>',
    '<row r="1048576">' + '<c><v>1</v></c>' * 2000 + '</row>',  # cells placed one after the other
], ids=["XFD1048576", "row-2^32", "cell-2^32", "single-quotes", "two-far-cells", "unplaced-cells"])
def test_cell_far_away_is_refused_before_reading(ws, inbox, tmp_path, rows):
    _refused(ws, "财政局.xlsx", _with_cells(_xlsx_bytes(tmp_path), rows), "sheet.too_far", "数据范围过大")


def test_declared_dimension_alone_is_harmless(ws, inbox, tmp_path):
    data = _xlsx_bytes(tmp_path)
    xml = _sheet_xml(data)
    start = xml.index("<dimension ref=")
    xml = xml[:start] + '<dimension ref="A1:XFD1048576"/>' + xml[xml.index("/>", start) + 2:]
    (ws.inbox / "财政局.xlsx").write_bytes(_rezip(data, replace={"xl/worksheets/sheet1.xml": xml.encode()}))
    ret, _ = _read_one(ws, "财政局.xlsx")
    assert ret.unit == "县财政局"


@pytest.mark.parametrize("declared", ['uniqueCount="4000000000"', "uniqueCount='3000000'"])
def test_shared_string_count_past_the_part_is_refused(ws, inbox, tmp_path, declared):
    data = _xlsx_bytes(tmp_path)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        sst = zf.read("xl/sharedStrings.xml").decode()
    import re

    sst = re.sub(r'uniqueCount="\d+"', declared, sst, count=1)
    _refused(ws, "财政局.xlsx", _rezip(data, replace={"xl/sharedStrings.xml": sst.encode()}), "book.strings",
             "共享字符串数量声明异常")


def test_shared_string_count_larger_than_the_part_is_fine(ws, inbox, tmp_path):
    data = _xlsx_bytes(tmp_path)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        sst = zf.read("xl/sharedStrings.xml").decode()
    import re

    sst = re.sub(r' count="\d+"', ' count="4000000000"', sst, count=1)  # references, not strings: not reserved
    (ws.inbox / "财政局.xlsx").write_bytes(_rezip(data, replace={"xl/sharedStrings.xml": sst.encode()}))
    ret, _ = _read_one(ws, "财政局.xlsx")
    assert ret.unit == "县财政局"


@pytest.mark.parametrize("index", ["abc", "99999", " 1 "])
def test_shared_string_cell_with_a_bad_index_is_refused_naming_the_cell(ws, inbox, tmp_path, index):
    import re

    data = _xlsx_bytes(tmp_path)
    xml = _sheet_xml(data)
    found = list(re.finditer(r'<c r="([A-Z]+\d+)"[^>]*t="s"[^>]*><v>(\d+)</v>', xml))[-1]  # a cell the unit typed
    xml = xml[:found.start(2)] + index + xml[found.end(2):]  # calamine would read string 0 (or drop the sheet)
    data = _rezip(data, replace={"xl/worksheets/sheet1.xml": xml.encode()})
    _refused(ws, "财政局.xlsx", data, "cell.string_index", found.group(1))


def test_merge_range_over_the_whole_sheet_is_clipped(ws, inbox, tmp_path):
    import time

    data = _xlsx_bytes(tmp_path)
    xml = _sheet_xml(data).replace("</sheetData>", '</sheetData><mergeCells count="1">'
                                   '<mergeCell ref="H3:XFD1048576"/></mergeCells>')
    (ws.inbox / "财政局.xlsx").write_bytes(_rezip(data, replace={"xl/worksheets/sheet1.xml": xml.encode()}))
    started = time.monotonic()
    ret, conn = _read_one(ws, "财政局.xlsx")
    assert time.monotonic() - started < 30
    assert any("合并单元格" in m for _, m in _problems(conn, ret.submission_id))


def test_twelve_sheets_each_reaching_row_a_million(ws, inbox, tmp_path):
    data = _xlsx_bytes(tmp_path, spoil=Spoil(sheet_name="Sheet1"))  # the ledger is looked for in every sheet
    far = _with_cells(data, '<row r="1048576"><c r="O1048576" t="n"><v>1</v></c></row>')
    with zipfile.ZipFile(io.BytesIO(far)) as zf:
        sheet = zf.read("xl/worksheets/sheet1.xml")
        workbook = zf.read("xl/workbook.xml").decode()
        rels = zf.read("xl/_rels/workbook.xml.rels").decode()
        types = zf.read("[Content_Types].xml").decode()
    extra_sheets, extra_rels, extra_types, parts = "", "", "", {}
    for n in range(20, 32):
        extra_sheets += f'<sheet name="表{n}" sheetId="{n}" r:id="rId{n}"/>'
        extra_rels += (f'<Relationship Id="rId{n}" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                       f'relationships/worksheet" Target="worksheets/sheet{n}.xml"/>')
        extra_types += (f'<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="application/'
                        'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>')
        parts[f"xl/worksheets/sheet{n}.xml"] = sheet
    replace = {"xl/workbook.xml": workbook.replace("</sheets>", extra_sheets + "</sheets>").encode(),
               "xl/_rels/workbook.xml.rels": rels.replace("</Relationships>", extra_rels + "</Relationships>").encode(),
               "[Content_Types].xml": types.replace("</Types>", extra_types + "</Types>").encode()}
    _refused(ws, "财政局.xlsx", _rezip(far, replace=replace, add=parts), "sheet.too_far", "数据范围过大")


def _ods(rows_xml: str) -> bytes:
    content = ('<?xml version="1.0" encoding="UTF-8"?><office:document-content '
               'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
               'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
               'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"><office:body>'
               f'<office:spreadsheet><table:table table:name="工作台账">{rows_xml}</table:table>'
               '</office:spreadsheet></office:body></office:document-content>')
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet", zipfile.ZIP_STORED)
        zf.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
        zf.writestr("META-INF/manifest.xml", '<?xml version="1.0"?><manifest:manifest xmlns:manifest='
                    '"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"/>')
    return out.getvalue()


_ODS_CELL = '<table:table-cell office:value-type="string"><text:p>x</text:p></table:table-cell>'


def test_an_ods_whose_mimetype_fails_its_crc_is_a_damaged_workbook_in_chinese(ws, inbox):
    """Before: "读取失败（BadZipFile: Bad CRC-32 for file 'mimetype'）", zipfile's English in a Chinese line."""
    outcome = _refused(ws, "财政局.ods", _spoil_part(_ods(f"<table:table-row>{_ODS_CELL}</table:table-row>"),
                                                     "mimetype", "crc"), "zip.damaged", "工作簿文件已损坏或不完整")
    assert "BadZipFile" not in outcome.message and "CRC" not in outcome.message


@pytest.mark.parametrize("rows", [
    f'<table:table-row table:number-rows-repeated="1000000">{_ODS_CELL * 3}</table:table-row>',
    f'<table:table-row><table:table-cell table:number-columns-repeated="16384" office:value-type="float" '
    f'office:value="1"/></table:table-row><table:table-row table:number-rows-repeated="200">{_ODS_CELL}'
    '</table:table-row>',
    f'<table:table-row>{_ODS_CELL}</table:table-row><table:table-row table:number-rows-repeated="3000000">'
    f'<table:table-cell/></table:table-row><table:table-row>{_ODS_CELL}</table:table-row>',
], ids=["rows-repeated", "columns-repeated", "empty-rows-between"])
def test_ods_repeats_are_counted_before_reading(ws, inbox, rows):
    _refused(ws, "财政局.ods", _ods(rows), "sheet.too_far", "数据范围过大")


_LONG = "完成" * 15_000


@pytest.mark.parametrize("rows", [
    '<table:table-row><table:table-cell office:value-type="string"><text:p>a<text:s text:c="99999999"/>b</text:p>'
    '</table:table-cell></table:table-row>',
    f'<table:table-row><table:table-cell table:number-columns-repeated="1000" office:value-type="string"><text:p>'
    f'{_LONG}</text:p></table:table-cell></table:table-row>',
    f'<table:table-row table:number-rows-repeated="1000">{_ODS_CELL}<table:table-cell office:value-type="string">'
    f'<text:p>{_LONG}</text:p></table:table-cell></table:table-row>',
], ids=["spaces", "long-text-columns-repeated", "long-text-rows-repeated"])
def test_ods_text_expanded_past_the_limit_is_refused_before_reading(ws, inbox, rows):
    """<text:s text:c="99999999"/> (a hundred million spaces) or a 30,000-character text repeated over a
    thousand cells: calamine made every string and ran out of memory (read.crashed, SIGABRT)."""
    _refused(ws, "财政局.ods", _ods(rows), "sheet.too_far", "文字过多")


def test_cells_pointing_at_more_shared_text_than_a_reader_holds_are_told_as_such(ws, inbox, tmp_path):
    """100,000 cells all pointing at one 30,000-character shared string (a file of 200 KB): calamine makes the
    string for each cell and runs out of memory. The worker's end is explained from the file: 文字过多, by sheet."""
    data = _xlsx_bytes(tmp_path)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        strings = zf.read("xl/sharedStrings.xml").decode()
    index = strings.count("<si>")
    strings = strings.replace("</sst>", f"<si><t>{'字' * 30_000}</t></si></sst>")
    columns = [get_column_letter(n) for n in range(1, 101)]
    rows = "".join(f'<row r="{r}">' + "".join(f'<c r="{c}{r}" t="s"><v>{index}</v></c>' for c in columns) + "</row>"
                   for r in range(200, 1200))
    data = _rezip(_with_cells(data, rows), replace={"xl/sharedStrings.xml": strings.encode()})
    _refused(ws, "财政局.xlsx", data, "sheet.too_far", "工作表「工作台账」的文字过多")


def test_ods_empty_rest_of_the_sheet_is_fine(ws, inbox):
    rows = (f'<table:table-row>{_ODS_CELL}</table:table-row><table:table-row table:number-rows-repeated="1048575">'
            '<table:table-cell table:number-columns-repeated="1024"/></table:table-row>')
    result = _collect(ws)  # nothing but the good return yet
    (ws.inbox / "说明.ods").write_bytes(_ods(rows))
    result = _collect(ws)
    assert _file(result, "说明.ods").message  # read, not a ledger: told, not refused for its size
    assert "数据范围过大" not in _file(result, "说明.ods").message
    assert _file(result, "说明.ods").code == "file.not_ledger"


def test_nested_zips_share_one_budget(ws, inbox, tmp_path, monkeypatch):
    from reporting.readers import archive

    monkeypatch.setattr(archive, "MAX_TOTAL_BYTES", 8 * 1024 * 1024)  # workers are forked: they see it too
    filler = bytes(3 * 1024 * 1024)  # each inner zip within the limits, together past them (and past what
    # the file weighs: the budget is MAX_TOTAL_BYTES on top of that)
    inner = {f"内层{n}.zip": _zip({f"照片{n}.jpg": filler}) for n in range(5)}
    inner["财政局.xlsx"] = _xlsx_bytes(tmp_path)
    (ws.inbox / "打包.zip").write_bytes(_zip(inner))
    result = _collect(ws)
    outcome = _file(result, "打包.zip")
    assert outcome.status == READ and outcome.returns[0].unit == "县财政局"
    assert BOMB in outcome.message
    _assert_consistent(ws, result)


# ---------------------------------------------------------------- nested zips, streamed against one budget


_CHILD = """
import json, resource, sys
from reporting import collect_read
if len(sys.argv) > 2:
    collect_read.READ_MEMORY = int(sys.argv[2])
from reporting.collect import collect_inbox
from reporting.workspace import Workspace
result = collect_inbox(Workspace(sys.argv[1]), receipts=False, workers=1)
print(json.dumps({"files": [[f.name, f.status, f.code, f.message, [r.unit for r in f.returns]] for f in result.files],
                  "worker_kb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}))
"""


def _collect_in_child(ws, memory: int | None = None) -> tuple[dict[str, tuple[str, str, str, list[str]]], int]:
    """collect run by a fresh interpreter (its reading worker forked from a small process, not from pytest):
    each file's (status, code, message, units), and the reading worker's peak resident size in KB; the good
    return beside the file is collected, inbox/ unchanged. `memory`: READ_MEMORY for the run."""
    import json
    import subprocess
    import sys

    before = _inbox_bytes(ws)
    extra = [] if memory is None else [str(memory)]
    done_ = subprocess.run([sys.executable, "-c", _CHILD, str(ws.root), *extra], capture_output=True, text=True,
                           timeout=600, check=True, cwd=ws.root)
    assert _inbox_bytes(ws) == before
    found = json.loads(done_.stdout)
    assert [f[1:] for f in found["files"] if f[0] == "inbox/公安局.xlsx"] == [[READ, "", "", [GOOD_UNIT]]]
    return {name: (status, code, message, units) for name, status, code, message, units in found["files"]}, (
        found["worker_kb"])


def _leftovers(ws) -> list[Path]:
    from reporting.fileio import TEMP_PREFIX

    return [p for p in ws.archive.rglob("*") if p.name.startswith(TEMP_PREFIX)]


_TEN_MB = 10 * 1024 * 1024  # an entry of zeros this long is within the ratio rule (it applies past 10 MB)


def _inner_bomb() -> bytes:
    """A zip within every per-zip limit: ten entries of 10 MB of zeros (100 MB unpacked, 100 KB packed)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for n in range(10):
            zf.writestr(f"照片{n}.jpg", bytes(_TEN_MB))
    return out.getvalue()


def _overlapping(entry: bytes, name: str, count: int) -> bytes:
    """A zip whose `count` directory entries all point at the same compressed data (a zip bomb without
    nesting; in effect a zip that refers to itself `count` times)."""
    import struct

    data = _zip({name: entry})
    end = data.rindex(b"PK\x05\x06")
    start = struct.unpack("<I", data[end + 16:end + 20])[0]
    directory = data[start:end] * count
    return (data[:start] + directory + data[end:end + 8]
            + struct.pack("<HHII", count, count, len(directory), start) + b"\0\0")


MEMORY_OF_A_WORKER_KB = 200 * 1024  # what the reading worker may reach on these files: well under the budget


def test_twenty_inner_zips_within_their_limits_are_one_bomb(ws, inbox):
    from reporting.readers import archive

    inner = _inner_bomb()
    bomb = _zip({f"内层{n:02d}.zip": inner for n in range(20)})  # 2 GB unpacked, 4 times the budget
    assert len(bomb) < 64 * 1024 and 20 * 10 * _TEN_MB >= 4 * archive.MAX_TOTAL_BYTES
    (ws.inbox / "打包.zip").write_bytes(bomb)
    import time

    started = time.monotonic()
    outcomes, worker_kb = _collect_in_child(ws)
    assert time.monotonic() - started < 120
    status, code, message, _ = outcomes["inbox/打包.zip"]
    assert (status, code) == (ERROR_FILE, "zip.bomb") and BOMB in message
    assert worker_kb < MEMORY_OF_A_WORKER_KB < archive.MAX_TOTAL_BYTES // 1024  # unpacked on disk, not in memory
    assert _leftovers(ws) == []
    _assert_store_consistent(ws)


def test_deeply_nested_zip_stops_at_the_depth(ws, inbox, tmp_path):
    data = _zip({"照片.jpg": bytes(_TEN_MB)})
    for level in range(40):
        data = _zip({f"第{level}层.zip": data})
    (ws.inbox / "套娃.zip").write_bytes(data)
    outcomes, worker_kb = _collect_in_child(ws)
    status, code, message, _ = outcomes["inbox/套娃.zip"]
    assert (status, code) == (ERROR_FILE, "zip.nested") and "嵌套超过一层" in message
    assert worker_kb < MEMORY_OF_A_WORKER_KB and _leftovers(ws) == []
    _assert_store_consistent(ws)


def test_workbook_beside_a_too_deep_zip_is_read(ws, inbox, tmp_path):
    deeper = _zip({"更深.zip": _zip({"甲镇.xlsx": _xlsx_bytes(tmp_path, "甲镇人民政府", {"2": ongoing()})})})
    (ws.inbox / "打包.zip").write_bytes(_zip({"财政局.xlsx": _xlsx_bytes(tmp_path), "再内层.zip": deeper}))
    result = _collect(ws)
    outcome = _file(result, "打包.zip")
    assert outcome.status == READ and [r.unit for r in outcome.returns] == ["县财政局"]
    assert "再内层.zip/更深.zip：压缩包嵌套超过一层" in outcome.message
    _assert_consistent(ws, result)


def test_zip_whose_entries_share_their_data_is_a_bomb(ws, inbox):
    """Forty names for one 10 MB entry: within the per-zip limits (400 MB), refused before it unpacks."""
    _refused(ws, "照片.zip", _overlapping(bytes(_TEN_MB), "照片.jpg", 40), "zip.bomb", BOMB)


def test_zip_referring_to_itself_inside_a_zip(ws, inbox):
    """The outer zip names the same inner zip twice over one copy of its bytes, the inner one names one
    entry forty times: every level refers back to itself, and the whole file stays one budget."""
    inner = _overlapping(bytes(_TEN_MB), "照片.jpg", 40)
    (ws.inbox / "自指.zip").write_bytes(_overlapping(inner, "自指.zip", 3))
    outcomes, worker_kb = _collect_in_child(ws)
    status, code, message, _ = outcomes["inbox/自指.zip"]
    assert (status, code) == (ERROR_FILE, "zip.bomb") and BOMB in message
    assert worker_kb < MEMORY_OF_A_WORKER_KB and _leftovers(ws) == []
    _assert_store_consistent(ws)


_SLOW_UNPACK = """
import sys, time
from reporting.readers import archive
real = archive.Spool.add
def slow(self, stream, name):
    time.sleep(0.2)
    return real(self, stream, name)
archive.Spool.add = slow
from reporting.collect import collect_inbox
from reporting.workspace import Workspace
collect_inbox(Workspace(sys.argv[1]), receipts=False, workers=1)
"""


def _stored(ws) -> int:
    conn = connect(ws.db_path)
    try:
        return conn.execute("SELECT COUNT(*) FROM submissions").fetchone()[0]
    finally:
        conn.close()


def test_collect_killed_while_unpacking_leaves_nothing_behind(ws, inbox):
    """SIGKILL to collect while its worker unpacks the twenty inner zips: the worker dies with it, no
    temporary file is left in archive/ (the spool has no name), and the next run reads the file."""
    import signal
    import subprocess
    import sys
    import time

    (ws.inbox / "打包.zip").write_bytes(_zip({f"内层{n:02d}.zip": _inner_bomb() for n in range(20)}))
    process = subprocess.Popen([sys.executable, "-c", _SLOW_UNPACK, str(ws.root)], cwd=ws.root,
                               start_new_session=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not _stored(ws):  # the good return stored: the zip is next
        time.sleep(0.1)
    time.sleep(1)  # into its twenty slowed entries
    assert process.poll() is None
    process.send_signal(signal.SIGKILL)
    process.wait()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:  # the worker ends with it
        try:
            os.killpg(process.pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.05)
    else:
        raise AssertionError("the reading worker outlived its collect")
    assert _leftovers(ws) == []
    result = _collect(ws)
    assert _file(result, "打包.zip").code == "zip.bomb"
    assert result.unchanged == 1  # the good return, stored by the killed run before the zip
    _assert_store_consistent(ws)


def test_inner_zip_that_is_a_bomb_by_itself_is_told_not_kept(ws, inbox, tmp_path):
    """An inner zip refused on what it declares (entries sharing their data) is named as a bomb and not kept
    as an attachment; the workbook beside it is read."""
    bomb = _overlapping(bytes(_TEN_MB), "照片.jpg", 60)
    (ws.inbox / "打包.zip").write_bytes(_zip({"财政局.xlsx": _xlsx_bytes(tmp_path), "照片.zip": bomb}))
    result = _collect(ws)
    outcome = _file(result, "打包.zip")
    assert outcome.status == READ and [r.unit for r in outcome.returns] == ["县财政局"]
    assert f"照片.zip：{BOMB}" in outcome.message and outcome.returns[0].attachments == []
    _assert_consistent(ws, result)
    (ws.inbox / "只有炸弹.zip").write_bytes(_zip({"照片.zip": bomb}))
    result = _collect(ws)
    assert (_file(result, "只有炸弹.zip").status, _file(result, "只有炸弹.zip").code) == (ERROR_FILE, "zip.bomb")


@pytest.mark.parametrize("system", ["nameless", "named"])
def test_evidence_in_an_inner_zip_is_archived_from_disk(ws, inbox, tmp_path, monkeypatch, system):
    """Copied into archive/ nameless until whole, or (no O_TMPFILE: Windows, some file systems) under a
    temporary name renamed once closed."""
    if system == "named":
        import tempfile

        monkeypatch.delattr(os, "O_TMPFILE", raising=False)
        monkeypatch.setattr(tempfile, "_O_TMPFILE_WORKS", False)  # the spool too (it was told at import)
    photo = os.urandom(3 * 1024 * 1024)
    inner = _zip({"佐证材料/会议照片.jpg": photo})
    (ws.inbox / "财政局材料.zip").write_bytes(_zip({"财政局台账.xlsx": _xlsx_bytes(tmp_path), "照片.zip": inner}))
    ret, conn = _read_one(ws, "财政局材料.zip")
    rows = conn.execute("SELECT name, archive_path, size FROM attachments WHERE submission_id = ?",
                        (ret.submission_id,)).fetchall()
    assert [(r["name"], r["size"]) for r in rows] == [("照片.zip/佐证材料/会议照片.jpg", len(photo))]
    assert (ws.root / rows[0]["archive_path"]).read_bytes() == photo
    assert _leftovers(ws) == []


def test_unpacking_killed_leaves_nothing_behind(ws, inbox, tmp_path, monkeypatch):
    from reporting.readers import archive

    real = archive.Spool.add

    def killed(self, stream, name):
        if "照片" in name:
            os.kill(os.getpid(), 9)
        return real(self, stream, name)

    monkeypatch.setattr(archive.Spool, "add", killed)  # the worker is forked: it sees it too
    (ws.inbox / "财政局材料.zip").write_bytes(_zip({"照片.zip": _zip({"会议照片.jpg": b"x" * 1000})}))
    result = _collect(ws)
    assert _file(result, "财政局材料.zip").code == "read.crashed"
    assert _leftovers(ws) == [] and not any(p.is_file() and "照片" in p.name for p in ws.root.rglob("*")
                                            if ws.inbox not in p.parents)
    _assert_consistent(ws, result)


# ---------------------------------------------------------------- large files, streamed from archive/


_MB = 1024 * 1024


def _evidence_zip(path: Path, workbook: bytes, scans: int, size: int, method: int = zipfile.ZIP_STORED) -> None:
    """A zip of a workbook and `scans` PDFs of `size` bytes of random (incompressible) data, written in chunks
    (never held whole in memory)."""
    with zipfile.ZipFile(path, "w", method, compresslevel=1 if method == zipfile.ZIP_DEFLATED else None) as zf:
        zf.writestr("财政局台账.xlsx", workbook)
        for n in range(scans):
            with zf.open(f"佐证材料/扫描件{n}.pdf", "w", force_zip64=True) as out:
                out.write(b"%PDF-1.4\n")
                for _ in range(size // _MB):
                    out.write(os.urandom(_MB))


def _assert_large_zip_collected(ws, name: str, scans: int, memory: int | None, worker_mb: int) -> None:
    outcomes, worker_kb = _collect_in_child(ws, memory)
    status, code, message, units = outcomes[f"inbox/{name}"]
    assert (status, code, units) == (READ, "", ["县财政局"]), message
    assert worker_kb < worker_mb * 1024, worker_kb  # a chunk in memory, never the file
    conn = connect(ws.db_path)
    stored = conn.execute("SELECT hash, archive_path, size FROM files WHERE inbox_path = ?",
                          (f"inbox/{name}",)).fetchone()
    inbox_file = ws.inbox / name
    assert stored["size"] == inbox_file.stat().st_size
    # copied faithfully
    assert stored["hash"] == file_digest(inbox_file) == file_digest(ws.root / stored["archive_path"])
    rows = conn.execute("SELECT a.name, a.archive_path, a.size, a.hash FROM attachments a JOIN submissions s "
                        "ON s.id = a.submission_id WHERE s.file_hash = ?", (stored["hash"],)).fetchall()
    conn.close()
    assert sorted(r["name"] for r in rows) == sorted(f"佐证材料/扫描件{n}.pdf" for n in range(scans))
    for row in rows[:2]:
        assert file_digest(ws.root / row["archive_path"]) == row["hash"]
    assert _leftovers(ws) == [] and not list(ws.root.rglob(".~tmp-*"))
    _assert_store_consistent(ws)


def test_zip_of_evidence_larger_than_the_reading_memory_is_collected(ws, inbox, tmp_path):
    """A 160 MB zip of a workbook and scanned PDFs, read by a worker allowed 64 MB: streamed into archive/,
    hashed on the way and opened from there (read whole, it would end as read.memory)."""
    _evidence_zip(ws.inbox / "财政局材料.zip", _xlsx_bytes(tmp_path), 4, 40 * _MB, zipfile.ZIP_DEFLATED)
    _assert_large_zip_collected(ws, "财政局材料.zip", 4, 64 * _MB, worker_mb=150)
    assert _collect(ws).unchanged == 2  # known by its path, size and time next run: not read again


_CONFIRM = """
import json, sys
from pathlib import Path
from reporting.collect import confirm_file
from reporting.workspace import Workspace
done = confirm_file(Workspace(sys.argv[1]), Path(sys.argv[2]), receipts=False)
peak = next(line for line in Path("/proc/self/status").read_text().splitlines() if line.startswith("VmHWM:"))
print(json.dumps({"units": [c.unit for c in done], "kb": int(peak.split()[1])}))  # ru_maxrss has pytest's
"""


def test_large_zip_held_is_confirmed_in_little_memory(ws, inbox, tmp_path):
    """A 96 MB zip named for another unit is held as 待确认; `reporting confirm` knows it by its digest,
    taken in chunks, not by reading it whole."""
    import json
    import subprocess
    import sys

    name = "县公安局补充材料.zip"
    _evidence_zip(ws.inbox / name, _xlsx_bytes(tmp_path), 2, 48 * _MB)
    result = _collect(ws)
    assert _file(result, name).returns[0].held
    done_ = subprocess.run([sys.executable, "-c", _CONFIRM, str(ws.root), str(ws.inbox / name)],
                           capture_output=True, text=True, timeout=300, check=True, cwd=ws.root)
    found = json.loads(done_.stdout)
    assert found["units"] == ["县财政局"] and found["kb"] < 80 * 1024, found
    _assert_store_consistent(ws)


@pytest.mark.slow
def test_one_gigabyte_zip_of_evidence_is_collected_in_little_memory(ws, inbox, tmp_path):
    """The case of issue 11: a 1 GB zip (past MAX_TOTAL_BYTES: its budget is what it weighs plus that) of a
    small workbook and scanned PDFs, with the project's own limits; the reading worker stays small."""
    _evidence_zip(ws.inbox / "财政局材料.zip", _xlsx_bytes(tmp_path), 8, 128 * _MB)
    assert (ws.inbox / "财政局材料.zip").stat().st_size > 1024 * _MB
    _assert_large_zip_collected(ws, "财政局材料.zip", 8, None, worker_mb=200)


def test_workbook_past_the_reading_limit_is_refused_unread(ws, inbox, tmp_path, monkeypatch):
    """A workbook (in inbox/, or in a zip beside another) that could only end its worker is refused at once
    as read.memory, without being read into memory; the zip's other workbook is read."""
    from reporting import collect_read

    monkeypatch.setattr(collect_read, "READ_MEMORY", 64 * _MB)  # a workbook may weigh 16 MB
    big = _rezip(_xlsx_bytes(tmp_path, "甲镇人民政府", {"2": ongoing()}),
                 add={"xl/media/photo.jpeg": os.urandom(20 * _MB)}, stored=True)
    _refused(ws, "甲镇.xlsx", big, "read.memory", "内存超过上限")
    (ws.inbox / "打包.zip").write_bytes(_zip({"甲镇.xlsx": big, "财政局.xlsx": _xlsx_bytes(tmp_path)}))
    result = _collect(ws)
    outcome = _file(result, "打包.zip")
    assert outcome.status == READ and [r.unit for r in outcome.returns] == ["县财政局"]
    assert "甲镇.xlsx" in outcome.message and "内存超过上限" in outcome.message
    _assert_store_consistent(ws)


@pytest.mark.parametrize("system", ["nameless", "named", "no-proc"])
def test_large_file_changed_while_read_is_archived_as_read(ws, tmp_path, monkeypatch, system):
    """The inbox file is rewritten while it is copied: the digest, the copy in archive/ and what is read
    are the same bytes (those read once from inbox/); whether the copy is made nameless and linked into
    place, or under a temporary name (no O_TMPFILE), or written out again (no /proc to link it from)."""
    from reporting import collect_read

    monkeypatch.setattr(collect_read, "WHOLE_BYTES", 64 * 1024)
    if system == "nameless":  # linked into place: never written out a second time (os.link without a directory
        def written_again(*args, **kwargs):  # descriptor calls link(2), which fails on /proc/self/fd: EXDEV)
            raise AssertionError("the nameless copy was written out again instead of linked")

        monkeypatch.setattr(collect_read, "atomic_path", written_again)
    if system == "named":
        monkeypatch.delattr(os, "O_TMPFILE", raising=False)
    elif system == "no-proc":
        def no_proc(source, *args, **kwargs):
            raise FileNotFoundError(2, "No such file or directory", source)

        monkeypatch.setattr(os, "link", no_proc)
    path = tmp_path / "材料.zip"
    _evidence_zip(path, b"PK-not-a-workbook", 1, 2 * _MB)
    real = collect_read.open_inbox_file

    def changing(name: str):
        stream = real(name)
        first = stream.read

        def read(size: int = -1) -> bytes:
            got = first(size)
            with open(path, "r+b") as out:  # the sender's zip tool rewrites it meanwhile
                out.seek(-_MB, os.SEEK_END)
                out.write(os.urandom(_MB))
            return got

        stream.read = read
        return stream

    monkeypatch.setattr(collect_read, "open_inbox_file", changing)
    job = collect_read.FileJob(str(path), "inbox/材料.zip", 0.0, str(ws.root))
    with collect_read._taken(job) as (found, source):
        assert isinstance(source, collect_read.Member)
        import hashlib

        whole = source.open().read()
        assert found.size == len(whole) == source.size
        assert found.digest == hashlib.sha256(whole).hexdigest() == file_digest(ws.root / found.archived)
    assert file_digest(path) != found.digest  # the inbox file did change; what was read is the one copy
    assert _leftovers(ws) == [] and [p.name for p in ws.archive.rglob("*") if p.is_file()] == [
        PurePosixPath(found.archived).name]
    monkeypatch.setattr(collect_read, "open_inbox_file", real)
    path.write_bytes((ws.root / found.archived).read_bytes())
    with collect_read._taken(job) as (again, _):  # the same contents once more: the copy is not made twice
        assert again.archived == found.archived
    assert _leftovers(ws) == [] and len([p for p in ws.archive.rglob("*") if p.is_file()]) == 1


def _lying(name: str, real: bytes, declared: int) -> bytes:
    """A zip whose headers (local and central) declare `declared` bytes for an entry that unpacks to more."""
    import struct

    data = bytearray(_zip({name: real}))
    struct.pack_into("<I", data, 22, declared)  # the local header's uncompressed size
    struct.pack_into("<I", data, data.rindex(b"PK\x01\x02") + 24, declared)  # the central directory's
    return bytes(data)


@pytest.mark.parametrize("path", ["whole", "streamed"])
@pytest.mark.parametrize("case", ["too-many", "overlapping", "lying-size", "nested-budget"])
def test_hostile_zips_refused_alike_whole_or_streamed(ws, inbox, tmp_path, monkeypatch, path, case):
    """Every check of a zip holds whether the inbox file was read whole or streamed into archive/ and opened
    from there: entry count, entries sharing their data, declared against real sizes, one budget for nested
    zips."""
    from reporting import collect_read
    from reporting.readers import archive

    if path == "streamed":
        monkeypatch.setattr(collect_read, "WHOLE_BYTES", 0)  # the workers are forked: they see it too
    good = _xlsx_bytes(tmp_path)
    if case == "too-many":
        monkeypatch.setattr(archive, "MAX_ENTRIES", 20)
        _refused(ws, "材料.zip", _zip({f"照片{n}.jpg": b"\xff\xd8\xff" + bytes([n]) for n in range(25)}),
                 "zip.too_many", "文件过多")
    elif case == "overlapping":
        _refused(ws, "照片.zip", _overlapping(bytes(_TEN_MB), "照片.jpg", 40), "zip.bomb", BOMB)
    elif case == "lying-size":
        _refused(ws, "照片.zip", _lying("照片.jpg", bytes(20 * _MB), 1000), "zip.damaged", "损坏")
    else:
        monkeypatch.setattr(archive, "MAX_TOTAL_BYTES", 8 * _MB)
        inner = {f"内层{n}.zip": _zip({f"照片{n}.jpg": bytes(3 * _MB)}) for n in range(5)}
        (ws.inbox / "打包.zip").write_bytes(_zip({**inner, "财政局.xlsx": good}))
        result = _collect(ws)
        outcome = _file(result, "打包.zip")
        assert outcome.status == READ and outcome.returns[0].unit == "县财政局" and BOMB in outcome.message
        _assert_consistent(ws, result)
    assert _leftovers(ws) == []


def test_worker_killed_while_copying_evidence_leaves_nothing_behind(ws, inbox, tmp_path, monkeypatch):
    """The copies into archive/ have no name until whole: a worker ended mid-copy (SIGKILL: the time limit)
    leaves no temporary file, even before the next run cleans up."""
    from reporting import collect_read

    real = collect_read._write_all

    def killed(copy, chunk, folder):
        if len(chunk) >= _MB:  # the photo, not the workbook
            os.kill(os.getpid(), 9)
        return real(copy, chunk, folder)

    monkeypatch.setattr(collect_read, "_write_all", killed)  # the worker is forked: it sees it too
    (ws.inbox / "财政局材料.zip").write_bytes(_zip({"财政局.xlsx": _xlsx_bytes(tmp_path),
                                                  "会议照片.jpg": os.urandom(3 * _MB)}))
    result = _collect(ws)
    assert _file(result, "财政局材料.zip").code == "read.crashed"
    assert [p for p in ws.archive.rglob("*") if p.is_file() and p.suffix == ".jpg"] == []
    assert list(ws.root.rglob(".~tmp-*")) == []
    _assert_consistent(ws, result)


def test_disk_full_while_copying_evidence_leaves_the_file_for_the_next_run(ws, inbox, tmp_path, monkeypatch):
    import errno

    from reporting import collect_read

    real = collect_read._write_all

    def full(copy, chunk, folder):
        if len(chunk) >= _MB:
            raise collect_read._Unwritable(OSError(errno.ENOSPC, "No space left on device", str(folder)))
        return real(copy, chunk, folder)

    monkeypatch.setattr(collect_read, "_write_all", full)
    (ws.inbox / "财政局材料.zip").write_bytes(_zip({"财政局.xlsx": _xlsx_bytes(tmp_path),
                                                  "会议照片.jpg": os.urandom(3 * _MB)}))
    result = _collect(ws)
    outcome = _file(result, "财政局材料.zip")
    assert (outcome.status, outcome.code) == (ERROR_FILE, "zip.no_space") and "磁盘空间不足" in outcome.message
    assert list(ws.root.rglob(".~tmp-*")) == []
    _assert_consistent(ws, result)
    monkeypatch.undo()
    result = _collect(ws)  # room again: read and stored
    outcome = _file(result, "财政局材料.zip")
    assert outcome.status == READ and [r.unit for r in outcome.returns] == ["县财政局"]


# ---------------------------------------------------------------- files that end their reader


def _crash_on(marker: str, how):
    """collect_read._open, ending the process (as a reader that aborts would) for files named with `marker`."""
    from reporting import collect_read

    real = collect_read._open

    def wrapped(data, job, *args):
        if marker in job.shown:
            how()
        return real(data, job, *args)

    return wrapped


def test_reader_that_aborts_ends_only_its_worker(ws, inbox, tmp_path, monkeypatch):
    from reporting import collect_read

    monkeypatch.setattr(collect_read, "_open", _crash_on("崩溃", os.abort))
    (ws.inbox / "崩溃.xlsx").write_bytes(_xlsx_bytes(tmp_path))
    result = _collect(ws)
    outcome = _file(result, "崩溃.xlsx")
    assert outcome.status == ERROR_FILE and "SIGABRT" in outcome.message
    assert outcome.code == "read.crashed"
    _assert_consistent(ws, result)
    result = _collect(ws)  # and again next time: the run is never stopped by it
    assert _file(result, "崩溃.xlsx").status == ERROR_FILE


def test_thirty_good_returns_and_one_crash_in_pool_mode_end(ws, inbox, tmp_path, monkeypatch):
    from reporting import collect_read

    monkeypatch.setattr(collect_read, "_open", _crash_on("崩溃", lambda: os.kill(os.getpid(), 9)))
    good = _xlsx_bytes(tmp_path, "甲镇人民政府", {"2": ongoing()})
    for n in range(30):
        (ws.inbox / f"甲镇{n:02d}.xlsx").write_bytes(good[:-1] + bytes([good[-1]]) if n == 0 else _rezip(
            good, add={f"docProps/n{n}.xml": b"<n/>"}))
        os.utime(ws.inbox / f"甲镇{n:02d}.xlsx", (1_789_000_100 + n, 1_789_000_100 + n))
    (ws.inbox / "崩溃.xlsx").write_bytes(_xlsx_bytes(tmp_path))
    os.utime(ws.inbox / "崩溃.xlsx", (1_789_000_110, 1_789_000_110))  # in the middle of the others
    result = _collect(ws, workers=2)
    assert _file(result, "崩溃.xlsx").status == ERROR_FILE and "SIGKILL" in _file(result, "崩溃.xlsx").message
    assert _file(result, "崩溃.xlsx").code == "read.crashed"
    assert sum(1 for f in result.files if f.status == READ and "甲镇" in f.name) == 30
    _assert_consistent(ws, result)


@pytest.mark.parametrize("size", ["small", "large"])
def test_crash_on_a_far_cell_is_explained_from_the_file(ws, inbox, tmp_path, monkeypatch, size):
    """A worker that dies on a workbook: the main process tells why from the file itself, whether it was
    read whole or (large) from its copy in archive/."""
    from reporting import collect_read

    if size == "large":
        monkeypatch.setattr(collect_read, "WHOLE_BYTES", 64 * 1024)
    data = _with_cells(_xlsx_bytes(tmp_path), '<row r="1048576"><c r="XFD1048576" t="n"><v>1</v></c></row>')
    data = _rezip(data, add={"xl/media/photo.jpeg": os.urandom(256 * 1024)}, stored=True)
    monkeypatch.setattr(collect_read, "_open", _crash_on("崩溃", os.abort))
    (ws.inbox / "崩溃.xlsx").write_bytes(data)
    result = _collect(ws)
    outcome = _file(result, "崩溃.xlsx")
    assert (outcome.status, outcome.code) == (ERROR_FILE, "sheet.too_far") and "数据范围过大" in outcome.message
    _assert_consistent(ws, result)
    assert _leftovers(ws) == []


def test_reader_past_the_time_limit_is_stopped(ws, inbox, tmp_path, monkeypatch):
    import time

    from reporting import collect_read

    monkeypatch.setattr(collect_read, "READ_SECONDS", 1.0)
    monkeypatch.setattr(collect_read, "_open", _crash_on("很慢", lambda: time.sleep(60)))
    (ws.inbox / "很慢.xlsx").write_bytes(_xlsx_bytes(tmp_path))
    started = time.monotonic()
    result = _collect(ws)
    assert time.monotonic() - started < 30
    assert "读取超过 1 秒" in _file(result, "很慢.xlsx").message
    assert _file(result, "很慢.xlsx").code == "read.timeout"
    _assert_consistent(ws, result)


def test_time_limit_grows_with_the_size_of_the_file(ws, inbox, tmp_path, monkeypatch):
    """A large file takes longer to copy whatever is in it: one second more per READ_BYTES_PER_SECOND bytes."""
    import time

    from reporting import collect_read

    monkeypatch.setattr(collect_read, "READ_SECONDS", 1.0)
    monkeypatch.setattr(collect_read, "READ_BYTES_PER_SECOND", 64 * 1024)
    monkeypatch.setattr(collect_read, "_open", _crash_on("很慢", lambda: time.sleep(2.5)))
    big = _rezip(_xlsx_bytes(tmp_path), add={"xl/media/photo.jpeg": os.urandom(512 * 1024)}, stored=True)
    (ws.inbox / "很慢但大.xlsx").write_bytes(big)  # 1 + 8 seconds
    (ws.inbox / "很慢又小.xlsx").write_bytes(_xlsx_bytes(tmp_path, "甲镇人民政府", {"2": ongoing()}))  # 1 second
    result = _collect(ws)
    assert _file(result, "很慢但大.xlsx").status == READ
    small = _file(result, "很慢又小.xlsx")
    assert small.code == "read.timeout" and "读取超过 1 秒" in small.message
    _assert_consistent(ws, result)


def test_reader_past_the_memory_limit_is_stopped(ws, inbox, tmp_path, monkeypatch):
    from reporting import collect_read

    monkeypatch.setattr(collect_read, "READ_MEMORY", 200 * 1024 * 1024)
    monkeypatch.setattr(collect_read, "_open", _crash_on("很大", lambda: bytearray(400 * 1024 * 1024)))
    (ws.inbox / "很大.xlsx").write_bytes(_xlsx_bytes(tmp_path))
    result = _collect(ws)
    assert "内存超过上限" in _file(result, "很大.xlsx").message
    assert _file(result, "很大.xlsx").code == "read.memory"
    _assert_consistent(ws, result)


# ---------------------------------------------------------------- what lies in inbox/ besides files


def test_symlink_is_not_followed(ws, inbox, tmp_path):
    secret = tmp_path / "shadow"
    secret.write_bytes(b"root:secret")
    (ws.inbox / "passwd.xlsx").symlink_to(secret)
    (ws.inbox / "外部文件夹").symlink_to(tmp_path, target_is_directory=True)
    result = _collect(ws)
    assert "符号链接" in _file(result, "passwd.xlsx").message
    assert "符号链接" in _file(result, "外部文件夹").message
    assert _file(result, "passwd.xlsx").code == _file(result, "外部文件夹").code == "inbox.link"
    archived = b"".join(p.read_bytes() for p in (ws.root / "archive").rglob("*") if p.is_file())
    assert b"root:secret" not in archived
    _assert_consistent(ws, result)


def test_fifo_and_folder_named_like_a_file_are_skipped(ws, inbox):
    os.mkfifo(ws.inbox / "管道.xlsx")
    (ws.inbox / "文件夹.xlsx").mkdir()
    result = _collect(ws)  # would hang opening the pipe
    assert "不是普通文件" in _file(result, "管道.xlsx").message
    assert "是文件夹" in _file(result, "文件夹.xlsx").message
    assert (_file(result, "管道.xlsx").code, _file(result, "文件夹.xlsx").code) == ("inbox.special", "inbox.folder")
    _assert_consistent(ws, result)


def test_gbk_file_name_is_shown_decoded_and_stored(ws, inbox, tmp_path):
    name = "财政局台账.xlsx".encode("gbk")
    with open(os.path.join(os.fsencode(ws.inbox), name), "wb") as out:
        out.write(_xlsx_bytes(tmp_path))
    result = _collect(ws)
    outcome = _file(result, "财政局台账.xlsx")
    assert outcome.status == READ and outcome.returns[0].unit == "县财政局"
    _assert_consistent(ws, result)
    assert _collect(ws).unchanged == 2  # known by its decoded name next time


def test_name_neither_utf8_nor_gbk_is_kept(ws, inbox, tmp_path):
    with open(os.path.join(os.fsencode(ws.inbox), b"\xff\xfe\x80.xlsx"), "wb") as out:
        out.write(_xlsx_bytes(tmp_path))
    result = _collect(ws)
    outcome = _file(result, "\\xff\\xfe\\x80.xlsx")
    assert outcome.status == READ
    _assert_consistent(ws, result)


def test_file_collect_may_not_read(ws, inbox, tmp_path, monkeypatch):
    from reporting import collect_read

    real = collect_read.open_inbox_file

    def denied(path: str):
        if "无权限" in path:
            raise PermissionError(13, "Permission denied", path)
        return real(path)

    monkeypatch.setattr(collect_read, "open_inbox_file", denied)
    (ws.inbox / "无权限.xlsx").write_bytes(_xlsx_bytes(tmp_path))
    result = _collect(ws)
    assert "没有读取该文件的权限" in _file(result, "无权限.xlsx").message
    assert _file(result, "无权限.xlsx").code == "inbox.unreadable"
    _assert_consistent(ws, result)


# ---------------------------------------------------------------- more archives and damaged parts


def test_zip_entry_that_is_a_link_is_not_followed(ws, inbox, tmp_path):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("财政局.xlsx", _xlsx_bytes(tmp_path))
        link = zipfile.ZipInfo("密码.txt")
        link.external_attr = (0o120777 << 16)  # a symbolic link to /etc/shadow, as zip stores one
        zf.writestr(link, "/etc/shadow")
    (ws.inbox / "财政局.zip").write_bytes(out.getvalue())
    result = _collect(ws)
    outcome = _file(result, "财政局.zip")
    assert outcome.status == READ and "「密码.txt」路径不安全" in outcome.message
    _assert_consistent(ws, result)


def test_zip_with_too_many_entries(ws, inbox, tmp_path, monkeypatch):
    from reporting.readers import archive

    monkeypatch.setattr(archive, "MAX_ENTRIES", 20)  # (an .xlsx has 13 parts) the workers are forked: they see it too
    photos = {f"照片{n}.jpg": b"\xff\xd8\xff" + bytes([n]) for n in range(25)}
    data = _zip(photos | {"台账.xlsx": _xlsx_bytes(tmp_path)})
    _refused(ws, "材料.zip", data, "zip.too_many", "文件过多")


def test_damaged_sheet_is_told_in_chinese(ws, inbox, tmp_path):
    data = _xlsx_bytes(tmp_path)
    broken = _rezip(data, replace={"xl/worksheets/sheet1.xml": _sheet_xml(data)[:-300].encode()})
    (ws.inbox / "财政局.xlsx").write_bytes(broken)
    result = _collect(ws)
    outcome = _file(result, "财政局.xlsx")
    assert outcome.status == ERROR_FILE and outcome.code in {"sheet.unreadable", "book.damaged", "xml.damaged"}
    assert not any(word in outcome.message for word in ("Error", "error", "invalid", "not a valid", "Cannot"))
    _assert_consistent(ws, result)


def test_empty_workbook_inside_a_zip_beside_a_good_one(ws, inbox, tmp_path):
    data = _zip({"财政局.xlsx": _xlsx_bytes(tmp_path), "空白.xlsx": b""})
    (ws.inbox / "打包.zip").write_bytes(data)
    result = _collect(ws)
    outcome = _file(result, "打包.zip")
    assert outcome.status == READ and [r.unit for r in outcome.returns] == ["县财政局"]
    _assert_consistent(ws, result)


# ---------------------------------------------------------------- a second red-team pass: readers that allocate at open


def _xls_bytes(tmp_path: Path, far: tuple[int, int] | None = None) -> bytes:
    """The return of 县财政局 saved as .xls (as simulate.save_as_xls writes one), with one more number at
    `far` (row, column; 0-based) in the ledger sheet."""
    from reporting.simulate import save_as_xls

    source = write_return(tmp_path / "源.xlsx", "县财政局", {"1": done(), "2": ongoing(), "3": ongoing()})
    data = io.BytesIO()
    # a NUMBER record: xlwt writes no column past IV
    save_as_xls(source, data, extra={"工作台账": [(far[0], min(far[1], 255), 123456.789)]} if far else None)
    if far is None or far[1] <= 255:
        return data.getvalue()
    import struct

    raw = bytearray(data.getvalue())
    record = struct.pack("<HHHH", 0x0203, 14, far[0], 255)  # NUMBER: type, length, row, column
    at = raw.index(record)
    struct.pack_into("<H", raw, at + 6, far[1])  # a column xlwt would not write, as a hand-made file has
    return bytes(raw)


def test_xls_return_is_read(ws, inbox, tmp_path):
    (ws.inbox / "财政局.xls").write_bytes(_xls_bytes(tmp_path))
    ret, _ = _read_one(ws, "财政局.xls")
    assert ret.unit == "县财政局" and ret.errors == 0


def test_xls_cut_short_is_refused_without_xlrds_english_on_the_screen(ws, inbox, tmp_path, capfd):
    """An .xls cut short (a download stopped): xlrd, asked whether it is encrypted, printed "WARNING *** file size
    (31132) not 512 + multiple of sector size (512)" on the coordinator's screen, from the reading process."""
    _refused(ws, "财政局.xls", _xls_bytes(tmp_path)[:-100], "book.damaged", "工作簿已损坏")
    shown = capfd.readouterr()
    assert "WARNING" not in shown.out + shown.err and "sector" not in shown.out + shown.err


@pytest.mark.parametrize("far", [(65535, 255), (65535, 65535), (70, 65535)], ids=["IV65536", "col-65536", "far-col"])
def test_xls_cell_far_away_is_refused_before_calamine_opens_it(ws, inbox, tmp_path, far):
    """calamine reads every sheet of an .xls when it opens it: a cell at the last row (typed there by
    mistake, or placed there on purpose) made it allocate 16 million to 4 billion cells and abort (read.crashed,
    a message naming no cause). Refused from what the records declare, naming the sheet."""
    _refused(ws, "财政局.xls", _xls_bytes(tmp_path, far), "sheet.too_far", "工作表「工作台账」数据范围过大")


@pytest.mark.parametrize("kind", [0x00BE, 0x00BD, 0x0203, 0x0200, 0x0085])
def test_xls_record_running_past_the_stream_is_not_read_past_it(monkeypatch, kind):
    """A record whose length runs past the workbook stream (a damaged file) made sheet_extents read past its
    end: struct.error, shown as read.failed in English. The records before it are still counted."""
    import struct

    from reporting.readers import xls

    stream = struct.pack("<HH", 0x0809, 8) + bytes(8) + struct.pack("<HH", 0x0809, 8) + bytes(8)
    stream += struct.pack("<HHHH", 0x0203, 4, 9, 3)  # a cell at D10
    stream += struct.pack("<HH", kind, 60_000) + bytes(10)
    monkeypatch.setattr(xls, "_workbook_stream", lambda data: stream)
    assert xls.sheet_extents(b"") == {"第1个工作表": (10, 4)}


def test_xls_dimensions_declaring_a_huge_sheet_are_refused(ws, inbox, tmp_path):
    import struct

    raw = bytearray(_xls_bytes(tmp_path))
    from reporting.readers.xls import sheet_extents

    assert sheet_extents(bytes(raw))["工作台账"][0] < 100
    ledger = raw.index("工作台账".encode("utf-16-le"))  # BOUNDSHEET first, then the sheet's own records
    at = raw.index(struct.pack("<HH", 0x0200, 14), ledger)  # DIMENSIONS of the first sheet
    struct.pack_into("<IIHH", raw, at + 4, 0, 0xFFFFFFFF, 0, 0xFFFF)
    _refused(ws, "财政局.xls", bytes(raw), "sheet.too_far", "数据范围过大")


_ODS_FLOATS = '<table:table-cell table:number-columns-repeated="30" office:value-type="float" office:value="1"/>'


@pytest.mark.parametrize("rows", [
    f'<table:table-row table:number-rows-repeated="1000000">{_ODS_FLOATS}</table:table-row>',
    f'<table:table-row-group><table:table-row table:number-rows-repeated="1000000">{_ODS_FLOATS}</table:table-row>'
    '</table:table-row-group>',
    f'<table:table-header-rows><table:table-row table:number-rows-repeated="1000000">{_ODS_FLOATS}'
    '</table:table-row></table:table-header-rows>',
], ids=["rows", "row-group", "header-rows"])
def test_ods_repeats_are_counted_before_calamine_opens_it(ws, inbox, rows):
    """calamine reads every sheet of an .ods when it opens it: thirty million cells took the reader past its
    memory limit (read.crashed) before the sheet's extent was looked at. Counted before it opens the file."""
    _refused(ws, "财政局.ods", _ods(rows), "sheet.too_far", "工作表「工作台账」数据范围过大")


def test_date_calamine_cannot_convert_names_the_sheet(ws, inbox, tmp_path):
    """A date-formatted cell holding -1e308: calamine panics (pyo3's PanicException, a BaseException), which
    ended the reading worker (read.crashed, 未知原因). The sheet is refused as unreadable, by name."""
    data = _xlsx_bytes(tmp_path)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        styles = zf.read("xl/styles.xml").decode()
    styles = styles.replace('<cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>',
                            '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
                            '<xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>')
    sheet = _sheet_xml(data).replace('<c r="J3"><v>100</v></c>', '<c r="J3" s="1"><v>-1e308</v></c>')
    assert 'numFmtId="14"' in styles and 's="1"><v>-1e308' in sheet
    data = _rezip(data, replace={"xl/styles.xml": styles.encode(), "xl/worksheets/sheet1.xml": sheet.encode()})
    _refused(ws, "财政局.xlsx", data, "sheet.unreadable", "工作表「工作台账」已损坏")


def test_number_format_id_that_is_no_number_is_read(ws, inbox, tmp_path):
    """numFmtId="x1" (a hand-edited styles.xml): calamine reads the file; the percent-style lookup raised
    ValueError, told to the unit in English as a program error (read.failed)."""
    values = {"1": done(**{"完成进度(%)": 1}), "2": ongoing(), "3": ongoing()}
    data = _xlsx_bytes(tmp_path, values=values, spoil=Spoil(percent_cells=("1",)))
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        styles = zf.read("xl/styles.xml").decode()
    styles = styles.replace('<numFmt numFmtId="164"', '<numFmt numFmtId="x1"')
    assert 'numFmtId="x1"' in styles
    (ws.inbox / "财政局.xlsx").write_bytes(_rezip(data, replace={"xl/styles.xml": styles.encode()}))
    ret, _ = _read_one(ws, "财政局.xlsx")
    assert ret.unit == "县财政局"


def _merged(data: bytes, refs: list[str]) -> bytes:
    merges = "".join(f'<mergeCell ref="{ref}"/>' for ref in refs)
    xml = _sheet_xml(data).replace("</sheetData>", f'</sheetData><mergeCells count="{len(refs)}">{merges}</mergeCells>')
    return _rezip(data, replace={"xl/worksheets/sheet1.xml": xml.encode()})


def test_merge_range_repeated_is_spread_and_told_once(ws, inbox, tmp_path):
    """One range written 50,000 times (a 10 KB file): each copy was spread over its cells again and stored as
    a warning of its own (200,000 copies took a worker 15 s and stored 200,000 problem rows)."""
    values = {"1": done(), "2": ongoing(工作举措及成效="统一部署推进。"), "3": ongoing(工作举措及成效=None)}
    data = _xlsx_bytes(tmp_path, values=values)
    (ws.inbox / "财政局.xlsx").write_bytes(_merged(data, ["K4:K5"] * 50_000))
    ret, conn = _read_one(ws, "财政局.xlsx")
    assert _answer(conn, ret.submission_id, "3")["measures"] == "统一部署推进。"
    assert [c for c, _ in _codes(conn, ret.submission_id)].count("cells.merged") == 1


def test_overlapping_merge_ranges_are_refused_naming_the_sheet(ws, inbox, tmp_path):
    """Ranges that overlap (no program writes them; distinct ones can each spread over most of the sheet)."""
    data = _merged(_xlsx_bytes(tmp_path), ["A1:Q5", "A1:Q4", "K3:K5"])
    _refused(ws, "财政局.xlsx", data, "sheet.unreadable", "工作表「工作台账」的合并单元格相互重叠")


def test_folders_nested_past_the_depth_are_skipped(ws, inbox, tmp_path):
    """1,100 folders one inside the other (a zip unpacked into itself): os.walk recursed until RecursionError,
    a traceback, and no file of inbox/ was collected, in this run or any later one."""
    folders = [ws.inbox / "层"]
    for _ in range(1100):
        folders.append(folders[-1] / "a")
    try:
        for folder in folders:
            folder.mkdir()
        (folders[2] / "财政局.xlsx").write_bytes(_xlsx_bytes(tmp_path))
        (folders[-1] / "甲镇.xlsx").write_bytes(_xlsx_bytes(tmp_path, "甲镇人民政府", {"2": ongoing()}))
        result = _collect(ws)
        assert [r.unit for r in _file(result, "a/a/财政局.xlsx").returns] == ["县财政局"]
        deep = [f for f in result.files if f.code == "inbox.too_deep"]
        assert len(deep) == 1 and "层级过深" in deep[0].message and not any("甲镇" in f.name for f in result.files)
        _assert_consistent(ws, result)
    finally:  # removed here: shutil.rmtree (pytest's clean-up) recurses too
        for folder in reversed(folders):
            for path in folder.glob("*.xlsx"):
                path.unlink()
            if folder.exists():
                folder.rmdir()


def test_names_from_inbox_are_printed_on_one_line_without_escape_sequences(ws, inbox, tmp_path):
    """File names are the sender's: a line break split the one-line message, an escape sequence reached the
    terminal (recolouring, clearing it, retitling the window, or hiding the lines above), a right-to-left
    override showed 甲镇\\u202excod.xlsx as 甲镇xlsx.doc. Printed escaped; stored as they are."""
    from click.testing import CliRunner

    from reporting.cli import main

    (ws.inbox / "财政局\n台账.xlsx").write_bytes(_xlsx_bytes(tmp_path))
    (ws.inbox / "坏\x1b[2J\x1b]0;标题\x07.xlsx").write_bytes(b"not a workbook")
    (ws.inbox / "甲镇\u202excod.xlsx").write_bytes(b"")
    output = CliRunner().invoke(main, ["collect", "-w", str(ws.root)]).output
    assert "\x1b" not in output and "\u202e" not in output and "\x07" not in output
    lines = output.splitlines()
    assert any(line.startswith("inbox/财政局\\n台账.xlsx → 县财政局") for line in lines), output
    assert any(line.startswith("inbox/坏\\x1b[2J\\x1b]0;标题\\x07.xlsx：") for line in lines), output
    assert any(line.startswith("inbox/甲镇\\u202excod.xlsx：文件为空") for line in lines), output
    stored = {r["inbox_path"] for r in connect(ws.db_path).execute("SELECT inbox_path FROM files")}
    assert "inbox/财政局\n台账.xlsx" in stored


def test_error_lines_quoting_a_name_are_printed_escaped(ws, inbox):
    """An error line may quote a name copied from inbox/ (here, a file to confirm): one line, no escape."""
    from click.testing import CliRunner

    from reporting.cli import main

    missing = CliRunner().invoke(main, ["confirm", "inbox/不存在\x1b[2J\u202e.xlsx", "-w", str(ws.root)])
    assert missing.exit_code == 1 and "\x1b" not in missing.output and "\u202e" not in missing.output
    assert "不存在\\x1b[2J\\u202e.xlsx" in missing.output, missing.output


def test_return_saved_in_the_future_does_not_hold_every_later_resend(ws, inbox):
    """A unit's computer with its clock at 2099 saves the first return: ranked by that time it stood above
    every correction sent later, each held as 待确认 until confirmed by hand. A save time in the future is
    not believed; the correction supersedes it as any later return does."""
    from datetime import datetime

    write_return(ws.inbox / "财政局-第一次.xlsx", "县财政局", {"1": ongoing(), "2": ongoing(), "3": ongoing()},
                 saved=datetime(2099, 1, 1), mtime=1_789_000_100)
    first = _file(_collect(ws), "财政局-第一次.xlsx").returns[0]
    write_return(ws.inbox / "财政局-更正.xlsx", "县财政局", {"1": done(), "2": ongoing(), "3": ongoing()},
                 saved=datetime(2026, 9, 25), mtime=1_789_000_200)
    result = _collect(ws)
    again = _file(result, "财政局-更正.xlsx").returns[0]
    assert not again.held and again.superseded == first.submission_id
    _assert_store_consistent(ws)


def test_return_saved_by_a_clock_years_behind_does_not_rank_below_the_return_it_corrects(ws, inbox):
    """A unit's computer whose clock reset to 2009 (a dead CMOS battery) saves the correction: ranked by that
    time it stood below the return it corrects, held as 待确认. A save time from before the round's workbooks
    were generated is not believed: the file's own time stands in when it is believable, else the time of
    reading, and the correction supersedes the first return as any later return does."""
    import time
    from datetime import datetime

    write_return(ws.inbox / "财政局-第一次.xlsx", "县财政局", {"1": ongoing(), "2": ongoing(), "3": ongoing()},
                 saved=datetime(2026, 9, 20), mtime=1_789_000_100)
    first = _file(_collect(ws), "财政局-第一次.xlsx").returns[0]
    write_return(ws.inbox / "财政局-更正.xlsx", "县财政局", {"1": done(), "2": ongoing(), "3": ongoing()},
                 saved=datetime(2009, 1, 1), mtime=datetime(2009, 1, 1).timestamp())
    again = _file(_collect(ws), "财政局-更正.xlsx").returns[0]
    assert not again.held and again.superseded == first.submission_id
    arrived = int(time.time()) + 3600  # the file's time: when it reached this computer
    write_return(ws.inbox / "财政局-再更正.xlsx", "县财政局", {"1": done(), "2": done(), "3": ongoing()},
                 saved=datetime(2009, 1, 2), mtime=arrived)
    third = _file(_collect(ws), "财政局-再更正.xlsx").returns[0]
    conn = connect(ws.db_path)
    replaced = conn.execute("SELECT superseded_by FROM submissions WHERE id = ?", (again.submission_id,)).fetchone()
    assert not third.held and replaced[0] == third.submission_id
    saved = conn.execute("SELECT saved_at FROM submissions WHERE id = ?", (third.submission_id,)).fetchone()[0]
    assert saved == arrived  # the file's time, not the time of reading
    _assert_store_consistent(ws)


def test_a_save_a_day_before_the_round_was_generated_is_believed(ws, inbox):
    """A unit's clock a day behind the coordinator's (a wrong time zone) is still believed: its save time ranks
    its returns, so the later of two saves counts even when both were read in the other order."""
    from datetime import datetime

    write_return(ws.inbox / "财政局-更正.xlsx", "县财政局", {"1": done()}, saved=datetime(2026, 8, 31, 12))
    write_return(ws.inbox / "财政局-第一次.xlsx", "县财政局", {"1": ongoing()}, saved=datetime(2026, 8, 31, 8))
    result = _collect(ws)
    newer, older = (_file(result, name).returns[0] for name in ("财政局-更正.xlsx", "财政局-第一次.xlsx"))
    assert "早于已收到的" in older.held  # read second, saved first: it waits for the coordinator
    conn = connect(ws.db_path)
    latest = conn.execute("SELECT id FROM submissions WHERE unit = '县财政局' AND superseded_by IS NULL AND hold = ''",
                          ).fetchall()
    assert [row[0] for row in latest] == [newer.submission_id]


def test_large_word_document_beside_the_workbook_is_kept_without_being_read_whole(ws, inbox, tmp_path, monkeypatch):
    """An OLE2 file in a zip (a Word .doc, an Outlook .msg, a PowerPoint .ppt of scans) was read whole into
    memory to be told from an .xls: one larger than the reading memory allows refused the whole zip as
    read.memory (the ledger beside it too, told to 'delete rows and pictures'). Told chunk by chunk now: kept
    as evidence, the ledger read."""
    from reporting import collect_read

    monkeypatch.setattr(collect_read, "READ_MEMORY", 64 * _MB)  # the workers are forked: they see it too
    path = ws.inbox / "财政局材料.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("财政局.xlsx", _xlsx_bytes(tmp_path))
        with zf.open("佐证材料/1-会议纪要.doc", "w", force_zip64=True) as out:
            out.write(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504) + "WordDocument".encode("utf-16-le"))
            for _ in range(80):
                out.write(os.urandom(_MB))
    result = _collect(ws)
    outcome = _file(result, "财政局材料.zip")
    assert outcome.status == READ and [r.unit for r in outcome.returns] == ["县财政局"], outcome
    assert outcome.returns[0].attachments == ["佐证材料/1-会议纪要.doc"]
    _assert_consistent(ws, result)


def test_large_word_document_on_its_own_is_told_as_such(ws, inbox, monkeypatch):
    """A large .doc put into inbox/ on its own was refused as read.memory, told to 'delete rows and pictures';
    it is told as what it is (file.not_excel). A large .xls is still refused unread (read.memory)."""
    from reporting import collect_read

    monkeypatch.setattr(collect_read, "READ_MEMORY", 64 * _MB)  # a workbook may weigh 16 MB
    head = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)
    (ws.inbox / "会议纪要.doc").write_bytes(head + "WordDocument".encode("utf-16-le") + os.urandom(20 * _MB))
    (ws.inbox / "财政局.xls").write_bytes(head + "Workbook".encode("utf-16-le") + os.urandom(20 * _MB))
    result = _collect(ws)
    assert (_file(result, "会议纪要.doc").status, _file(result, "会议纪要.doc").code) == (ERROR_FILE, "file.not_excel")
    assert _file(result, "财政局.xls").code == "read.memory"
    _assert_consistent(ws, result)


@pytest.mark.parametrize("name", ["县财政局报送.zip", "材料.zip"])
@pytest.mark.parametrize("kind", ["wps", "encrypted", "xlsb", "damaged"])
def test_ledger_in_a_zip_in_a_form_not_read_is_told(ws, inbox, tmp_path, kind, name):
    """A zip whose only workbook is a WPS .et, encrypted, an .xlsb or a damaged .xlsx passed for a zip of
    evidence (filed under the unit its name names, or refused as having no workbook), never saying why the
    ledger in it was not read; alone in inbox/, each is refused with its reason. The reason is told."""
    member, data, fragment = {
        "wps": ("财政局.et", _xls_bytes(tmp_path), "WPS 格式"),
        "encrypted": ("财政局.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)
                      + "EncryptedPackage".encode("utf-16-le") + bytes(1024), "文件已加密"),
        "xlsb": ("财政局.xlsb", _zip({"[Content_Types].xml": b"<Types/>", "xl/workbook.bin": bytes(10)}), ".xlsb"),
        "damaged": ("财政局.xlsx", _xlsx_bytes(tmp_path)[:3000], "已损坏"),
    }[kind]
    (ws.inbox / name).write_bytes(_zip({member: data, "照片.jpg": b"\xff\xd8\xff" + bytes(50)}))
    result = _collect(ws)
    outcome = _file(result, name)
    assert f"{member}：" in outcome.message and fragment in outcome.message, outcome
    assert outcome.code == ("" if name.startswith("县财政局") else "zip.no_workbook")
    _assert_consistent(ws, result)


@pytest.mark.parametrize("part", ["docProps/custom.xml", "xl/sharedStrings.xml"])
def test_entity_declared_after_a_long_comment_is_refused(ws, inbox, tmp_path, part):
    """The DOCTYPE check read a part's prolog up to 64 KB: a DOCTYPE after a 70 KB comment passed it, and
    the entities reached the XML parsers (expat's amplification limit, or calamine, stopped them: xml.damaged,
    book.damaged). Refused as the unsafe XML it is."""
    data = _xlsx_bytes(tmp_path)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        xml = zf.read(part).decode()
    laughs = '<!ENTITY a "aaaaaaaaaa">' + "".join(
        f'<!ENTITY {chr(98 + i)} "' + f"&{chr(97 + i)};" * 10 + '">' for i in range(8))
    xml = xml.replace("?>", "?><!--" + "x" * 70_000 + f"--><!DOCTYPE d [{laughs}]>", 1)
    xml = xml.replace("</Properties>", "<x>&i;</x></Properties>").replace("<t>序号</t>", "<t>&i;</t>")
    assert "&i;" in xml
    _refused(ws, "财政局.xlsx", _rezip(data, replace={part: xml.encode()}), "xml.unsafe", UNSAFE_XML)


def test_sheet_of_half_a_million_rows_is_told_too_far_not_out_of_memory(ws, inbox, tmp_path, monkeypatch):
    """A ledger with rows filled down to row 500,000: the scan for the sheet's extent listed every position
    at once (a list of tuples several times the sheet's XML), and the worker ran out of memory (read.memory,
    told to 'delete pictures'); in the main process, where explain() scans after a crash, nothing bounds it.
    One position at a time: the sheet is refused as reaching too far, naming its last cell."""
    from reporting import collect_read

    monkeypatch.setattr(collect_read, "READ_MEMORY", 160 * _MB)  # the workers are forked: they see it too
    data = _xlsx_bytes(tmp_path)
    rows = "".join(f'<row r="{r}"><c r="A{r}"><v>{r}</v></c><c r="B{r}"><v>{r % 7}</v></c></row>'
                   for r in range(6, 500_000))
    _refused(ws, "财政局.xlsx", _with_cells(data, rows), "sheet.too_far", "Q499999")
