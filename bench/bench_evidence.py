"""Benchmark of the 佐证材料 export tree (not a test): N units × F files each, into 佐证材料/<一级>/<三级>/<单位>/.

    python bench/bench_evidence.py --units 2000 --files 3 --size 20000   # province scale, 120 MB of files

The round is made up in memory (claims with files in archive/, an indicator system of 30 末级 indicators,
each task serving one), so only the export is timed: the first run copies every file, the second finds
them unchanged and copies none, the third after touching 1% of the archived files copies just those.
Peak memory (ru_maxrss) shows the files are streamed, not read whole.
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
from pathlib import Path

from reporting.demo import DATA, INDICATORS_FILE
from reporting.evidence import Claim, EvidenceFile, Match, RoundEvidence, export_tree
from reporting.figures import Pair
from reporting.indicators import read_indicator_source
from reporting.workspace import Workspace
from reporting.workspace_init import init_workspace

DEMO_SYSTEM = DATA / INDICATORS_FILE


def build(root: Path, units: int, files: int, size: int) -> RoundEvidence:
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
    links = {str(n): [leaves[(n - 1) % len(leaves)].id] for n in range(1, 61)}
    return RoundEvidence("基准轮次", claims, [], system, links, {})


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--units", type=int, default=2000)
    parser.add_argument("--files", type=int, default=3)
    parser.add_argument("--size", type=int, default=20000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data = build(Path(tmp), args.units, args.files, args.size)
        ws = Workspace(Path(tmp) / "ws")
        for label in ("first", "rerun", "after touching 1%"):
            if label.startswith("after"):
                for claim in data.claims[:: 100]:
                    path = ws.root / claim.files[0].archive_path
                    path.write_bytes(path.read_bytes() + b"changed")
            start = time.perf_counter()
            _, copied, planned = export_tree(ws, data)
            print(f"{label:>18}: {planned} files planned, {copied} copied in {time.perf_counter() - start:.1f} s")
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"peak memory {peak:.0f} MB ({args.units * args.files * args.size / 1e6:.0f} MB of files)")


if __name__ == "__main__":
    main()
