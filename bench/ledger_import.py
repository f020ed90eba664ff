"""Ledger import: a generated 100,000-row fund ledger XLSX, validated and stored, then every ledger rule; and a
1,000,000-row ledger: its import, the process's peak memory, and the cross-check page over it.

Run: .venv/bin/python bench/ledger_import.py [rows] [--skip-1m]   (medians of 3 alternating runs)
import_s = materials.import_material (read with python-calamine, every cell validated, rows and the original
file stored, committed) on PostgreSQL; rules_s = crosscheck.run_rules (built-in cross-checks and all ledger
rules, flags stored); speedup_vs_openpyxl = time of a plain pandas.read_excel(engine="openpyxl") of the same
file / import_s.
import_1m_s = the same import of a 1,000,000-row ledger (the file passes every bound of evalplatform.bounds
first, rows stream in chunks); peak_rss_mb = the process's resident-memory high-water mark during that import
(VmHWM, reset just before); crosscheck_page_ms = median time of GET /engagements/<id>/crosscheck over it
(totals summed and flags paged in the database). Goals: < 30 s, < 1,000 MB, < 1,000 ms.
"""

from __future__ import annotations

import gc
import json
import random
import shutil
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
from _support import private_postgres  # noqa: I001 - first: puts the project on sys.path
from _ledger_million import import_ledger
from openpyxl import Workbook
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from evalplatform.crosscheck import service as crosscheck
from evalplatform.crosscheck.models import LedgerFlag
from evalplatform.materials.models import LedgerEntry
from tests import factories

ARGS = [a for a in sys.argv[1:] if not a.startswith("--")]
ROWS = int(ARGS[0]) if ARGS else 100_000
MILLION = 1_000_000
RUNS = 3
PAYEES = [f"江州第{n}建设工程有限公司" for n in range(1, 60)] + ["江州市财政局", "青石镇人民政府"]


def make_ledger(path: Path, rows: int) -> None:
    """A unit's ledger as typed: mostly date cells and numbers, some text dates and separators, a few irregular rows."""
    rng = random.Random(2025)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("资金台账")
    sheet.append(["2025年项目资金台账"])
    sheet.append(["序号", "记账日期", "凭证字号", "业务类型", "摘要", "收款单位", "金额（元）", "合同签订日期"])
    start = date(2025, 1, 1)
    for n in range(1, rows + 1):
        day = start + timedelta(days=rng.randrange(365))
        kind = "资金到位" if n % 50 == 0 else rng.choice(["支出", "支出", "支出", "拨付"])
        amount = round(rng.uniform(500, 400_000), 2)
        voucher = f"记-{n:06d}" if n % 20_000 else f"记-{n - 1:06d}"  # a few duplicates
        contract = day - timedelta(days=rng.randrange(1, 200)) if kind == "支出" else None
        cells = [n, day, voucher, kind, f"工程款第{n}笔", rng.choice(PAYEES), amount, contract]
        if n % 7 == 0:
            cells[1] = day.strftime("%Y/%m/%d")  # dates typed as text
        if n % 11 == 0:
            cells[6] = f"{amount:,.2f}"  # thousands separators
        sheet.append(cells)
    workbook.save(path)


def run(path: Path, database_url: str) -> dict:
    """One import into a fresh engagement, then the rules."""
    engine = create_engine(database_url)
    storage = tempfile.mkdtemp()
    with Session(engine) as session:
        world = factories.World(session)
        start = time.perf_counter()
        material = import_ledger(session, storage, world, path)
        import_s = time.perf_counter() - start
        start = time.perf_counter()
        crosscheck.run_rules(session, world.engagement, world.evaluator, factories.NOW)
        session.commit()
        rules_s = time.perf_counter() - start
        stored = session.scalar(select(func.count(LedgerEntry.id)).where(LedgerEntry.import_id == material.id))
        flags = session.scalar(select(func.count(LedgerFlag.id)).where(LedgerFlag.engagement_id == world.engagement.id))
        assert material.row_count == stored == ROWS
    engine.dispose()
    shutil.rmtree(storage, ignore_errors=True)
    return {"import_s": import_s, "rules_s": rules_s, "stored": stored, "flags": flags}


def main() -> None:
    figures = hundred_thousand()
    if "--skip-1m" not in sys.argv:
        figures.update(million())
    print(json.dumps(figures))


def hundred_thousand() -> dict:
    workdir = Path(tempfile.mkdtemp())
    path = workdir / "ledger.xlsx"
    make_ledger(path, ROWS)
    openpyxl_runs, runs = [], []
    with private_postgres() as url:
        for _ in range(RUNS):  # alternated, so a burst of other work moves one pair, not one side
            start = time.perf_counter()
            frame = pd.read_excel(path, engine="openpyxl", header=1)
            openpyxl_runs.append(time.perf_counter() - start)
            assert len(frame) == ROWS
            del frame
            gc.collect()  # start each import from the same clean heap, not with openpyxl's leftovers
            runs.append(run(path, url))
    openpyxl_s = statistics.median(openpyxl_runs)
    figures = {key: statistics.median(r[key] for r in runs) for key in ("import_s", "rules_s")}
    figures.update(stored=runs[-1]["stored"], flags=runs[-1]["flags"])
    shutil.rmtree(workdir, ignore_errors=True)
    speedup = openpyxl_s / figures["import_s"]
    print(f"{ROWS:,} ledger rows, PostgreSQL")
    print(f"{'figure':<44}{'value':>12}")
    for label, value in [
        ("our import: read, validate, store, commit (s)", figures["import_s"]),
        ("all rules incl. ledger flags stored (s)", figures["rules_s"]),
        ("pandas.read_excel(engine=openpyxl) (s)", openpyxl_s),
        ("speedup vs openpyxl", speedup),
        ("ledger rows stored", figures["stored"]),
        ("ledger flags raised", figures["flags"]),
    ]:
        print(f"{label:<44}{value:>12.3f}")
    return {
        "import_s": round(figures["import_s"], 2),
        "rules_s": round(figures["rules_s"], 2),
        "speedup_vs_openpyxl": round(speedup, 2),
        "openpyxl_s": round(openpyxl_s, 2),
        "rows": ROWS,
        "flags": figures["flags"],
    }


def million() -> dict:
    from _ledger_million import crosscheck_page_ms, import_with_peak, write_ledger

    workdir = Path(tempfile.mkdtemp())
    path = workdir / "ledger-1m.xlsx"
    write_ledger(path, MILLION)
    with private_postgres() as url:
        import_s, peak_mb, engagement_id, username = import_with_peak(path, url, MILLION)
        page_ms = crosscheck_page_ms(url, engagement_id, username)
    shutil.rmtree(workdir, ignore_errors=True)
    print(f"{MILLION:,} ledger rows, PostgreSQL")
    for label, value in [
        ("import, 1,000,000 rows (s)", import_s),
        ("peak RSS during the import (MB)", peak_mb),
        ("cross-check page over them (ms)", page_ms),
    ]:
        print(f"{label:<44}{value:>12.1f}")
    return {"import_1m_s": round(import_s, 2), "peak_rss_mb": round(peak_mb), "crosscheck_page_ms": round(page_ms)}


if __name__ == "__main__":
    main()
