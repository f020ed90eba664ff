"""Evidence uploads: 200 photos of 3 MB through gunicorn + PostgreSQL, and the store's cost vs a plain copy.

Run: .venv/bin/python bench/upload.py
overhead_vs_copy = (median time of BlobStore.put − median time of shutil.copyfile) / copyfile time,
for the same bytes just received into the store's incoming/ directory, as uploads are (the upload spool
hashes them as they arrive). receive_and_store_vs_copy counts the receiving too: (spool receive + put −
plain-file receive − copy) / (plain-file receive + copy), so the hashing moved into receiving is not hidden.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import statistics
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from _support import csrf_from, gunicorn, logged_in_session, private_postgres
from PIL import Image
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from evalplatform.evidence.models import Evidence
from evalplatform.evidence.store import BlobStore, IncomingSpool
from tests import factories

PHOTOS, PHOTO_BYTES, CLIENTS = 200, 3 * 1024 * 1024, 4


def make_photos() -> list[bytes]:
    """One noisy ~3 MB JPEG, made distinct 200 times by a comment segment (still a valid JPEG)."""
    side = 1740
    noise = Image.frombytes("RGB", (side, side), os.urandom(side * side * 3))
    buffer = io.BytesIO()
    noise.save(buffer, "JPEG", quality=93)
    base = buffer.getvalue()
    pad = max(0, PHOTO_BYTES - len(base))
    photos = []
    for n in range(PHOTOS):
        comment = f"photo {n:04d} ".encode() + b" " * min(pad, 60000)
        photos.append(base[:2] + b"\xff\xfe" + (len(comment) + 2).to_bytes(2, "big") + comment + base[2:])
    return photos


def http_upload(photos, database_url) -> dict:
    storage = tempfile.mkdtemp()
    engine = create_engine(database_url)
    with Session(engine) as session:
        world = factories.World(session)
        engagement_id, username = world.engagement.id, world.evaluator.username
    with gunicorn(database_url, storage, workers=4) as (base, _process):
        sessions = [logged_in_session(base, username, factories.PASSWORD) for _ in range(CLIENTS)]
        url = f"{base}/engagements/{engagement_id}/evidence"
        tokens = [csrf_from(http, url) for http in sessions]

        def send(n):
            http, token = sessions[n % CLIENTS], tokens[n % CLIENTS]
            start = time.perf_counter()
            response = http.post(
                url,
                data={"csrf_token": token},
                headers={"Accept": "application/json"},
                files={"files": (f"现场照片{n}.jpg", photos[n], "image/jpeg")},
            )
            assert response.status_code == 200, response.text[:300]
            return time.perf_counter() - start

        start = time.perf_counter()
        with ThreadPoolExecutor(CLIENTS) as pool:
            latencies = list(pool.map(send, range(PHOTOS)))
        wall = time.perf_counter() - start
    with Session(engine) as session:
        stored = session.scalar(select(func.count(Evidence.id)))
    engine.dispose()
    shutil.rmtree(storage, ignore_errors=True)
    megabytes = sum(len(p) for p in photos) / 2**20
    return {
        "mb_per_s": megabytes / wall,
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": sorted(latencies)[int(len(latencies) * 0.99) - 1] * 1000,
        "stored": stored,
        "wall_s": wall,
    }


RECEIVE_CHUNK = 64 * 1024  # about what the multipart parser hands over at a time


def receive(spool, photo: bytes) -> float:
    start = time.perf_counter()
    for offset in range(0, len(photo), RECEIVE_CHUNK):
        spool.write(photo[offset : offset + RECEIVE_CHUNK])
    spool.flush()
    return time.perf_counter() - start


def store_vs_copy(photos) -> dict:
    """Per photo, as an upload arrives: received into incoming/ (a plain temporary file, or the IncomingSpool
    that hashes and starts the write-back as bytes arrive), then copied (shutil.copyfile) or stored
    (BlobStore.put: fsync and hard link; re-hashing only when the spool could not)."""
    root = Path(tempfile.mkdtemp())
    store, incoming, copies = BlobStore(root), root / "incoming", root / "copies"
    incoming.mkdir()
    copies.mkdir()
    times = {"plain_receive": [], "spool_receive": [], "copy": [], "store": []}
    for n, photo in enumerate(photos):
        with tempfile.NamedTemporaryFile(dir=incoming) as plain:
            times["plain_receive"].append(receive(plain, photo))
            start = time.perf_counter()
            shutil.copyfile(plain.name, copies / f"{n}.jpg")
            times["copy"].append(time.perf_counter() - start)
        with IncomingSpool(incoming) as spool:
            times["spool_receive"].append(receive(spool, photo))
            start = time.perf_counter()
            store.put(spool, 10 * PHOTO_BYTES)
            times["store"].append(time.perf_counter() - start)
    shutil.rmtree(root, ignore_errors=True)
    ms = {key: statistics.median(values) * 1000 for key, values in times.items()}
    return {
        "copy_ms": ms["copy"],
        "store_ms": ms["store"],
        "overhead_vs_copy": (ms["store"] - ms["copy"]) / ms["copy"],
        "plain_receive_ms": ms["plain_receive"],
        "spool_receive_ms": ms["spool_receive"],
        "receive_and_store_vs_copy": ((ms["spool_receive"] + ms["store"]) - (ms["plain_receive"] + ms["copy"]))
        / (ms["plain_receive"] + ms["copy"]),
    }


def main() -> None:
    photos = make_photos()
    with private_postgres() as url:
        http = http_upload(photos, url)
    local = store_vs_copy(photos)
    print(f"{PHOTOS} photos × {len(photos[0]) / 2**20:.2f} MB, {CLIENTS} concurrent clients, gunicorn -w 4, PostgreSQL")
    print(f"{'figure':<38}{'value':>12}")
    for label, value in [
        ("throughput (MB/s)", http["mb_per_s"]),
        ("request p50 (ms)", http["p50_ms"]),
        ("request p99 (ms)", http["p99_ms"]),
        ("evidence rows stored", http["stored"]),
        ("receive into a plain file, p50 (ms)", local["plain_receive_ms"]),
        ("receive into IncomingSpool, p50 (ms)", local["spool_receive_ms"]),
        ("plain copy per photo, p50 (ms)", local["copy_ms"]),
        ("BlobStore.put per photo, p50 (ms)", local["store_ms"]),
        ("overhead vs copy", local["overhead_vs_copy"]),
        ("receive + store vs receive + copy", local["receive_and_store_vs_copy"]),
    ]:
        print(f"{label:<38}{value:>12.3f}")
    print(
        json.dumps(
            {
                "mb_per_s": round(http["mb_per_s"], 1),
                "overhead_vs_copy": round(local["overhead_vs_copy"], 3),
                "receive_and_store_vs_copy": round(local["receive_and_store_vs_copy"], 3),
                "p50_ms": round(http["p50_ms"], 1),
                "p99_ms": round(http["p99_ms"], 1),
                "stored": http["stored"],
                "photos": PHOTOS,
            }
        )
    )


if __name__ == "__main__":
    main()
