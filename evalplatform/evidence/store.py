"""Content-addressed, write-once blob store: bytes live under STORAGE_DIR/blobs/ab/cd/<sha256>.

Bytes are hashed while they stream to a temporary file in the same directory tree, fsynced, then
linked into place only if no blob with that hash exists yet — an existing blob is never rewritten.
"""

from __future__ import annotations

import contextlib
import ctypes
import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Iterator

CHUNK = 1024 * 1024
WRITE_BEHIND = 1024 * 1024
SYNC_FILE_RANGE_WRITE = 2


def _libc_sync_file_range():
    try:
        function = ctypes.CDLL(None, use_errno=True).sync_file_range
    except (OSError, AttributeError):  # not Linux: the final fsync simply does all the work
        return None
    function.argtypes = [ctypes.c_int, ctypes.c_longlong, ctypes.c_longlong, ctypes.c_uint]
    return function


_sync_file_range = _libc_sync_file_range()


class IncomingSpool:
    """An upload being received into STORAGE_DIR/incoming (web.UploadRequest). Its SHA-256 is computed as the
    bytes arrive, and Linux is asked to start writing each megabyte to disk as soon as it is in, so that
    storing it (BlobStore._adopt) reads nothing again and its fsync has almost nothing left to flush."""

    def __init__(self, directory: Path):
        self._file = tempfile.NamedTemporaryFile(dir=directory, prefix="upload-")
        self._hash, self.size, self._in_one_pass, self._written_back = hashlib.sha256(), 0, True, 0

    def write(self, data) -> int:
        if self._file.tell() != self.size:  # a write anywhere but at the end: the running hash no longer holds
            self._in_one_pass = False
        written = self._file.write(data)
        self._hash.update(data)
        self.size += written
        if _sync_file_range is not None and self.size - self._written_back >= WRITE_BEHIND:
            self._file.flush()
            _sync_file_range(
                self._file.fileno(), self._written_back, self.size - self._written_back, SYNC_FILE_RANGE_WRITE
            )
            self._written_back = self.size
        return written

    def sha256(self) -> str | None:
        """The digest of the file's bytes, if they were written front to back in one pass; else None."""
        return self._hash.hexdigest() if self._in_one_pass else None

    def __getattr__(self, name):  # read, seek, tell, flush, fileno, name, close … as the file has them
        return getattr(self._file, name)

    def __iter__(self):
        return iter(self._file)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._file.close()


class BlobTooLarge(Exception):
    def __init__(self, limit: int):
        super().__init__(limit)
        self.limit = limit


class StorageFull(Exception):
    """The disk or quota under STORAGE_DIR refused the write."""


@dataclass(frozen=True)
class StoredBlob:
    sha256: str
    size: int
    head: bytes  # the first bytes, for content sniffing
    path: Path
    created: bool  # False when identical bytes were stored before


