import hashlib
import io
import os

import pytest

from evalplatform.evidence.store import BlobStore, BlobTooLarge, IncomingSpool


def test_identical_bytes_are_stored_once_and_never_rewritten(tmp_path):
    store = BlobStore(tmp_path)
    first = store.put(io.BytesIO(b"same bytes"), 1000)
    second = store.put(io.BytesIO(b"same bytes"), 1000)
    assert first.sha256 == second.sha256
    assert (first.created, second.created) == (True, False)
    assert store.path_for(first.sha256).read_bytes() == b"same bytes"
    assert list((tmp_path / "incoming").iterdir()) == []


def test_a_stored_blob_is_read_only_on_disk(tmp_path):
    blob = BlobStore(tmp_path).put(io.BytesIO(b"x"), 10)
    assert blob.path.stat().st_mode & 0o222 == 0


def test_too_large_and_refused_bytes_leave_nothing_behind(tmp_path):
    store = BlobStore(tmp_path)
    with pytest.raises(BlobTooLarge):
        store.put(io.BytesIO(b"x" * 11), 10)

    def refuse(head, path):
        raise ValueError("no")

    with pytest.raises(ValueError):
        store.put(io.BytesIO(b"bad"), 10, check=refuse)
    assert not (tmp_path / "blobs").exists()
    assert list((tmp_path / "incoming").iterdir()) == []


@pytest.mark.parametrize("digest", ["../../etc/passwd", "a" * 63, "G" * 64, ""])
def test_only_hex_digests_name_a_path(tmp_path, digest):
    with pytest.raises(ValueError):
        BlobStore(tmp_path).path_for(digest)


def spooled(store, chunks):
    incoming = store.root / "incoming"
    incoming.mkdir(parents=True, exist_ok=True)
    spool = IncomingSpool(incoming)
    for chunk in chunks:
        spool.write(chunk)
    return spool


def test_an_upload_spool_is_hashed_as_it_arrives_and_not_read_again(tmp_path, monkeypatch):
    store = BlobStore(tmp_path)
    chunks = [os.urandom(700_000) for _ in range(4)]  # past the write-behind step
    spool = spooled(store, chunks)
    assert spool.sha256() == hashlib.sha256(b"".join(chunks)).hexdigest()

    def no_second_read(*args, **kwargs):
        raise AssertionError("the spool's bytes were hashed again")

    monkeypatch.setattr(hashlib, "file_digest", no_second_read)
    blob = store.put(spool, 10**7)
    assert blob.sha256 == spool.sha256() and blob.path.read_bytes() == b"".join(chunks)


def test_a_spool_written_out_of_order_is_hashed_from_its_bytes(tmp_path):
    store = BlobStore(tmp_path)
    spool = spooled(store, [b"first version of the bytes"])
    spool.seek(0)
    spool.write(b"FIRST")  # not an append: the running digest cannot be trusted any more
    assert spool.sha256() is None
    blob = store.put(spool, 100)
    assert blob.sha256 == hashlib.sha256(b"FIRST version of the bytes").hexdigest()
    assert blob.path.read_bytes() == b"FIRST version of the bytes"
