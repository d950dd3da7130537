"""Reading plans: encodings, .docx paragraphs and tables, .xlsx tables, and the files that are not plans."""

from __future__ import annotations

import subprocess
import time
import zipfile
from pathlib import Path

import docx
import openpyxl
import pytest

from reporting.errors import PlanError
from reporting.plan_parse import parse_plan
from reporting.plan_sources import header_columns, read_plan_lines

SMALL_PLAN = """某县法治政府建设实施方案
一、总体要求
坚持依法行政，加快建设法治政府。
二、主要任务
（一）依法全面履行政府职能
1.深化行政审批制度改革。全面清理行政审批事项。（牵头单位：县编办；责任单位：各镇政府）
2.推进政务公开，2018年底前完成。（牵头单位：县政府办）
（二）完善依法行政制度体系
1.加强规范性文件管理，报备率达100%。（责任单位：县司法局、县政府各部门）
三、保障措施
加强组织领导。
"""
SMALL_PLAN_TRADITIONAL = """某縣法治政府建設實施方案
一、總體要求
堅持依法行政，加快建設法治政府。
二、主要任務
（一）依法全面履行政府職能
1.深化行政審批制度改革。全面清理行政審批事項。（牽頭單位：縣編辦；責任單位：各鎮政府）
2.推進政務公開，2018年底前完成。（牽頭單位：縣政府辦）
（二）完善依法行政制度體系
1.加強規範性文件管理，報備率達100%。（責任單位：縣司法局、縣政府各部門）
三、保障措施
加強組織領導。
"""


def summary(path: Path) -> list[tuple]:
    plan = parse_plan(path)
    return [(t.id, t.path, t.text, t.lead, t.responsible, t.deadline, t.targets) for t in plan.tasks]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030", "utf-16"])
def test_the_same_plan_in_every_encoding_gives_the_same_tasks(tmp_path, encoding):
    reference = tmp_path / "reference.txt"
    reference.write_text(SMALL_PLAN, encoding="utf-8")
    path = tmp_path / f"方案-{encoding}.txt"
    path.write_bytes(SMALL_PLAN.encode(encoding))
    assert summary(path) == summary(reference)
    assert [task[0] for task in summary(path)] == ["1.1", "1.2", "2.1"]


def test_a_big5_plan_is_read_as_big5_not_as_gbk_and_the_warnings_say_so(tmp_path):
    # traditional characters in Big5, as a Hong Kong/Taiwan copy or an old system saves them; GB18030 decodes
    # these bytes without an error too, into nonsense
    traditional = SMALL_PLAN_TRADITIONAL
    reference = tmp_path / "reference.txt"
    reference.write_text(SMALL_PLAN, encoding="utf-8")
    for encoding in ("big5", "cp950"):
        path = tmp_path / f"方案-{encoding}.txt"
        path.write_bytes(traditional.encode(encoding))
        assert summary(path) == summary(reference)
        assert [str(w) for w in parse_plan(path).warnings][:1] == [
            "全文：文件编码为 Big5（不是 UTF-8），已按 Big5 读取；如有乱码，请另存为 UTF-8 后重新导入"]


def test_a_few_characters_of_big5_are_not_taken_for_damaged_utf8():
    from reporting.plan_formats.text import decode

    assert decode("開展".encode("cp950")) == ("開展", "Big5")
    assert decode("开展".encode("gbk")) == ("开展", "GBK/GB18030")


@pytest.mark.parametrize(("encoding", "named"), [("utf-8", None), ("utf-8-sig", None), ("gbk", "GBK/GB18030"),
                                                ("utf-16", "UTF-16")])
def test_the_warnings_name_the_encoding_when_it_is_not_utf8(tmp_path, encoding, named):
    path = tmp_path / "plan.txt"
    path.write_bytes(SMALL_PLAN.encode(encoding))
    said = [w.message for w in parse_plan(path).warnings if "文件编码" in w.message]
    assert said == ([f"文件编码为 {named}（不是 UTF-8），已按 {named} 读取；如有乱码，请另存为 UTF-8 后重新导入"]
                    if named else [])