class BlobStore:
    def __init__(self, root: str | Path):
        self.root = Path(root)

    def path_for(self, sha256: str) -> Path:
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise ValueError("not a SHA-256 hex digest")
        return self.root / "blobs" / sha256[:2] / sha256[2:4] / sha256

    def put(self, stream: BinaryIO, max_bytes: int, check=None) -> StoredBlob:
        """Store the stream's bytes; `check(head, tmp_path)` may raise to refuse them before they
        are published, so refused bytes never enter the store."""
        name = getattr(stream, "name", None)
        if isinstance(name, str) and Path(name).parent == self.root / "incoming":
            return self._adopt(stream, Path(name), max_bytes, check)
        incoming = self.root / "incoming"
        incoming.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(dir=incoming)
        try:
            digest, size, head = self._copy_hashing(stream, fd, max_bytes)
        except OSError as error:
            os.unlink(tmp_name)
            raise StorageFull(str(error)) from error
        except BaseException:
            os.unlink(tmp_name)
            raise
        if check is not None:
            try:
                check(head, Path(tmp_name))
            except BaseException:
                os.unlink(tmp_name)
                raise
        final = self.path_for(digest)
        created = self._publish(Path(tmp_name), final)
        return StoredBlob(sha256=digest, size=size, head=head, path=final, created=created)

    def _adopt(self, stream: BinaryIO, path: Path, max_bytes: int, check) -> StoredBlob:
        """An upload already spooled into incoming/ (see web.UploadRequest): hash it where it lies
        and hard-link it into place — the bytes are written once, never copied."""
        size = os.fstat(stream.fileno()).st_size
        if size > max_bytes:
            raise BlobTooLarge(max_bytes)
        stream.flush()
        stream.seek(0)
        head = stream.read(4096)
        stream.seek(0)
        digest = stream.sha256() if isinstance(stream, IncomingSpool) and stream.size == size else None
        if digest is None:
            digest = hashlib.file_digest(stream, "sha256").hexdigest()
        os.fsync(stream.fileno())
        if check is not None:
            check(head, path)
        final = self.path_for(digest)
        created = self._link(path, final)
        return StoredBlob(sha256=digest, size=size, head=head, path=final, created=created)

    @staticmethod
    def _copy_hashing(stream: BinaryIO, fd: int, max_bytes: int) -> tuple[str, int, bytes]:
        hasher, size, head = hashlib.sha256(), 0, b""
        with os.fdopen(fd, "wb") as out:
            while chunk := stream.read(CHUNK):
                size += len(chunk)
                if size > max_bytes:
                    raise BlobTooLarge(max_bytes)
                if len(head) < 4096:
                    head += chunk[: 4096 - len(head)]
                hasher.update(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        return hasher.hexdigest(), size, head

    @classmethod
    def _publish(cls, tmp: Path, final: Path) -> bool:
        """Link the temp file into place unless the blob exists; either way the temp file goes."""
        try:
            return cls._link(tmp, final)
        finally:
            tmp.unlink(missing_ok=True)

    @staticmethod
    def _link(source: Path, final: Path) -> bool:
        """Hard-link `source` to `final` (atomic; never overwrites): True if it was created. An existing blob
        is touched instead — its bytes stay as they are — so that `remove_if_idle` spares a blob a caller is
        about to reference again."""
        try:
            final.parent.mkdir(parents=True, exist_ok=True)
            while True:
                try:
                    os.link(source, final)
                    os.chmod(final, 0o444)
                    return True
                except FileExistsError:
                    try:
                        os.utime(final)
                        return False
                    except FileNotFoundError:  # swept away between the two calls: link it again
                        continue
        except OSError as error:
            raise StorageFull(str(error)) from error

    def blob_files(self) -> Iterator[Path]:
        """Every blob file on disk (name = SHA-256)."""
        yield from (p for p in (self.root / "blobs").glob("??/??/*") if len(p.name) == 64)

    def incoming_files(self) -> Iterator[Path]:
        """Temporary files of uploads in progress, or left behind by a process killed mid-upload."""
        incoming = self.root / "incoming"
        yield from (p for p in incoming.iterdir() if p.is_file()) if incoming.is_dir() else ()

    def remove_if_idle(self, path: Path, idle_before: float) -> bool:
        """Delete a blob unused since `idle_before` (epoch seconds). It is first renamed aside and its
        modification time read again: a `put` of the same bytes touches it before returning, so a blob
        taken up again between the caller's check and the rename is put back, never lost."""
        aside = self.root / "sweeping" / path.name
        aside.parent.mkdir(parents=True, exist_ok=True)
        try:
            if path.stat().st_mtime >= idle_before:
                return False
            os.rename(path, aside)
        except FileNotFoundError:
            return False
        if aside.stat().st_mtime >= idle_before:
            with contextlib.suppress(FileExistsError):
                os.link(aside, path)
            aside.unlink()
            return False
        aside.unlink()
        return True

    def open(self, sha256: str) -> BinaryIO:
        return open(self.path_for(sha256), "rb")

    def rehash(self, sha256: str) -> str | None:
        """The SHA-256 of the bytes on disk now, or None if the file is gone."""
        try:
            with self.open(sha256) as blob:
                hasher = hashlib.sha256()
                for chunk in iter(lambda: blob.read(CHUNK), b""):
                    hasher.update(chunk)
                return hasher.hexdigest()
        except FileNotFoundError:
            return None

    def iter_chunks(self, sha256: str) -> Iterator[bytes]:
        with self.open(sha256) as blob:
            yield from iter(lambda: blob.read(CHUNK), b"")
