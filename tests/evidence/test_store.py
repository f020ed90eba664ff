import io

import pytest

from evalplatform.evidence.store import BlobStore, BlobTooLarge


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
