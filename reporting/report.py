"""report: outbox/<轮次>/自评报告.docx from the report template, in GB/T 9704 format, with charts and annexes.

Order of work: check the template (before anything is written), read the figures, draw the charts, render,
enforce the official format on the rendered document, save; with pdf=True convert through LibreOffice.
"""

from __future__ import annotations

import contextlib
import itertools
import math
import os
import re
import shutil
import signal
import subprocess
import tempfile
import zipfile
from dataclasses import dataclass, field
from datetime import date
from io import BytesIO
from pathlib import Path

import jinja2
from docx.opc.exceptions import PackageNotFoundError
from docx.oxml.ns import qn
from docx.shared import Mm
from docxtpl import DocxTemplate, InlineImage
from markupsafe import escape

from . import report_text as text
from .charts import draw_charts
from .docx_format import finish_format, fontconfig_file, format_body
from .errors import ReportingError, TemplateError, WorkspaceError
from .fileio import atomic_path
from .progress import ProgressHook, no_progress
from .report_template import CELL_MARGIN_TWIPS, FIELDS, MERGED_DOWN, PLACEHOLDER_MARK, REQUIRED_FIELDS
from .summary import RoundSummary, load_summary
from .templates import builtin_template, template_path
from .workspace import Workspace

REPORT_FILE = "自评报告.docx"
PDF_TIMEOUT = 300  # seconds; a first start of LibreOffice on a slow desk machine takes a while
CHART_WIDTH = Mm(140)
WINDOWS_SOFFICE = [Path(os.environ.get(var, "")) / "LibreOffice" / "program" / "soffice.exe"
                   for var in ("ProgramFiles", "ProgramFiles(x86)") if os.environ.get(var)]


@dataclass
class ReportResult:
    docx: Path
    template: Path
    template_label: str  # as the user knows it: templates/docx/自评报告模板.docx, or 内置模板
    pdf: Path | None = None
    charts: list[Path] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def write_report(ws: Workspace, *, round_name: str | None = None, as_of: date | None = None,
                 pdf: bool = False, progress: ProgressHook = no_progress) -> ReportResult:
    """Write the 自评报告 of a round (the current one unless named); with pdf=True also a PDF."""
    steps = 6 if pdf else 5
    progress(0, steps, "检查模板")
    template = template_path(ws, "docx")
    builtin = template == builtin_template("docx")
    shown = template.name if builtin else ws.show(template)
    document = open_template(template, shown)
    progress(1, steps, "读取数据")
    data = load_summary(ws, round_name=round_name, as_of=as_of, with_sources=False)
    folder = ws.round_dir(data.round)
    progress(2, steps, "绘制图表")
    charts = draw_charts(folder, [(text.short_area(a.area), a.completion_rate) for a in data.figures.areas],
                         [(row["状态"], row["项次"]) for row in text.state_rows(data)[:-1]],
                         [(u.unit, u.completion_rate) for u in data.figures.units], ws.root)
    result = ReportResult(docx=folder / REPORT_FILE, template=template, charts=list(charts.paths.values()),
                          template_label=f"内置模板 {shown}" if builtin else shown,
                          warnings=[charts.warning] if charts.warning else [])
    progress(3, steps, "填写模板")
    context = build_context(data)
    context.update({f"图_{key}": InlineImage(document, str(path), width=CHART_WIDTH)
                    for key, path in charts.paths.items()})
    render(document, context, shown)
    result.warnings += unfilled_warning(document, shown, builtin)
    progress(4, steps, "保存")
    with atomic_path(result.docx, ws.root) as tmp:
        document.save(str(tmp))
    if pdf:
        progress(5, steps, "转换 PDF")
        result.pdf = convert_to_pdf(result.docx, ws)
    progress(steps, steps, "完成")
    return result


def build_context(data: RoundSummary) -> dict:
    """Every field of report_template.FIELDS except the images."""
    context = text.headline(data)
    found = text.findings(data)  # 三 and 四 point for point
    context.update({"主要工作": text.main_work(data), "存在问题": text.problems(data, found),
                    "下一步计划": text.next_steps(data, found), **text.annexes(data), **text.indicator_scores(data)})
    return context


