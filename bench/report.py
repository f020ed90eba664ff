"""Key-evaluation report rendered end to end from the database: the demo engagement (scores, findings,
cross-checks, inspection, questionnaire analysis with charts) plus 20 site photos, first with 100 survey
responses and then with 100,000.

Run: .venv/bin/python bench/report.py   (needs PostgreSQL; EVALPLATFORM_BENCH_POSTGRES_URL, see _support.py)

Timed, median of 3 runs after one warm-up: `render_s` = the readiness checklist (what issuing runs first) +
assemble (all queries, the survey analysis) + HTML + WeasyPrint layout + PDF write + the Excel annex, for the
report with 100 responses; `render_100k_s` the same with 100,000;
`ratio_100k_vs_100` their ratio (target ≤ 1.5). Extra responses are copies of the demo's simulated answers
made in SQL (new UUIDs, spread over the distributions), so they look like real ones to the analysis.
"""

from __future__ import annotations

import io
import json
import statistics
import sys
import tempfile
import time
from datetime import datetime, timezone

from _support import ROOT, private_postgres  # noqa: F401  (ROOT puts the project on sys.path)

import numpy as np
from PIL import Image, ImageDraw
from sqlalchemy import create_engine, select, text
from sqlalchemy.orm import Session

from evalplatform.demo import load_demo
from evalplatform.engagements.models import Engagement
from evalplatform.evidence.service import store_upload
from evalplatform.evidence.store import BlobStore
from evalplatform.reporting import readiness, service
from evalplatform.reporting.assembly import assemble, content_sha256
from evalplatform.reporting.render import report_pdf, report_xlsx

RUNS, PHOTOS = 3, 20


def photo(seed: int) -> io.BytesIO:
    """A 1600×1200 site photo with texture, so it compresses like a real one (~0.5 MB)."""
    rng = np.random.default_rng(seed)
    base = rng.integers(60, 200, (1200 // 8, 1600 // 8, 3), dtype=np.uint8)
    image = Image.fromarray(base).resize((1600, 1200), Image.BILINEAR)
    draw = ImageDraw.Draw(image)
    draw.polygon([(0, 1200), (700, 500), (900, 500), (1600, 1200)], fill=(50, 50, 55))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    buffer.seek(0)
    return buffer


def prepare(url: str, storage: str) -> int:
    engine = create_engine(url)
    with Session(engine, expire_on_commit=False) as session:
        load_demo(session, storage, portfolio=False)
        road = session.scalar(select(Engagement).where(Engagement.title.like("%农村公路%")))
        store = BlobStore(storage)
        for n in range(PHOTOS):
            store_upload(
                session,
                store,
                road,
                road.team[0].user,
                datetime.now(timezone.utc),
                stream=photo(n),
                filename=f"现场照片{n + 1:02d}.jpg",
                max_bytes=10 * 2**20,
                description=f"现场照片 {n + 1}",
                tags=["现场照片"],
            )
        report = service.start_report(session, road, road.team[0].user, datetime.now(timezone.utc))
        for key, body in {
            "experience": "建立了“路长制”管护机制。" * 20,
            "problems": "部分路段未按期完工。" * 30,
            "suggestions": "落实长效管护资金。" * 20,
        }.items():
            service.save_section(session, report, key, body, road.team[0].user, datetime.now(timezone.utc))
        session.commit()
        engagement_id = road.id
    engine.dispose()
    return engagement_id


def set_responses(url: str, engagement_id: int, n: int) -> int:
    """Keep the first 100 demo responses, then add copies until there are n."""
    engine = create_engine(url)
    with engine.begin() as c:
        instrument = c.execute(
            text("SELECT id FROM instrument WHERE engagement_id = :e"), {"e": engagement_id}
        ).scalar()
        c.execute(
            text(
                "DELETE FROM response WHERE instrument_id = :i AND id NOT IN "
                "(SELECT id FROM response WHERE instrument_id = :i ORDER BY id LIMIT 100)"
            ),
            {"i": instrument},
        )
        c.execute(
            text("""
            INSERT INTO response (instrument_id, distribution_id, version_id, client_uuid, answers, payload_sha256,
                                  duration_s, submitted_at, quality_flags, invalid_reason, content_mac, answers_flat)
            SELECT r.instrument_id, r.distribution_id, r.version_id, gen_random_uuid(), r.answers, r.payload_sha256,
                   r.duration_s, r.submitted_at + (g * interval '1 second'), r.quality_flags, r.invalid_reason,
                   r.content_mac, r.answers_flat
            FROM generate_series(1, :copies) AS g
            CROSS JOIN (SELECT * FROM response WHERE instrument_id = :i ORDER BY id LIMIT 100) AS r"""),
            {"i": instrument, "copies": max(0, (n - 100) // 100)},
        )
        count = c.execute(text("SELECT count(*) FROM response WHERE instrument_id = :i"), {"i": instrument}).scalar()
    engine.dispose()
    return count


def render_once(url: str, storage: str, engagement_id: int) -> tuple[float, int, float]:
    engine = create_engine(url)
    with Session(engine) as session:
        start = time.perf_counter()
        report = service.report_for(session, session.get(Engagement, engagement_id))
        readiness.problems(session, report)
        content = assemble(
            session, report, BlobStore(storage), firm_name="华信会计师事务所", now=datetime.now(timezone.utc)
        )
        assembled = time.perf_counter()
        pdf, pages = report_pdf(content, storage, draft=True, version=None, content_sha256=content_sha256(content))
        report_xlsx(content)
        total = time.perf_counter() - start
    engine.dispose()
    assert pdf.startswith(b"%PDF")
    return total, pages, assembled - start


def measure(url: str, storage: str, engagement_id: int) -> tuple[float, int, float]:
    render_once(url, storage, engagement_id)  # warm-up: fonts, templates, caches
    runs = [render_once(url, storage, engagement_id) for _ in range(RUNS)]
    return statistics.median(r[0] for r in runs), runs[0][1], statistics.median(r[2] for r in runs)


def main() -> None:
    storage = tempfile.mkdtemp(prefix="bench-report-")
    figures = {}
    print(f"{'responses':>10} {'pages':>6} {'assemble s':>11} {'render s':>9}")
    with private_postgres() as url:
        engagement_id = prepare(url, storage)
        for n, key in [(100, "render_s"), (100_000, "render_100k_s")]:
            count = set_responses(url, engagement_id, n)
            seconds, pages, assemble_s = measure(url, storage, engagement_id)
            figures[key], figures[f"pages_{n}"] = round(seconds, 2), pages
            figures[f"assemble_{n}_s"] = round(assemble_s, 2)
            print(f"{count:>10,} {pages:>6} {assemble_s:>11.2f} {seconds:>9.2f}", flush=True)
    figures["ratio_100k_vs_100"] = round(figures["render_100k_s"] / figures["render_s"], 2)
    figures["photos"] = PHOTOS
    print(json.dumps(figures))


if __name__ == "__main__":
    sys.exit(main())
