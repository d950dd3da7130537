"""Benchmark of the 佐证材料 export tree (not a test): N units × F files each, into 佐证材料/<一级>/<三级>/<单位>/.

    python bench/bench_evidence.py --units 2000 --files 3 --size 20000   # province scale, 120 MB of files
    python bench/bench_evidence.py --units 2000 --files 3 --size 2000 --missing 100   # and the two workbooks

The round is made up in memory (claims with files in archive/, an indicator system of 30 末级 indicators,
each task serving one), so only the export is timed: the first run copies every file, the second finds
them unchanged and copies none, the third after touching 1% of the archived files copies just those.
Peak memory (ru_maxrss) shows the files are streamed, not read whole. Then 佐证材料目录 (a row and a link per
file, a row per claim without one) and 缺证清单 (a row per claim without a file: `--missing` per unit) are
written and timed.
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
from pathlib import Path

from reporting.demo import DATA, INDICATORS_FILE
from reporting.evidence import (
    CATALOGUE_FILE,
    MISSING_FILE,
    Claim,
    EvidenceFile,
    Match,
    RoundEvidence,
    export_tree,
    write_catalogue,
    write_missing,
)
from reporting.figures import Pair
from reporting.indicators import read_indicator_source
from reporting.workspace import Workspace
from reporting.workspace_init import init_workspace

DEMO_SYSTEM = DATA / INDICATORS_FILE


def build(root: Path, units: int, files: int, size: int, missing: int = 0) -> RoundEvidence:
    ws = init_workspace(root / "ws")
    system = read_indicator_source(DEMO_SYSTEM)
    leaves = system.leaves()
    claims = []
    for u in range(units):
        unit = f"测试单位{u:04d}"
        for t in range(files):
            task = str(t + 1 + (u % 30))
            data = os.urandom(64) + bytes(size - 64)
            digest = f"{u:04d}{t:02d}".ljust(64, "0")
            archived = ws.root / "archive" / digest[:2] / f"{digest}.pdf"
            archived.parent.mkdir(parents=True, exist_ok=True)
            archived.write_bytes(data)
            pair = Pair(unit=unit, task_id=task, role="责任", area="", deadline=None, state="已完成")
            item = EvidenceFile(unit, f"{task}-会议纪要.pdf", f"archive/{digest[:2]}/{digest}.pdf", size, digest, "",
                                "inbox/x.zip", Match(task, "bench"))
            claims.append(Claim(pair, [item]))
        for t in range(missing):  # 已完成, 佐证材料 filled in, no file: a row of each workbook
            pair = Pair(unit=unit, task_id=str(100 + t), role="责任", area="", deadline=None, state="已完成",
                        evidence=f"第{t + 1}次会议纪要及照片", evidence_mode="随报送文件附上")
            claims.append(Claim(pair, []))
    links = {str(n): [leaves[(n - 1) % len(leaves)].id] for n in (*range(1, 61), *range(100, 100 + missing))}
    return RoundEvidence("基准轮次", claims, [], system, links, {})


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--units", type=int, default=2000)
    parser.add_argument("--files", type=int, default=3)
    parser.add_argument("--size", type=int, default=20000)
    parser.add_argument("--missing", type=int, default=0, help="claims without a file per unit (已完成, none sent)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data = build(Path(tmp), args.units, args.files, args.size, args.missing)
        ws = Workspace(Path(tmp) / "ws")
        for label in ("first", "rerun", "after touching 1%"):
            if label.startswith("after"):
                for claim in [claim for claim in data.claims if claim.files][:: 100]:
                    path = ws.root / claim.files[0].archive_path
                    path.write_bytes(path.read_bytes() + b"changed")
            start = time.perf_counter()
            _, copied, planned = export_tree(ws, data)
            print(f"{label:>18}: {planned} files planned, {copied} copied in {time.perf_counter() - start:.1f} s")
        folder = ws.round_dir(data.round)
        for name, write in ((CATALOGUE_FILE, write_catalogue), (MISSING_FILE, write_missing)):
            start, cpu = time.perf_counter(), time.process_time()
            write(ws, data, folder / name)
            print(f"{name:>18}: {time.perf_counter() - start:.1f} s ({time.process_time() - cpu:.1f} s CPU)")
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"peak memory {peak:.0f} MB ({args.units * args.files * args.size / 1e6:.0f} MB of files)")


if __name__ == "__main__":
    main()