def unfilled(document: DocxTemplate) -> list[str]:
    """The names of the coordinator's places (【待填写：名称】) still in the rendered report."""
    found: list[str] = []
    for paragraph in document.docx.element.body.iter(qn("w:p")):
        text = "".join(t.text or "" for t in paragraph.iter(qn("w:t")))
        for match in re.finditer(re.escape(PLACEHOLDER_MARK) + r"([^】—（]+)", text):
            name = match.group(1).strip()
            if name not in found:
                found.append(name)
    return found


def unfilled_warning(document: DocxTemplate, shown: str, builtin: bool) -> list[str]:
    names = unfilled(document)
    if not names:
        return []
    where = "生成的报告中" if builtin else f"{shown} 中填写（每轮沿用）后重新生成，或在生成的报告中"
    return [f"报告中有{len(names)}处需由牵头协调方填写的内容（已用“{PLACEHOLDER_MARK}”标出）：{'、'.join(names)}；"
            f"请在{where}直接填写"]


# Text docxtpl turns into tabs, paragraphs, line and page breaks (resolve_listing); \n is also between tags.
_LISTING_TEXT = re.compile(r"<w:t(?: [^>]*)?>[^<]*[\t\a\n\f]|[\t\a\f]")


# A `{%tr for r in 附件2 %}` loop as docxtpl's patch_xml leaves it: the row between the for and the endfor.
_ROW_LOOP = re.compile(r"\{%\s*for\s+(\w+)\s+in\s+([^\s%]+)\s*%\}(<w:tr[ >].*?</w:tr>)\{%\s*endfor\s*%\}", re.DOTALL)
_TAG = re.compile(r"\{[{%#]")
_BREAKS = re.compile(r"[\t\a\n\f]")  # what resolve_listing turns into tabs and breaks in a filled-in text
_UNMARKED = (("{_{", "{{"), ("}_}", "}}"), ("{_%", "{%"), ("%_}", "%}"))  # as render_xml_part puts them back


def _unmarked(text: str) -> str:
    for marked, plain in _UNMARKED:
        text = text.replace(marked, plain)
    return text
_ROWS_MARK = "reporting-rows:"


class ReportTemplate(DocxTemplate):
    """docxtpl's template, with two shortcuts for the long annex tables (a province's 附件2 has 2,000 rows and
    22,000 cells), each taken only where it gives what docxtpl would:
    - resolve_listing (a regular expression on each paragraph, run and text) only when some filled-in text holds a
      character it turns into something;
    - a table row repeated over a list (`{%tr for r in 附件2 %}`) whose cells only show the row's values
      (`{{ r.单位 }}`) is filled by joining the row's text around the values, escaped as Jinja escapes them; a
      comment holds their place in the document until it is saved, and they go into its document.xml then: the
      same rows, without Jinja, docxtpl and the formatting after it passing over each (they are copies of the
      template's row, formatted before it was filled);
    - in such a table, the cell of a field named in report_template.MERGED_DOWN (附件4's 一级指标) is one cell
      merged down over the rows with the same value (w:vMerge), as in a hand-made table, and kept on one page (a long
      run of rows in parts: KEPT_LINES); the rows Jinja fills (the other way) show it on each row."""

    def resolve_listing(self, xml: str) -> str:
        return super().resolve_listing(xml) if _LISTING_TEXT.search(xml) else xml

    def build_xml(self, context, jinja_env=None) -> str:
        self._rows: dict[str, str] = {}
        xml = self.patch_xml(self.get_xml())
        xml = _ROW_LOOP.sub(lambda match: self._take_rows(match, context), xml)
        return self.render_xml_part(xml, self.docx._part, context, jinja_env)

    def save(self, filename, *args, **kwargs) -> None:
        rows = getattr(self, "_rows", None)
        if not rows:
            super().save(filename, *args, **kwargs)
            return
        saved = BytesIO()
        super().save(saved, *args, **kwargs)
        _put_rows(saved, filename, rows)

    def _take_rows(self, match: re.Match, context: dict) -> str:
        name, field, row = match.groups()
        rows = context.get(field)
        cell = re.compile(r"\{\{\s*" + re.escape(name) + r"\.(\w+)\s*\}\}")
        pieces = cell.split(row)  # text, key, text, key, …, text
        keys = pieces[1::2]
        if not isinstance(rows, list) or len(_TAG.findall(row)) != len(keys) or not all(
                isinstance(r, dict) and all(k in r for k in keys) for r in rows):
            return match.group()  # anything else in the row: Jinja fills it
        values = [str(escape(r[k])) for r in rows for k in keys]
        joined = "".join(values)
        if _BREAKS.search(joined) or any(marked in joined for marked, _ in _UNMARKED):
            return match.group()  # text resolve_listing or render_xml_part would change: docxtpl's way
        width = len(keys)
        merged = MERGED_DOWN.get(field, "")
        variants = _merged_rows(row, name, merged) if merged in keys else None
        if variants is None:
            layout = _layout(cell.split(row))
            filled = "".join([layout % tuple(values[at:at + width]) for at in range(0, len(values), width)])
        else:
            starts = _merge_starts(rows, merged, _cell_lines(row, name, rows, merged))
            filled = _fill_merged(variants, cell, starts, values, width, keys.index(merged))
        mark = f"{_ROWS_MARK}{len(self._rows)}"
        self._rows[mark] = filled
        return f"<!--{mark}-->"