def test_a_few_damaged_bytes_do_not_turn_utf8_into_gbk_mojibake(tmp_path):
    path = tmp_path / "plan.txt"
    data = SMALL_PLAN.encode("utf-8")
    path.write_bytes(data[:40] + b"\xff" + data[40:])
    lines = [line.text for line in read_plan_lines(path)]
    assert lines[0] == "某县法治政府建设实施方案"
    assert [task[0] for task in summary(path)] == ["1.1", "1.2", "2.1"]


def test_windows_line_endings_and_line_numbers(tmp_path):
    path = tmp_path / "plan.txt"
    path.write_bytes(SMALL_PLAN.replace("\n", "\r\n").encode("gbk"))
    lines = read_plan_lines(path)
    assert lines[0].line == 1 and lines[0].text == "某县法治政府建设实施方案"
    assert parse_plan(path).tasks[0].line == 6


def _docx_with_paragraphs(path: Path) -> None:
    document = docx.Document()
    for line in SMALL_PLAN.splitlines():
        document.add_paragraph(line)
    document.save(str(path))


def test_docx_paragraphs_with_numbering(tmp_path):
    path = tmp_path / "实施方案.docx"
    _docx_with_paragraphs(path)
    text_version = tmp_path / "plan.txt"
    text_version.write_text(SMALL_PLAN, encoding="utf-8")
    assert summary(path) == summary(text_version)
    assert parse_plan(path).title == "某县法治政府建设实施方案"


def test_docx_automatic_numbering_is_rendered(tmp_path):
    document = docx.Document()
    document.add_paragraph("某县法治政府建设工作要点")
    document.add_paragraph("一、重点任务")
    document.add_paragraph("深化行政审批制度改革。（牵头单位：县编办）", style="List Number")
    document.add_paragraph("推进政务公开。（牵头单位：县政府办）", style="List Number")
    path = tmp_path / "要点.docx"
    document.save(str(path))
    assert [line.text for line in read_plan_lines(path)][2:] == [
        "1.深化行政审批制度改革。（牵头单位：县编办）", "2.推进政务公开。（牵头单位：县政府办）",
    ]
    assert [(t.id, t.lead) for t in parse_plan(path).tasks] == [("1", ["县编办"]), ("2", ["县政府办"])]


def test_docx_paragraphs_inside_a_content_control_are_read(tmp_path):
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    document = docx.Document()
    document.add_paragraph("一、主要任务")
    control = parse_xml(
        f"<w:sdt {nsdecls('w')}><w:sdtContent>"
        "<w:p><w:r><w:t>1.深化改革。（牵头单位：县编办）</w:t></w:r></w:p>"
        "</w:sdtContent></w:sdt>"
    )
    document.element.body.insert(1, control)
    path = tmp_path / "方案.docx"
    document.save(str(path))
    assert [(t.id, t.lead) for t in parse_plan(path).tasks] == [("1", ["县编办"])]


def _breakdown_rows() -> list[list[str]]:
    return [
        ["序号", "工作任务", "牵头单位", "责任单位", "完成时限"],
        ["一、依法全面履行政府职能", "", "", "", ""],
        ["1", "全面清理行政审批事项，网上可办率≥80%。", "县编办", "各镇政府、县直各部门", "2017年底"],
        ["2", "推行权力清单制度。", "县编办、县法制办", "县政府各部门", "长期坚持"],
        ["二、完善依法行政制度体系", "", "", "", ""],
        ["3", "加强规范性文件备案审查。", "", "县司法局", "2018-06-30"],
    ]


def test_docx_breakdown_table(tmp_path):
    document = docx.Document()
    document.add_paragraph("某县法治政府建设任务分解表")
    rows = _breakdown_rows()
    table = document.add_table(rows=len(rows), cols=5)
    for r, values in enumerate(rows):
        if values[1:] == ["", "", "", ""]:
            table.cell(r, 0).merge(table.cell(r, 4)).text = values[0]
            continue
        for c, value in enumerate(values):
            table.cell(r, c).text = value
    path = tmp_path / "分解表.docx"
    document.save(str(path))
    plan = parse_plan(path)
    assert [(t.id, t.lead, t.responsible, t.deadline) for t in plan.tasks] == [
        ("1", ["县编办"], ["各镇政府", "县直各部门"], "2017-12-31"),
        ("2", ["县编办", "县法制办"], ["县政府各部门"], "长期"),
        ("3", [], ["县司法局"], "2018-06-30"),
    ]
    assert plan.tasks[0].path == ["一、依法全面履行政府职能"]
    assert plan.tasks[2].path == ["二、完善依法行政制度体系"]
    assert plan.tasks[0].targets == ["网上可办率≥80%"]
    assert plan.title == "某县法治政府建设任务分解表"


