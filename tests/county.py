"""A county-scale round written into reporting.db by plain SQL: 150 tasks, 80 units, seeded.

Like a real county plan: eight areas; most tasks have a lead unit and a few responsible units, a handful
fall to every unit (学法, 普法, 第一责任人); deadlines spread over the year, so some are past the as-of
date. Like real returns: 72 of 80 units return, three of them with an error row; what units write varies
in wording, with numbers, a 量化指标完成值 now and then, and the problems they name come in a few kinds,
each said in several ways. A test may plant a unit with the best work (`plant_best`) or one that only
ever writes "已完成" (`plant_empty`).
"""

from __future__ import annotations

import hashlib
import json
import random
from datetime import date

from reporting.readers.base import column_letter
from reporting.store import connect, dumps, transaction
from reporting.workbook_spec import FILL_COLUMNS, LEDGER_COLUMNS
from reporting.workspace import Settings, Workspace

FILL_LETTERS = [column_letter(LEDGER_COLUMNS.index(name)) for name in FILL_COLUMNS]  # as generate lays them out

CAMPAIGN = "青山县法治政府建设示范创建"
ROUND = "2026年度"
DUE = date(2026, 11, 30)
AREAS = ["（一）依法全面履行政府职能", "（二）完善依法行政制度体系", "（三）推进行政决策科学化民主化法治化",
         "（四）坚持严格规范公正文明执法", "（五）强化对行政权力的制约和监督", "（六）依法有效化解社会矛盾纠纷",
         "（七）全面提高政府工作人员法治思维和依法行政能力", "（八）组织保障"]
TOPICS = ["深化“放管服”改革", "推行权责清单制度", "优化营商环境", "规范涉企收费", "加强事中事后监管",
          "严格合法性审核", "落实备案审查", "开展文件清理", "健全重大行政决策程序", "推行法律顾问制度",
          "推进综合行政执法", "落实行政执法三项制度", "规范执法裁量权", "加强执法监督", "推进政务公开",
          "办理建议提案", "加强审计监督", "推进信访法治化", "加强人民调解", "推进行政复议规范化",
          "落实领导干部学法", "开展普法宣传", "加强法治队伍建设", "开展督查考核"]
UNITS = ([f"青山县{name}" for name in (
    "司法局", "发改局", "财政局", "公安局", "教育局", "民政局", "人社局", "自然资源局", "生态环境局", "住建局",
    "交通运输局", "水利局", "农业农村局", "商务局", "文旅局", "卫健委", "应急管理局", "审计局", "市场监管局",
    "统计局", "医保局", "林业局", "信访局", "行政审批局", "城管局", "退役军人局", "政府办", "委办", "组织部",
    "宣传部", "编办", "法院", "检察院", "税务局", "气象局", "融媒体中心", "供销社", "工信局", "科技局",
    "档案馆", "机关事务中心", "粮食局", "人防办", "总工会", "团县委", "妇联", "残联", "科协", "侨联", "工商联")]
    + [f"青山县{name}镇人民政府" for name in ("城关", "东岭", "西河", "南湖", "北坪", "石门", "桃花", "青龙",
                                      "白鹤", "金沙", "红岩", "长乐", "永安", "太平", "新华", "和平", "双河",
                                      "龙泉", "清溪", "高桥", "三星", "五里", "大坪", "小河", "柳林", "杨家")]
    + [f"青山县{name}街道办事处" for name in ("城东", "城西", "城南", "城北")])
ACTIONS = ["制定印发《{t}实施方案》，明确{n}项重点任务", "召开专题推进会{n}次，研究解决问题{m}个",
           "组织业务培训{n}场，培训{k}人次", "梳理公布事项清单{k}项", "开展专项检查{n}次，发现并整改问题{m}个",
           "办理相关事项{k}件，按期办结率100%", "邀请法律顾问审核把关{n}次，提出意见{m}条",
           "建立工作台账，实行月调度、季通报", "编印宣传资料{k}份，开展宣传活动{n}场", "完成{t}专项评估，形成报告{n}份"]
