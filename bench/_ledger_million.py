"""The 1,000,000-row part of bench/ledger_import.py: a ledger XLSX written straight as XML (openpyxl takes
100 s for it), its import with the peak resident memory, and the cross-check page over it."""

from __future__ import annotations

import random
import statistics
import tempfile
import time
import zipfile
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from evalplatform.evidence.store import BlobStore
from evalplatform.materials import service as materials
from tests import factories

PAYEES = [f"江州第{n}建设工程有限公司" for n in range(1, 60)] + ["江州市财政局", "青石镇人民政府"]
_EPOCH = date(1899, 12, 30)
_TYPES = (
    b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
    b'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    b'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/'
    b'workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    b'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-'
    b'officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/styles.xml" ContentType="'
    b'application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>'
)
_ROOT_RELS = (
    b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship '
    b'Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    b'Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK = (
    b'<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.'
    b'openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="\xe8\xb5\x84\xe9\x87\x91'
    b'\xe5\x8f\xb0\xe8\xb4\xa6" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_RELS = (
    b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship '
    b'Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    b'Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/'
    b'officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>'
)
_STYLES = (
    b'<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><fonts count="1"><font/>'
    b'</fonts><fills count="1"><fill/></fills><borders count="1"><border/></borders><cellStyleXfs count="1">'
    b'<xf/></cellStyleXfs><cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="14" applyNumberFormat="1"/>'
    b"</cellXfs></styleSheet>"
)


def _text(ref: str, value: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{value}</t></is></c>'


def _row(n: int, rng: random.Random) -> str:
    r = n + 2
    day = date(2025, 1, 1) + timedelta(days=rng.randrange(365))
    kind = "资金到位" if n % 50 == 0 else rng.choice(["支出", "支出", "支出", "拨付"])
    amount = round(rng.uniform(500, 400_000), 2)
    voucher = f"记-{n:07d}" if n % 20_000 else f"记-{n - 1:07d}"  # a few duplicates
    cells = [
        f'<c r="A{r}"><v>{n}</v></c>',
        f'<c r="B{r}" s="1"><v>{(day - _EPOCH).days}</v></c>',
        _text(f"C{r}", voucher),
        _text(f"D{r}", kind),
        _text(f"E{r}", f"工程款第{n}笔"),
        _text(f"F{r}", rng.choice(PAYEES)),
        f'<c r="G{r}"><v>{amount}</v></c>',
    ]
    if kind == "支出":
        contract = day - timedelta(days=rng.randrange(1, 200))
        cells.append(f'<c r="H{r}" s="1"><v>{(contract - _EPOCH).days}</v></c>')
    return f'<row r="{r}">{"".join(cells)}</row>'


def write_ledger(path: Path, rows: int) -> None:
    """The same ledger as bench/ledger_import.make_ledger, as Excel would save it (date cells, numbers)."""
    rng = random.Random(2025)
    header = "".join(
        _text(f"{chr(65 + i)}2", h)
        for i, h in enumerate(
            ["序号", "记账日期", "凭证字号", "业务类型", "摘要", "收款单位", "金额（元）", "合同签订日期"]
        )
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for name, data in (
            ("[Content_Types].xml", _TYPES),
            ("_rels/.rels", _ROOT_RELS),
            ("xl/workbook.xml", _WORKBOOK),
            ("xl/_rels/workbook.xml.rels", _RELS),
            ("xl/styles.xml", _STYLES),
        ):
            archive.writestr(name, data)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as out:
            out.write(b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
            out.write(f'<row r="1">{_text("A1", "2025年项目资金台账")}</row><row r="2">{header}</row>'.encode())
            for start in range(1, rows + 1, 10_000):
                out.write("".join(_row(n, rng) for n in range(start, min(start + 10_000, rows + 1))).encode())
            out.write(b"</sheetData></worksheet>")


def _status_mb(key: str) -> float:
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith(key)) / 1024


def import_ledger(session: Session, storage: str, world, path: Path):
    """One committed ledger import into the world's engagement (both parts of the bench)."""
    with path.open("rb") as stream:
        material = materials.import_material(
            session,
            BlobStore(storage),
            world.engagement,
            world.evaluator,
            factories.NOW,
            kind="ledger",
            stream=stream,
            filename="资金台账.xlsx",
            max_bytes=2**30,
        )
    session.commit()
    return material


def import_with_peak(path: Path, database_url: str, rows: int) -> tuple[float, float, int, str]:
    """(seconds, peak RSS in MB, engagement id, evaluator's username) of one committed import."""
    engine = create_engine(database_url)
    with Session(engine) as session:
        world = factories.World(session)
        Path("/proc/self/clear_refs").write_text("5")  # the high-water mark starts from here
        start = time.perf_counter()
        material = import_ledger(session, tempfile.mkdtemp(), world, path)
        seconds = time.perf_counter() - start
        peak = _status_mb("VmHWM")
        assert material.row_count == rows, material.row_count
        result = (seconds, peak, world.engagement.id, world.evaluator.username)
    engine.dispose()
    return result


def crosscheck_page_ms(database_url: str, engagement_id: int, username: str, runs: int = 5) -> float:
    from evalplatform import create_app

    app = create_app(
        {
            "DATABASE_URL": database_url,
            "STORAGE_DIR": tempfile.mkdtemp(),
            "SECRET_KEY": "bench",
            "WTF_CSRF_ENABLED": False,
            "TESTING": True,
        }
    )
    client = app.test_client()
    response = client.post("/login", data={"username": username, "password": factories.PASSWORD})
    assert response.status_code == 302, response.status_code
    url = f"/engagements/{engagement_id}/crosscheck"
    timings = []
    for _ in range(runs + 1):  # the first request warms the app and the database's caches
        start = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200 and "资金到位" in response.get_data(as_text=True)
    return statistics.median(timings[1:])