def _layout(pieces: list[str]) -> str:
    """The row's text around its values (text, key, text, …) as a %-format, as render_xml_part leaves the text."""
    return "%s".join(_unmarked(text).replace("%", "%%") for text in pieces[0::2])


# A merged cell is kept on one page, so a run of rows with the same value taller than this many lines of table
# text (15 pt; a landscape page holds about 27 below the header, its first about 20 below the annex title) is cut
# into parts of about equal height, each a merged cell of its own that shows the value: a page never starts with
# an empty continued cell (which shows nothing), and keeping a part whole leaves at most this much of a page empty.
KEPT_LINES = 12
_TWIPS_PER_CHAR = 210  # a 五号 (10.5 pt) character; Latin letters and digits about half


def _cell_lines(row: str, name: str, rows: list[dict], merged: str) -> list[int]:
    """How many lines each of `rows` takes, estimated from its longest text for the width of that text's cell (the
    merged cell's own text left out: it spans the rows)."""
    widths: dict[str, float] = {}  # key → characters on a line of its cell
    for cell in re.finditer(r"<w:tc(?:\s[^>]*)?>.*?</w:tc>", row, re.DOTALL):
        twips = re.search(r'<w:tcW\b[^>]*w:w="(\d+)"', cell.group())
        for key in re.findall(r"\{\{\s*" + re.escape(name) + r"\.(\w+)\s*\}\}", cell.group()):
            if twips and key != merged:
                widths[key] = max(1.0, (int(twips[1]) - 2 * CELL_MARGIN_TWIPS) / _TWIPS_PER_CHAR)
    return [max([1, *(math.ceil(_text_width(str(r[k])) / chars) for k, chars in widths.items())]) for r in rows]


def _text_width(text: str) -> float:
    return sum(0.5 if ord(char) < 0x2E80 else 1.0 for char in text)


def _merge_starts(rows: list[dict], key: str, lines: list[int]) -> list[bool]:
    """For each row, whether it starts a merged cell: the first row of each run with the same value of `key`, and of
    each part of a run taller than KEPT_LINES (cut into parts of about equal height)."""
    starts = [index == 0 or row[key] != rows[index - 1][key] for index, row in enumerate(rows)]
    runs = [index for index, first in enumerate(starts) if first] + [len(rows)]
    for begin, end in itertools.pairwise(runs):
        total = sum(lines[begin:end])
        parts = math.ceil(total / KEPT_LINES)
        if parts < 2:
            continue
        height, done = 0, 1
        for index in range(begin, end):
            if height >= total * done / parts and index > begin:
                starts[index], done = True, done + 1
            height += lines[index]
    return starts


def _fill_merged(variants: dict[tuple[bool, bool], str], cell: re.Pattern, starts: list[bool], values: list[str],
                 width: int, column: int) -> str:
    """The rows, the cell of column `column` merged down from each start over the rows up to the next: the first row
    shows the value, the others continue the cell (empty); every row but the last of a merged cell keeps with the
    next, so a merged cell is not split over two pages, and the last row keeps with what follows the rows (the 合计
    row: never alone on a page)."""
    layouts = {kind: _layout(cell.split(text)) for kind, text in variants.items()}
    out = []
    for index, at in enumerate(range(0, len(values), width)):
        keep = index + 1 == len(starts) or not starts[index + 1]
        own = values[at:at + width]
        if not starts[index]:
            own[column] = ""
        out.append(layouts[starts[index], keep] % tuple(own))
    return "".join(out)