PROBLEMS = [  # kinds of problems, each in several wordings
    ["基层工作力量不足，专业人员偏少", "基层工作力量薄弱，专业人员不足", "工作力量不足，专业人员偏少"],
    ["工作经费保障有待加强", "工作经费保障不足", "经费保障有待进一步加强"],
    ["信息化支撑不足，数据共享不畅", "信息化水平不高，数据共享不畅", "信息系统支撑不足"],
    ["部分工作人员对新规定理解不够深入", "部分干部对新规定理解不深", "对新规定学习理解不够深入"],
    ["部门之间协调配合不够顺畅", "部门协同配合不够顺畅"],
]
PLANS = ["继续加强业务培训，提升工作人员法治素养", "完善长效机制，确保任务按期完成", "加大督促检查力度，及时通报进展",
         "推进信息化建设，提高工作效率", "积极争取经费支持，保障工作开展"]
EVERY_UNIT = {140, 141, 145, 148, 150}  # tasks of every unit
AS_OF = DUE


def build_county(ws: Workspace, *, seed: int = 13, plant_best: str = "", plant_empty: str = "") -> dict:
    """Fill ws/reporting.db with the round; returns {"tasks": [...], "assignments": [...], "returned": [...]}."""
    rng = random.Random(seed)
    ws.save_settings(Settings(campaign=CAMPAIGN, signers=["青山县法治政府建设领导小组办公室"], round_name=ROUND,
                              round_due=DUE, report_date=date(2026, 12, 5)))
    tasks, assignments = [], []
    for seq in range(1, 151):
        area = AREAS[min((seq - 1) * len(AREAS) // 150, len(AREAS) - 1)]
        topic = TOPICS[seq % len(TOPICS)]
        text = f"{topic}。按照上级部署，{rng.choice(['全面', '深入', '扎实'])}推进{topic[2:]}相关工作，确保取得实效。"
        deadline = "长期" if seq % 9 == 0 else f"2026-{rng.randint(3, 12):02d}-{rng.choice([15, 30]):02d}"
        lead = rng.choice(UNITS[:50])
        others = [u for u in UNITS if u != lead]
        units = UNITS if seq in EVERY_UNIT else [lead, *rng.sample(others, rng.randint(2, 12))]
        tasks.append((str(seq), seq, area, text, deadline, lead))
        assignments += [(unit, str(seq), "牵头" if unit == lead else "责任") for unit in units]
    if plant_best:  # the best unit: the lead of a few tasks in each of the first two areas
        led = [t[0] for t in tasks if t[2] in AREAS[:2] and int(t[0]) % 5 == 0]
        assignments = [(u, t, r) for u, t, r in assignments if not (t in led and (r == "牵头" or u == plant_best))]
        assignments += [(plant_best, t, "牵头") for t in led]
        tasks = [(t[0], t[1], t[2], t[3], t[4], plant_best if t[0] in led else t[5]) for t in tasks]
    missing = set(rng.sample([u for u in UNITS if u not in (plant_best, plant_empty)], 8))
    faulty = set(rng.sample([u for u in UNITS if u not in missing and u not in (plant_best, plant_empty)], 3))
    conn = connect(ws.db_path)
    with transaction(conn):
        conn.executemany("INSERT INTO units (name, category, liaison, phone, email) VALUES (?, '部门', '联络员', "
                         "'13800000000', '')", [(u,) for u in UNITS])
        conn.execute("INSERT INTO rounds (name, due, campaign, generated_at) VALUES (?, ?, ?, '2026-01-05T09:00:00')",
                     (ROUND, DUE.isoformat(), CAMPAIGN))
        for task_id, seq, area, text, deadline, lead in tasks:
            conn.execute(
                "INSERT INTO round_tasks (round, task_id, seq, area, path, text, lead, responsible, deadline, targets, "
                "fingerprint) VALUES (?, ?, ?, ?, ?, ?, ?, '[]', ?, '[]', ?)",
                (ROUND, task_id, seq, area, dumps([area]), text, dumps([lead]), deadline, "fp" + task_id))
        conn.executemany("INSERT INTO assignments (round, unit, task_id, role) VALUES (?, ?, ?, ?)",
                         [(ROUND, *a) for a in assignments])
        by_unit: dict[str, list[tuple[str, str]]] = {}
        for unit, task_id, role in assignments:
            by_unit.setdefault(unit, []).append((task_id, role))
        for index, unit in enumerate(UNITS):
            if unit in missing or unit not in by_unit:
                continue
            rows = [_row(rng, unit, task_id, plant_best, plant_empty) for task_id, _ in by_unit[unit]]
            _submit(conn, unit, index, rows, faulty=unit in faulty)
    conn.close()
    return {"tasks": tasks, "assignments": assignments, "returned": [u for u in UNITS if u not in missing]}


def _row(rng: random.Random, unit: str, task_id: str, best: str, empty: str) -> tuple:
    if unit == best:
        return (task_id, "已完成", 100, f"全面完成年度任务，办理相关事项{300 + int(task_id)}件，"
                f"培训干部{1000 + int(task_id)}人次，群众满意度98%", "目标值100%，实际完成100%")
    if unit == empty:
        return (task_id, "已完成", 100, "已完成。", "")
    roll = rng.random()
    status = "已完成" if roll < 0.5 else "推进中" if roll < 0.88 else "未启动"
    progress = 100 if status == "已完成" else 0 if status == "未启动" else rng.choice([30, 50, 70, 90])
    numbers = {"n": rng.randint(2, 9), "m": rng.randint(1, 20), "k": rng.randint(20, 900), "t": rng.choice(TOPICS)}
    measures = "；".join(a.format(**numbers) for a in rng.sample(ACTIONS, 2)) + "。" if status != "未启动" else ""
    if status == "已完成" and rng.random() < 0.15:
        measures = rng.choice(["已完成。", "按要求完成。", "已按要求落实到位。"])  # says nothing
    target = f"完成率{rng.randint(90, 100)}%" if status == "已完成" and rng.random() < 0.3 else ""
    return (task_id, status, progress, measures, target)


def _submit(conn, unit: str, index: int, rows: list[tuple], faulty: bool) -> None:
    rng = random.Random(index)
    file_hash = hashlib.sha1(f"county/{unit}".encode()).hexdigest()
    conn.execute("INSERT INTO files (hash, name, inbox_path, archive_path, size, mtime, seen_at, run_id, status) "
                 "VALUES (?, ?, ?, ?, 1000, 0, '2026-11-20T10:00:00', 1, 'read')",
                 (file_hash, f"{unit}.xlsx", f"inbox/{unit}.xlsx", f"archive/{file_hash}"))
    verdict = "退回修改" if faulty else "已接收"
    submission = conn.execute(
        "INSERT INTO submissions (file_hash, member, round, unit, recognized_by, read_at, run_id, verdict, errors, "
        "columns) VALUES (?, '', ?, ?, '识别信息', '2026-11-20T10:00:00', 1, ?, ?, ?)",
        (file_hash, ROUND, unit, verdict, int(faulty), json.dumps(FILL_LETTERS))).lastrowid
    for line, (task_id, status, progress, measures, target) in enumerate(rows, start=3):
        accepted = not (faulty and line == 3)
        problems = rng.choice(rng.choice(PROBLEMS)) if rng.random() < 0.35 else rng.choice(["无", "", "暂无"])
        plans = rng.choice(PLANS) if rng.random() < 0.6 else ""
        conn.execute(
            "INSERT INTO answers (submission_id, task_id, accepted, status, progress, measures, target_value, "
            "evidence, evidence_mode, problems, next_steps, sheet, row) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, '', '', ?, ?, '工作台账', ?)",
            (submission, task_id, int(accepted), status, progress, measures, target, problems, plans, line))
