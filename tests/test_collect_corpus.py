"""The malformed-input corpus: returns as people really send them. Each case: the expected message, the
good return beside it untouched, and the store still consistent."""

from __future__ import annotations

import io
import os
import sqlite3
import zipfile
from pathlib import Path

import pytest
from returns import OLD_ROUND, ROUND, Spoil, done, ongoing, record_round, write_return

from reporting.collect import DUPLICATE, ERROR_FILE, READ, collect_inbox
from reporting.readers.archive import BOMB, UNSAFE_XML
from reporting.simulate import gbk_zip
from reporting.store import connect

GOOD_UNIT = "县公安局"
GOOD = {"1": done(), "4": ongoing(), "5": done()}


@pytest.fixture
def inbox(ws):
    record_round(ws, OLD_ROUND, generated_at="2026-06-01T09:00:00")
    record_round(ws, ROUND)
    write_return(ws.inbox / "公安局.xlsx", GOOD_UNIT, GOOD, mtime=1_750_000_000)
    return ws.inbox


def _collect(ws):
    return collect_inbox(ws, receipts=False)


def _file(result, name: str):
    return next(f for f in result.files if f.name.endswith(name))


def _assert_consistent(ws, result) -> None:
    good = _file(result, "公安局.xlsx")
    assert good.status == READ and good.returns[0].unit == GOOD_UNIT and good.returns[0].errors == 0
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


def _refused(ws, name: str, data: bytes, fragment: str) -> None:
    (ws.inbox / name).write_bytes(data)
    result = _collect(ws)
    outcome = _file(result, name)
    assert outcome.status == ERROR_FILE, outcome
    assert fragment in outcome.message
    _assert_consistent(ws, result)


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
    _refused(ws, "财政局.xlsx", b"", "文件为空")


def test_truncated_zip(ws, inbox, tmp_path):
    _refused(ws, "材料.zip", _zip({"财政局.xlsx": _xlsx_bytes(tmp_path)})[:-200], "压缩包已损坏或不完整")


def test_truncated_xlsx(ws, inbox, tmp_path):
    _refused(ws, "财政局.xlsx", _xlsx_bytes(tmp_path)[:3000], "已损坏")


def test_zip_bomb_is_refused_within_budget(ws, inbox):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("炸弹.xlsx", b"\0" * (60 * 1024 * 1024))
    _refused(ws, "炸弹.zip", out.getvalue(), BOMB)


def test_zip_bomb_inside_an_xlsx(ws, inbox, tmp_path):
    data = _rezip(_xlsx_bytes(tmp_path), add={"xl/media/big.bin": b"\0" * (60 * 1024 * 1024)})
    _refused(ws, "财政局.xlsx", data, BOMB)


def test_xml_entity_bomb_is_refused(ws, inbox, tmp_path):
    bomb = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
            b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>&lol2;</t></si></sst>')
    data = _rezip(_xlsx_bytes(tmp_path), replace={"xl/sharedStrings.xml": bomb})
    _refused(ws, "财政局.xlsx", data, UNSAFE_XML)


def test_encrypted_workbook(ws, inbox):
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504 + "EncryptedPackage".encode("utf-16-le") + b"\0" * 1024
    _refused(ws, "财政局.xlsx", ole, "文件已加密，请取消密码后重新报送")


def test_word_document_in_ole2(ws, inbox):
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504 + "WordDocument".encode("utf-16-le") + b"\0" * 1024
    _refused(ws, "财政局.doc", ole, "不是 Excel 工作簿")


@pytest.mark.parametrize(("name", "data", "fragment"), [
    ("财政局.et", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600 + "Workbook".encode("utf-16-le"), "WPS 格式"),
    ("财政局.csv", "任务编号,完成状态\n1,已完成\n".encode("gbk"), "请另存为 .xlsx 后重新报送"),
    ("财政局.pdf", b"%PDF-1.4\n...", "PDF 文件不是台账工作簿"),
    ("照片.jpg", b"\xff\xd8\xff\xe0" + b"\0" * 100, "图片不是台账工作簿"),
    ("财政局.rar", b"Rar!\x1a\x07\x00" + b"\0" * 100, "请改用 .zip 打包"),
    ("说明.txt", "随便写的".encode(), "请另存为 .xlsx"),
])
def test_not_a_workbook(ws, inbox, name, data, fragment):
    _refused(ws, name, data, fragment)


def test_word_docx(ws, inbox):
    _refused(ws, "材料.docx", _zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w/>"}), "Word")


def test_zip_with_no_workbook(ws, inbox):
    _refused(ws, "材料.zip", _zip({"照片1.jpg": b"\xff\xd8\xff" + b"1" * 50}), "压缩包中没有台账工作簿")


def test_unrecognisable_return(ws, inbox, tmp_path):
    data = _xlsx_bytes(tmp_path, "甲镇人民政府", {"2": ongoing()}, Spoil(meta=False, props=False, title=False))
    _refused(ws, "新建 Microsoft Excel 工作表.xlsx", data, "无法确定报送单位")


def test_unit_not_in_round(ws, inbox, tmp_path):
    data = _xlsx_bytes(tmp_path, spoil=Spoil(meta_unit="县水利局"))
    _refused(ws, "水利局.xlsx", data, "单位「县水利局」在轮次「2026年第三季度」中没有任务")


def test_round_never_generated(ws, inbox, tmp_path):
    data = _xlsx_bytes(tmp_path, spoil=Spoil(round_name="2025年第一季度"))
    _refused(ws, "财政局.xlsx", data, "轮次「2025年第一季度」没有生成记录")


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
    path = write_return(ws.inbox / "财政局.xlsx", "县财政局", {"1": done()}, mtime=1_750_000_100)
    for copy in ("财政局 (1).xlsx", "财政局 (2).xlsx"):
        (ws.inbox / copy).write_bytes(path.read_bytes())
        os.utime(ws.inbox / copy, (1_750_000_200, 1_750_000_200))
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
    assert tuple(row) == ("工作台账", "I4", "60", "number", "60", "inbox/公安局.xlsx")