_CELL_START = re.compile(r"<w:tc(?:\s[^>]*)?>")
_BEFORE_VMERGE = re.compile(r"(?:<w:(?:cnfStyle|tcW|gridSpan|hMerge)\b[^>]*/>)*")  # what precedes w:vMerge
_AFTER_VALIGN = re.compile(r"<w:(?:hideMark|headers|cellIns|cellDel|cellMerge|tcPrChange)\b")
_PARAGRAPH_START = re.compile(r"<w:p(?:\s[^>]*[^/>])?>(<w:pPr>(?:<w:pStyle\b[^>]*/>)?)?")  # not an empty <w:p/>


def _merged_rows(row: str, name: str, key: str) -> dict[tuple[bool, bool], str] | None:
    """The template's row in four kinds, by (first of a run, keeps with the next): the cell showing `{{ name.key }}`
    starts (w:vMerge restart, centred vertically) or continues (w:vMerge) a merged cell; every paragraph keeps with
    the next row or not. None when the row has no such cell of its own or the cell already merges (the rows are then
    filled as they are)."""
    tag = re.search(r"\{\{\s*" + re.escape(name) + r"\." + re.escape(key) + r"\s*\}\}", row)
    starts = list(_CELL_START.finditer(row, 0, tag.start())) if tag else []
    if not starts or "<w:tbl>" in row:
        return None
    opened = starts[-1].end()
    properties, rest = "", row[opened:]
    if rest.startswith("<w:tcPr>"):
        properties, rest = rest[len("<w:tcPr>"):].split("</w:tcPr>", 1)
    elif rest.startswith("<w:tcPr/>"):
        rest = rest[len("<w:tcPr/>"):]
    if "<w:vMerge" in properties or "<w:hMerge" in properties:
        return None
    variants = {}
    for first in (True, False):
        before = _BEFORE_VMERGE.match(properties)
        at = before.end() if before else 0
        own = properties[:at] + ('<w:vMerge w:val="restart"/>' if first else "<w:vMerge/>") + properties[at:]
        if first and "<w:vAlign" not in own:
            after = _AFTER_VALIGN.search(own)
            at = after.start() if after else len(own)
            own = own[:at] + '<w:vAlign w:val="center"/>' + own[at:]
        cell_row = f"{row[:opened]}<w:tcPr>{own}</w:tcPr>{rest}"
        variants[first, False] = cell_row
        variants[first, True] = cell_row if "<w:keepNext" in row else _PARAGRAPH_START.sub(_keep_next, cell_row)
    return variants


def _keep_next(match: re.Match) -> str:
    """A paragraph's start with w:keepNext in its properties (after w:pStyle, as the schema orders them)."""
    if match.group(1) is None:
        return match.group() + "<w:pPr><w:keepNext/></w:pPr>"
    return match.group() + "<w:keepNext/>"


def _put_rows(saved: BytesIO, target, rows: dict[str, str]) -> None:
    """The saved document written to `target` with the rows of each table ReportTemplate filled in place of their
    comments."""
    marks = re.compile(f"<!--({_ROWS_MARK}\\d+)-->".encode())
    with zipfile.ZipFile(saved) as source, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as written:
        for item in source.infolist():
            data, level = source.read(item), None
            if item.filename == "word/document.xml":  # mostly the rows: the fastest deflate (8 MB → 150 KB)
                data, level = marks.sub(lambda match: rows[match.group(1).decode()].encode(), data), 1
            written.writestr(item, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=level)


