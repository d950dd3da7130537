"""Plan import accuracy: task recall and precision, unit F1, lead and deadline exact, over the corpus of
made-up plans in tests/plans (answers written by hand beside each) and the seeds in ../shared/seeds.

    python bench/plan_accuracy.py          # one table, a line per plan, the totals last
"""

from __future__ import annotations

import re
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from reporting.errors import PlanError
from reporting.hanzi import to_simplified
from reporting.models import Plan, Task
from reporting.plan_parse import parse_plan
from reporting.plan_units import split_top

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "tests" / "plans"
SEEDS = REPO.parent / "shared" / "seeds"
_NOISE = re.compile(r"[\s\W_]+")


@dataclass
class Answer:
    key: str
    lead: list[str] | None  # None: not scored
    responsible: list[str] | None
    deadline: str | None  # ISO date, 长期, "" for none, None: not scored


@dataclass
class Score:
    name: str
    expected: int
    found: int
    matched: int
    unit_tp: int = 0
    unit_fp: int = 0
    unit_fn: int = 0
    leads: int = 0
    leads_right: int = 0
    deadlines: int = 0
    deadlines_right: int = 0
    misses: list[str] = field(default_factory=list)

    @property
    def recall(self) -> float:
        return self.matched / self.expected if self.expected else 1.0

    @property
    def precision(self) -> float:
        return self.matched / self.found if self.found else 0.0

    @property
    def unit_f1(self) -> float:
        denominator = 2 * self.unit_tp + self.unit_fp + self.unit_fn
        return 2 * self.unit_tp / denominator if denominator else 1.0

    @property
    def lead_exact(self) -> float:
        return self.leads_right / self.leads if self.leads else 1.0

    @property
    def deadline_exact(self) -> float:
        return self.deadlines_right / self.deadlines if self.deadlines else 1.0


def normal(text: str) -> str:
    return _NOISE.sub("", to_simplified(text)).replace("（", "(").replace("）", ")")


def _names(field_text: str) -> list[str] | None:
    field_text = field_text.strip()
    if field_text == "*":
        return None
    return [] if field_text == "-" else [normal(n) for n in split_top(field_text, "、")]


def _deadline(field_text: str) -> str | None:
    field_text = field_text.strip()
    return None if field_text == "*" else ("" if field_text == "-" else field_text)


def read_answers(path: Path) -> list[Answer]:
    answers = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        key, lead, responsible, deadline = (part.strip() for part in line.split("|"))
        answers.append(Answer(key, _names(lead), _names(responsible), _deadline(deadline)))
    return answers


def _score_units(score: Score, task: Task, answer: Answer) -> None:
    if answer.lead is not None and answer.responsible is not None:
        got = {normal(n) for n in task.units}
        want = set(answer.lead) | set(answer.responsible)
        score.unit_tp += len(got & want)
        score.unit_fp += len(got - want)
        score.unit_fn += len(want - got)
    if answer.lead is not None:
        score.leads += 1
        score.leads_right += {normal(n) for n in task.lead} == set(answer.lead)
    if answer.deadline is not None:
        score.deadlines += 1
        score.deadlines_right += (task.deadline or "") == answer.deadline


def score_plan(name: str, tasks: list[Task], answers: list[Answer]) -> Score:
    """Each answer takes the first unused task whose text holds its key, in order."""
    score = Score(name, len(answers), len(tasks), 0)
    texts = [normal(task.text) for task in tasks]
    used: set[int] = set()
    for answer in answers:
        key = normal(answer.key)
        index = next((i for i, text in enumerate(texts) if i not in used and key in text), None)
        if index is None:
            score.misses.append(answer.key)
            continue
        used.add(index)
        score.matched += 1
        _score_units(score, tasks[index], answer)
    return score


def build(source: Path, folder: Path) -> Path:
    """A .docx, .doc or .xlsx plan from its .tsv description (tabbed lines are table rows)."""
    target = folder / source.name.removesuffix(".tsv")
    lines = source.read_text(encoding="utf-8").splitlines()
    rows = [[cell.replace("\\n", "\n") for cell in line.split("\t")] if "\t" in line else line for line in lines]
    if target.suffix == ".xlsx":
        return _xlsx(rows, target)
    if target.suffix == ".doc":
        return _as_doc(_docx(rows, target.with_suffix(".docx")), target)
    return _docx(rows, target)


SHEET = "[sheet] "  # a .tsv line starting a new sheet of an .xlsx, with its name


def _xlsx(rows: list, target: Path) -> Path:
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for number, row in enumerate(rows):
        if isinstance(row, str) and row.startswith(SHEET):
            sheet = sheet if number == 0 else workbook.create_sheet()
            sheet.title = row.removeprefix(SHEET)
            continue
        sheet.append(row if isinstance(row, list) else [row])
    workbook.save(target)
    return target


MERGED_ABOVE = "^"  # a .tsv cell that is the cell above, merged down (Word's vertical merge)