def test_xlsx_breakdown_table_with_header_on_row_3(tmp_path):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "任务分解"
    sheet["A1"] = "某县法治政府建设示范创建任务分解表"
    sheet.merge_cells("A1:E1")
    rows = _breakdown_rows()
    for r, values in enumerate(rows, start=3):
        for c, value in enumerate(values, start=1):
            sheet.cell(r, c, value or None)
    sheet.merge_cells("A4:E4")
    sheet.merge_cells("A7:E7")
    sheet.merge_cells("E5:E6")  # one deadline written once for two rows: merging clears E6
    path = tmp_path / "分解表.xlsx"
    workbook.save(path)
    plan = parse_plan(path)
    assert [(t.id, t.lead, t.responsible, t.deadline, t.line) for t in plan.tasks] == [
        ("1", ["县编办"], ["各镇政府", "县直各部门"], "2017-12-31", 5),
        ("2", ["县编办", "县法制办"], ["县政府各部门"], "2017-12-31", 6),
        ("3", [], ["县司法局"], "2018-06-30", 8),
    ]
    assert plan.tasks[1].path == ["一、依法全面履行政府职能"]
    assert plan.title == "某县法治政府建设示范创建任务分解表"


def test_a_docx_with_both_numbered_text_and_a_breakdown_table_is_imported_from_the_table(tmp_path):
    document = docx.Document()
    for line in SMALL_PLAN.splitlines():
        document.add_paragraph(line)
    document.add_paragraph("附件：任务分解表")
    rows = _breakdown_rows()
    table = document.add_table(rows=len(rows), cols=5)
    for r, values in enumerate(rows):
        for c, value in enumerate(values):
            table.cell(r, c).text = value
    path = tmp_path / "方案.docx"
    document.save(str(path))
    plan = parse_plan(path)
    assert [t.id for t in plan.tasks] == ["1", "2", "3"]
    assert any("正文中的 3 项条目未重复导入" in w.message for w in plan.warnings)
    by_text = parse_plan(path, sections=["主要任务"])
    assert [t.id for t in by_text.tasks] == ["1.1", "1.2", "2.1"]


def test_xlsx_without_a_breakdown_header(tmp_path):
    workbook = openpyxl.Workbook()
    workbook.active.append(["姓名", "单位", "电话"])
    path = tmp_path / "联络员.xlsx"
    workbook.save(path)
    expect_error(path, "未找到任何任务", "表头")


def test_header_synonyms():
    assert header_columns(["序号", "任务内容", "牵头部门", "配合单位", "时间节点"]) == {
        "id": 0, "text": 1, "lead": 2, "responsible": 3, "deadline": 4,
    }
    found = header_columns(["序号", "工作任务（具体内容）", "责任单位（部门）"])
    assert found == {"id": 0, "text": 1, "responsible": 2}
    assert header_columns(["姓名", "单位", "电话"]) is None
    found = header_columns(["序号", "任务来源", "工作任务及措施", "牵头单位", "完成时限要求"])
    assert found == {"id": 0, "text": 2, "lead": 3, "deadline": 4}


@pytest.mark.parametrize("main", ["承办单位", "责任单位", "责任部门"])
def test_beside_a_cooperating_column_the_other_unit_column_leads(main):
    found = header_columns(["序号", "决策事项名称", main, "配合单位", "进度安排"])
    assert found is not None and (found["lead"], found["responsible"]) == (2, 3)
    assert header_columns(["序号", "工作任务", "责任单位", "完成时限"]) == {
        "id": 0, "text": 1, "responsible": 2, "deadline": 3}
    three = header_columns(["序号", "重点任务", "牵头单位", "责任单位", "配合单位", "完成时限"])
    assert three is not None and (three["lead"], three["responsible"], three["cooperating"]) == (2, 3, 4)


def test_a_docx_named_txt_is_read_as_docx(tmp_path):
    path = tmp_path / "实施方案.txt"
    _docx_with_paragraphs(path)
    assert len(parse_plan(path).tasks) == 3


