"""Every hostile file is refused early — in seconds, with little memory, naming the limit in Chinese — and
nothing is stored: not a draft, not an import, not evidence, not a byte in the store."""

import resource
import time
from io import BytesIO
from pathlib import Path

import pytest
from sqlalchemy import func, select

from evalplatform import bounds
from evalplatform.evidence.models import Evidence, EvidenceBlob
from evalplatform.materials.models import ImportDraft, MaterialImport
from tests import factories
from tests.conftest import login, post_form
from tests.reliability import hostile_files as hostile

SECONDS, MEGABYTES = 5, 300


@pytest.fixture
def world(session, client):
    world = factories.World(session)
    login(client, world.evaluator.username)
    return world


def _rss_mb() -> float:
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS")) / 1024


def _peak_mb() -> float:
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM")) / 1024


def measured(call):
    """(result, seconds, peak memory growth in MB): the RSS high-water mark is reset first, so Python's, Rust's
    (python-calamine) and C's (zlib, Pillow) allocations all count. (tracemalloc would see Python's only, and
    slow the call it measures.)"""
    Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM to the current RSS
    before = _rss_mb()
    start = time.perf_counter()
    result = call()
    return result, time.perf_counter() - start, _peak_mb() - before


def nothing_stored(session, app):
    for model in (Evidence, EvidenceBlob, MaterialImport, ImportDraft):
        assert session.scalar(select(func.count()).select_from(model)) == 0, model.__name__
    blobs = Path(app.config["STORAGE_DIR"]) / "blobs"
    assert not blobs.exists() or not any(p.is_file() for p in blobs.rglob("*"))
    incoming = Path(app.config["STORAGE_DIR"]) / "incoming"
    assert not incoming.exists() or not any(incoming.iterdir())


def upload_material(client, world, data: bytes, name: str, kind: str = "ledger"):
    page = f"/engagements/{world.engagement.id}/materials"
    return post_form(
        client,
        page,
        {"kind": kind, "layout_id": "0", "file": (BytesIO(data), name)},
        page=page,
        content_type="multipart/form-data",
    )


def upload_evidence(client, world, data: bytes, name: str):
    page = f"/engagements/{world.engagement.id}/evidence"
    return post_form(
        client,
        page,
        {"files": [(BytesIO(data), name)]},
        page=page,
        content_type="multipart/form-data",
        headers={"Accept": "application/json"},
    )


HOSTILE = [  # (sent as, file name, build, what the refusal says)
    ("material", "zip-bomb.xlsx", lambda: hostile.xlsx_cell_bomb(470), "压缩比"),
    ("material", "rows.xlsx", hostile.xlsx_max_rows, "行数为 1,048,576 行，上限为 1,040,000 行"),
    ("material", "columns.xlsx", hostile.xlsx_max_columns, "列数为 1,025 列，上限为 1,024 列"),
    ("material", "lying.xlsx", hostile.xlsx_lying_directory, "实际内容与目录不符"),
    ("evidence", "zip-bomb.xlsx", lambda: hostile.xlsx_cell_bomb(470), "压缩比"),
    ("evidence", "bomb.docx", hostile.docx_bomb, "压缩比"),
    ("evidence", "entries.docx", hostile.docx_many_entries, "压缩包内文件数为 20,002 个，上限为 10,000 个"),
    (
        "evidence",
        "photo-40mp.png",
        lambda: hostile.png(8000, 5000),
        "图片为 8000×5000 像素（40,000,000），上限为 32,000,000 像素",
    ),
    ("evidence", "corrupt.png", hostile.corrupt_png, "图片文件已损坏或不完整"),
    ("evidence", "truncated.png", hostile.truncated_png, "图片文件已损坏或不完整"),
]


def refusal(response, via: str) -> tuple[str, str]:
    """(the file named, the message) of a refused upload, from the page or the JSON reply."""
    if via == "evidence":
        return response.json["refused"][0]["filename"], response.json["refused"][0]["error"]
    html = response.get_data(as_text=True)
    return html, html


@pytest.mark.parametrize("via, name, build, message", HOSTILE, ids=[f"{h[0]}-{h[1]}" for h in HOSTILE])
def test_a_hostile_file_is_refused_early_naming_it_and_the_limit_and_nothing_is_stored(
    client, session, app, world, via, name, build, message
):
    data = build()
    send = upload_material if via == "material" else upload_evidence
    response, seconds, megabytes = measured(lambda: send(client, world, data, name))
    assert response.status_code == 422
    named, said = refusal(response, via)
    assert name in named and message in said, said[:300]
    assert seconds < SECONDS and megabytes < MEGABYTES, (seconds, megabytes)
    nothing_stored(session, app)


def test_every_limit_is_configurable_and_named_in_the_refusal(monkeypatch):
    monkeypatch.setenv("EVALPLATFORM_MAX_IMAGE_PIXELS", "1000")
    monkeypatch.setenv("EVALPLATFORM_MAX_UNPACKED_MB", "5")
    limits = bounds.from_environment()
    assert (limits.max_pixels, limits.max_unpacked_bytes) == (1000, 5 * 2**20)
    with pytest.raises(bounds.LimitExceeded, match="EVALPLATFORM_MAX_IMAGE_PIXELS") as refused:
        bounds.check_pixels(40, 30, limits)
    assert refused.value.limit == "max_pixels"
    assert bounds.limits_from({"FILE_LIMITS": {"max_rows": 10}}).max_rows == 10


def test_a_long_cell_and_a_csv_over_the_limits_are_refused(tmp_path):
    from evalplatform.materials.reading import read_csv

    path = tmp_path / "long.csv"
    path.write_text("序号,摘要\n1," + "长" * 40_000 + "\n", encoding="utf-8")
    with pytest.raises(bounds.LimitExceeded, match="单元格内容长度为 40,000 个字符，上限为 32,767 个字符"):
        read_csv(path)
    path.write_text("a\n" * 20, encoding="utf-8")
    with pytest.raises(bounds.LimitExceeded, match="行数为 20 行，上限为 10 行"):
        read_csv(path, limits=bounds.Limits(max_rows=10))


def test_the_peak_memory_figure_is_the_real_one():
    """The measurement itself: a 100 MB allocation shows as about 100 MB."""
    _result, _seconds, megabytes = measured(lambda: bytearray(100 * 2**20))
    assert 90 < megabytes < 200
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss > 0