def _docx(rows: list, target: Path) -> Path:
    import docx

    document = docx.Document()
    table = None
    for row in rows:
        if isinstance(row, str):
            table = None
            document.add_paragraph(row)
            continue
        if table is None:
            table = document.add_table(rows=0, cols=len(row))
        cells = table.add_row().cells
        for cell, text in zip(cells, row, strict=False):
            cell.text = "" if text == MERGED_ABOVE else text
        _merge(table, row)
    document.save(str(target))
    return target


def _merge(table, row: list[str]) -> None:
    cells = table.rows[-1].cells
    if len(set(row)) == 1:
        cells[0].merge(cells[-1]).text = row[0]
        return
    below = len(table.rows) - 1
    for column, text in enumerate(row):
        if text == MERGED_ABOVE and below > 0:
            top = table.cell(below - 1, column)
            kept = top.text
            top.merge(cells[column]).text = kept


def _as_doc(docx_path: Path, target: Path) -> Path:
    """Word 97 through LibreOffice (tests/office.py), the way an old .doc plan arrives. By way of .odt: the
    .doc LibreOffice writes straight from a python-docx file has its tables flattened into one paragraph."""
    sys.path.insert(0, str(REPO / "tests"))
    from office import convert

    return convert(convert(docx_path, "odt", target.parent / "odt"), "doc", target.parent)


def parse_or_empty(path: Path) -> tuple[Plan | None, str]:
    try:
        return parse_plan(path), ""
    except PlanError as exc:
        return None, str(exc)


def corpus_scores(folder: Path) -> list[Score]:
    scores = []
    with tempfile.TemporaryDirectory() as temp:
        for answers_path in sorted(CORPUS.glob("*.answers.txt")):
            name = answers_path.name.removesuffix(".answers.txt")
            if name == "seeds":
                continue
            kept = [p for p in CORPUS.glob(f"{name}.*") if not p.name.endswith((".answers.txt", ".tsv"))]
            tables = sorted(CORPUS.glob(f"{name}.*.tsv"))
            path = kept[0] if kept else build(tables[0], Path(temp))
            plan, _ = parse_or_empty(path)
            scores.append(score_plan(path.name, plan.tasks if plan else [], read_answers(answers_path)))
    return scores


def seed_scores() -> list[Score]:
    """Seeds score what their answers say: the task count, and the tasks listed by id."""
    if not SEEDS.is_dir():
        return []
    counts: dict[str, int] = {}
    listed: dict[str, list[tuple[str, Answer]]] = {}
    for line in (CORPUS / "seeds.answers.txt").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        parts = [part.strip() for part in line.split("|")]
        if parts[1] == "count":
            counts[parts[0]] = int(parts[2])
        else:
            answer = Answer(parts[1], _names(parts[2]), _names(parts[3]), _deadline(parts[4]))
            listed.setdefault(parts[0], []).append((parts[1], answer))
    scores = []
    for prefix, expected in counts.items():
        path = next(SEEDS.glob(f"{prefix}_*.txt"))
        plan, _ = parse_or_empty(path)
        tasks = plan.tasks if plan else []
        score = Score(f"seed {prefix}", expected, len(tasks), min(expected, len(tasks)))
        by_id = {task.id: task for task in tasks}
        for task_id, answer in listed.get(prefix, []):
            if task_id in by_id:
                _score_units(score, by_id[task_id], answer)
            else:
                score.misses.append(task_id)
        scores.append(score)
    return scores


def total(scores: list[Score]) -> Score:
    whole = Score("合计", 0, 0, 0)
    for s in scores:
        for name in ("expected", "found", "matched", "unit_tp", "unit_fp", "unit_fn", "leads", "leads_right",
                     "deadlines", "deadlines_right"):
            setattr(whole, name, getattr(whole, name) + getattr(s, name))
    return whole


def all_scores() -> list[Score]:
    with tempfile.TemporaryDirectory() as temp:
        return corpus_scores(Path(temp)) + seed_scores()


def table(scores: list[Score]) -> str:
    head = f"{'plan':34} {'exp':>4} {'got':>4} {'recall':>7} {'prec':>6} {'unitF1':>7} {'lead':>6} {'dl':>6}"
    lines = [head, "-" * len(head)]
    for s in [*scores, total(scores)]:
        lines.append(f"{s.name:34} {s.expected:>4} {s.found:>4} {s.recall:>7.3f} {s.precision:>6.3f} "
                     f"{s.unit_f1:>7.3f} {s.lead_exact:>6.3f} {s.deadline_exact:>6.3f}")
    return "\n".join(lines)


def main() -> None:
    scores = all_scores()
    print(table(scores))
    zero = [s.name for s in scores if s.found == 0]
    print(f"plans: {len(scores)}; with zero tasks: {len(zero)} {' '.join(zero)}")
    for s in scores:
        if s.misses:
            print(f"missed in {s.name}: {' / '.join(s.misses)}")


if __name__ == "__main__":
    main()