# --- files that are not plans -----------------------------------------------------------------------


def expect_error(path: Path, *fragments: str) -> PlanError:
    with pytest.raises(PlanError) as caught:
        parse_plan(path)
    message = str(caught.value)
    assert path.name in message, message
    for fragment in fragments:
        assert fragment in message, message
    return caught.value


def test_missing_file(tmp_path):
    expect_error(tmp_path / "不存在.txt", "文件不存在")


def test_empty_file(tmp_path):
    path = tmp_path / "空白方案.txt"
    path.write_bytes(b"")
    expect_error(path, "文件为空")
    path.write_text(" \n\u3000\n", encoding="utf-8")
    expect_error(path, "文件为空")


def test_binary_file_named_txt(tmp_path):
    path = tmp_path / "方案.txt"
    path.write_bytes(bytes(range(256)) * 40)
    expect_error(path, "不是文本文件", "请另存为 UTF-8 或 GBK 编码的 .txt 或 .docx")


def test_docx_that_is_not_a_zip(tmp_path):
    path = tmp_path / "方案.docx"
    path.write_text(SMALL_PLAN, encoding="utf-8")
    expect_error(path, "不是有效的 .docx 文件", "不是 zip")


def test_zip_that_is_neither_docx_nor_xlsx(tmp_path):
    path = tmp_path / "方案.docx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "hello")
    expect_error(path, "zip 压缩包")


@pytest.mark.parametrize(
    ("name", "content", "fragment"),
    [
        ("方案.pdf", b"%PDF-1.4 ...", "PDF"),
        ("方案.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64, "旧版 Excel"),
        ("方案.odp", b"{\\rtf1 ...}", "不支持的文件类型「.odp」"),
        ("方案.doc", b"MIME-Version: 1.0\r\n", "不是 Word/WPS 文档"),
    ],
)
def test_unsupported_files(tmp_path, name, content, fragment):
    path = tmp_path / name
    path.write_bytes(content)
    expect_error(path, fragment)


def test_plan_with_no_recognisable_tasks(tmp_path):
    path = tmp_path / "通知.txt"
    path.write_text("关于召开会议的通知\n各单位：\n定于下周一召开会议，请准时参加。\n", encoding="utf-8")
    expect_error(path, "未找到任何任务", "--sections")


def test_a_200000_line_file_is_refused_quickly(tmp_path):
    path = tmp_path / "日志.txt"
    path.write_bytes(b"2017-01-01 12:00:00 something happened\n" * 200_000)
    started = time.perf_counter()
    expect_error(path, "文件过大（200000 行）", "不像一份实施方案")
    assert time.perf_counter() - started < 1.0


# --- .doc/.wps through LibreOffice ----------------------------------------------------------------------


def test_the_formats_are_a_registry_of_detect_and_read():
    from reporting.plan_formats import excel, mhtml, office, text, word
    from reporting.plan_sources import PLAN_FORMATS

    assert [(word.detect, word.read), (excel.detect, excel.read), (mhtml.detect, mhtml.read),
            (office.detect, office.read), (text.detect, text.read)] == PLAN_FORMATS


def test_a_doc_plan_is_read_through_libreoffice(tmp_path, soffice):
    from reporting.plan_formats.office import convert

    source = tmp_path / "方案.docx"
    document = docx.Document()
    for line in ("某县2021年依法行政工作要点", "一、主要任务",
                 "1.推进政务公开。（牵头单位：县政府办；责任单位：县直各部门）",
                 "2.规范行政执法。县司法局负责，二季度完成。"):
        document.add_paragraph(line)
    document.save(str(source))
    made = tmp_path / "made"
    made.mkdir()
    subprocess.run([soffice, f"-env:UserInstallation={(tmp_path / 'p').as_uri()}", "--headless",
                    "--convert-to", "doc", "--outdir", str(made), str(source)], check=True, timeout=180,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    doc = tmp_path / "方案.doc"
    (made / "方案.doc").rename(doc)
    assert doc.read_bytes()[:4] == b"\xd0\xcf\x11\xe0"
    wps = tmp_path / "方案.wps"
    wps.write_bytes(doc.read_bytes())
    for path in (doc, wps):
        plan = parse_plan(path)
        assert [(t.lead, t.responsible, t.deadline) for t in plan.tasks] == [
            (["县政府办"], ["县直各部门"], None), (["县司法局"], [], "2021-06-30")]
    assert convert is not None


def test_a_doc_that_is_a_web_page_or_rtf_is_read_through_libreoffice(tmp_path, soffice):
    page = tmp_path / "方案.doc"
    html = ("<html><head><meta charset='utf-8'></head><body><p>某县2024年工作要点</p><p>一、重点工作</p>"
            "<p>1.开展案卷评查。（牵头单位：县司法局；责任单位：县直各部门）</p></body></html>")
    page.write_text(html, encoding="utf-8")
    rtf = tmp_path / "方案.rtf"
    rtf.write_text("{\\rtf1\\ansi 2024\\par 1.Kaizhan.\\par}", encoding="ascii")
    assert [(t.lead, t.responsible) for t in parse_plan(page).tasks] == [(["县司法局"], ["县直各部门"])]
    assert [line.text for line in read_plan_lines(rtf)] == ["2024", "1.Kaizhan."]


def test_a_doc_plan_without_libreoffice_says_what_to_do(tmp_path, monkeypatch):
    from reporting.plan_formats import office

    monkeypatch.setattr(office, "soffice", lambda: None)
    path = tmp_path / "方案.wps"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64)
    expect_error(path, "需要 LibreOffice 才能读取", "另存为 .docx")
    page = tmp_path / "方案.doc"
    page.write_text("<html><body><p>一、任务</p></body></html>", encoding="utf-8")
    expect_error(page, "网页或 RTF 格式", "需要 LibreOffice 才能读取", "另存为 .docx")


def test_a_damaged_doc_is_a_message_not_a_traceback(tmp_path, soffice):
    path = tmp_path / "方案.doc"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64)
    expect_error(path, "另存为 .docx")