def open_template(path: Path, shown: str) -> DocxTemplate:
    """The template, checked: it opens, its Jinja parses, it has the required fields and no unknown ones."""
    try:
        document = ReportTemplate(str(path))
        used = document.get_undeclared_template_variables()
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateError(f"模板 {shown} 有语法错误：{exc.message}（请检查 {{{{ }}}} 与 {{% %}} 是否成对、"
                            "标签内的字段名和写法是否正确）") from exc
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise TemplateError(f"模板 {shown} 无法打开：不是有效的 Word（.docx）文件") from exc
    missing = [name for name in REQUIRED_FIELDS if name not in used]
    if missing:
        raise TemplateError(f"模板 {shown} 缺少字段：{'、'.join(missing)}")
    unknown = sorted(used - set(FIELDS))
    if unknown:
        raise TemplateError(f"模板 {shown} 含有未知字段：{'、'.join(unknown)}（可用字段：{'、'.join(FIELDS)}）")
    return document


def render(document: DocxTemplate, context: dict, shown: str) -> None:
    """Fill the template (values escaped for XML) and put the result into GB/T 9704 format."""
    format_body(document.get_docx(), template=True)  # each row of an annex is then a formatted copy
    try:
        document.render(context, autoescape=True)
    except jinja2.TemplateError as exc:
        raise TemplateError(f"模板 {shown} 填写时出错：{exc}（请检查模板中的字段写法）") from exc
    finish_format(document.docx, filled=True)


def find_soffice() -> str | None:
    """LibreOffice's soffice on PATH, or in its usual Windows folder."""
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if found:
        return found
    return next((str(path) for path in WINDOWS_SOFFICE if path.is_file()), None)


def convert_to_pdf(docx: Path, ws: Workspace) -> Path:
    """自评报告.pdf beside the .docx, through LibreOffice with a throw-away profile."""
    soffice = find_soffice()
    if soffice is None:
        raise WorkspaceError(f"已生成 {ws.show(docx)}，但未找到 LibreOffice，无法生成 PDF：请安装 LibreOffice "
                             "后重试，或在 Word/WPS 中打开该文件另存为 PDF")
    target = docx.with_suffix(".pdf")
    with tempfile.TemporaryDirectory(prefix="reporting-pdf-") as work:
        folder = Path(work)
        source = folder / "report.docx"  # an ASCII name: no trouble with the console's code page on Windows
        shutil.copyfile(docx, source)
        command = [soffice, f"-env:UserInstallation={(folder / 'profile').as_uri()}", "--headless", "--norestore",
                   "--nolockcheck", "--convert-to", "pdf:writer_pdf_Export", "--outdir", str(folder), str(source)]
        _run(command, ws, docx, env=pdf_environment(folder))
        produced = folder / "report.pdf"
        if not produced.exists():
            raise ReportingError(f"已生成 {ws.show(docx)}，但 LibreOffice 未能将其转换为 PDF")
        with atomic_path(target, ws.root) as tmp:
            shutil.copyfile(produced, tmp)
    return target


def pdf_environment(folder: Path) -> dict[str, str]:
    """The environment for soffice: on a machine with fontconfig, a fonts.conf that maps 仿宋_GB2312,
    方正小标宋简体, 黑体 and 楷体_GB2312 to installed faces (docx_format.PDF_SUBSTITUTES), so the PDF keeps the
    title, heading and body faces apart."""
    env = dict(os.environ)
    system = Path(env.get("FONTCONFIG_FILE") or "/etc/fonts/fonts.conf")
    if os.name == "posix" and system.is_file():
        config = folder / "fonts.conf"
        config.write_text(fontconfig_file(str(system)), encoding="utf-8")
        env["FONTCONFIG_FILE"] = str(config)
    return env


def _run(command: list[str], ws: Workspace, docx: Path, env: dict[str, str] | None = None) -> None:
    """Run soffice in its own process group, killed whole on timeout (it forks)."""
    posix = os.name == "posix"
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               start_new_session=posix, env=env)
    try:
        process.communicate(timeout=PDF_TIMEOUT)
    except subprocess.TimeoutExpired as exc:
        _kill(process, posix)
        process.communicate()
        raise ReportingError(f"已生成 {ws.show(docx)}，但 LibreOffice 转换 PDF 超过 {PDF_TIMEOUT} 秒未完成，"
                             "请在 Word/WPS 中另存为 PDF") from exc


def _kill(process: subprocess.Popen, posix: bool) -> None:
    if posix:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
    else:  # pragma: no cover - Windows
        process.kill()