def _web_archive(path: Path, html: str, charset: str, transfer: str, *, declared: str | None = None,
                 meta: str | None = None) -> Path:
    """A web archive as Word ("单个文件网页") or a browser saves it: MIME headers, the page in `charset`,
    quoted-printable or base64; the part header names `declared` (default: the charset), the page's <meta> `meta`."""
    import base64
    import quopri

    data = html.replace("<head>", f"<head><meta charset='{meta}'>" if meta else "<head>").encode(charset)
    body = quopri.encodestring(data).decode("ascii") if transfer == "quoted-printable" else \
        base64.encodebytes(data).decode("ascii")
    boundary = "----=_NextPart_01D9.TEST"
    charset_param = f'; charset="{declared or charset}"' if declared != "" else ""
    path.write_bytes((
        f'MIME-Version: 1.0\r\nContent-Type: multipart/related; boundary="{boundary}"\r\n\r\n'
        f"This document is a Single File Web Page, also known as a Web Archive file.\r\n\r\n--{boundary}\r\n"
        f"Content-Location: file:///C:/X/plan.htm\r\nContent-Transfer-Encoding: {transfer}\r\n"
        f"Content-Type: text/html{charset_param}\r\n\r\n{body}\r\n--{boundary}\r\n"
        "Content-Location: file:///C:/X/plan.files/image001.png\r\nContent-Transfer-Encoding: base64\r\n"
        f"Content-Type: image/png\r\n\r\niVBORw0KGgo=\r\n--{boundary}--\r\n"
    ).encode("ascii"))
    return path


_PAGE = ("<html><head><title>某县2024年工作要点</title><style>p {color: red}</style>"
         "<script>var x = '1.统计访问量（牵头单位：县网信办）';</script></head><body>"
         "<img src='https://www.example.gov.cn/banner.png'><p>某县2024年法治政府建设工作要点</p>"
         "<p>为推进依法行政，现将重点工作分解如下。</p>"
         "<table border=1><tr><td>序号</td><td>工作任务</td><td>牵头单位</td><td>责任单位</td><td>完成时限</td></tr>"
         "<tr><td>1</td><td>开展行政执法案卷评查</td><td>县司法局</td><td>县直各部门</td><td>2024年6月底前</td></tr>"
         "<tr><td>2</td><td>编制重大行政决策事项目录</td><td>县政府办</td><td>县司法局<br>县发改局</td>"
         "<td>2024年3月底前</td></tr></table></body></html>")
_PAGE_HANT = ("<html><head><title>某縣2024年工作要點</title></head><body><p>某縣2024年法治政府建設工作要點</p>"
              "<p>為推進依法行政，現將重點工作分解如下。</p>"
              "<table border=1><tr><td>序號</td><td>工作任務</td><td>牽頭單位</td><td>責任單位</td>"
              "<td>完成時限</td></tr>"
              "<tr><td>1</td><td>開展行政執法案卷評查</td><td>縣司法局</td><td>縣直各部門</td><td>2024年6月底前</td></tr>"
              "<tr><td>2</td><td>編制重大行政決策事項目錄</td><td>縣政府辦</td><td>縣司法局<br>縣發改局</td>"
              "<td>2024年3月底前</td></tr></table></body></html>")
_PAGE_TASKS = [(["县司法局"], ["县直各部门"], "2024-06-30"), (["县政府办"], ["县司法局", "县发改局"], "2024-03-31")]


@pytest.mark.parametrize(
    ("name", "charset", "transfer", "declared", "meta"),
    [
        ("方案.mht", "gb2312", "quoted-printable", None, None),  # Word's own, in the charset of a Chinese Windows
        ("方案.doc", "gbk", "quoted-printable", "gb2312", "gb2312"),  # renamed .doc; GBK characters labelled gb2312
        ("方案.mhtml", "utf-8", "base64", None, None),
        ("方案.doc", "big5", "quoted-printable", None, None),  # a traditional page from Hong Kong or Taiwan
        ("方案.doc", "gb18030", "base64", "", "gb2312"),  # no charset in the part header: the page's <meta>
        ("方案.doc", "utf-8", "quoted-printable", "utf-8", "gb2312"),  # the part header wins over a stale <meta>
    ],
)
def test_a_web_archive_is_read_like_a_web_page_doc(tmp_path, soffice, name, charset, transfer, declared, meta):
    html = _PAGE_HANT if charset == "big5" else _PAGE
    path = _web_archive(tmp_path / name, html, charset, transfer, declared=declared, meta=meta)
    plan = parse_plan(path)
    assert [(t.lead, t.responsible, t.deadline) for t in plan.tasks] == _PAGE_TASKS
    assert plan.title == "某县2024年法治政府建设工作要点"
    assert not any("网信办" in unit for t in plan.tasks for unit in t.units)  # the script is not read


def test_the_html_taken_out_of_a_web_archive(tmp_path):
    from reporting.plan_formats.mhtml import page_html

    path = _web_archive(tmp_path / "方案.doc", _PAGE, "gbk", "quoted-printable", declared="gb2312", meta="gb2312")
    html = page_html(path)
    assert "开展行政执法案卷评查" in html and "县直各部门" in html and "<script" not in html and "<img" not in html
    assert html.count("charset") == 1 and 'charset=utf-8"' in html  # the page is handed on as UTF-8
    xhtml = _web_archive(tmp_path / "x.mht", '<?xml version="1.0" encoding="gb2312"?>' + _PAGE, "gb2312",
                         "quoted-printable")
    assert "encoding=" not in page_html(xhtml) and "开展行政执法案卷评查" in page_html(xhtml)


def test_a_web_archive_without_libreoffice_or_without_a_page_says_what_to_do(tmp_path, monkeypatch):
    from reporting.plan_formats import office

    monkeypatch.setattr(office, "soffice", lambda: None)
    path = _web_archive(tmp_path / "方案.doc", _PAGE, "utf-8", "base64")
    expect_error(path, "网页存档", "需要 LibreOffice 才能读取", "另存为 .docx")
    empty = tmp_path / "空.mht"
    empty.write_bytes(b'MIME-Version: 1.0\r\nContent-Type: multipart/related; boundary="b"\r\n\r\n--b\r\n'
                      b"Content-Type: image/png\r\nContent-Transfer-Encoding: base64\r\n\r\niVBORw0KGgo=\r\n--b--\r\n")
    expect_error(empty, "没有网页正文", "另存为 .docx")


def test_a_column_naming_the_leader_in_charge_is_not_a_unit_column():
    assert header_columns(["序号", "重点任务", "牵头县领导", "责任单位", "完成时限"]) == {
        "id": 0, "text": 1, "responsible": 3, "deadline": 4}
    assert header_columns(["序号", "工作任务", "责任领导", "责任人"]) is None
