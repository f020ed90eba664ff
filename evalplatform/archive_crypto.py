"""Passphrase encryption of backup archives: scrypt for the key, AES-256-GCM in 1 MiB chunks (the
`cryptography` library), streamed so an archive of any size never sits in memory.

File: MAGIC | salt (16) | nonce prefix (8) | check (32) | chunks. The check is an HMAC of the salt under a key
derived with the data key, so a wrong passphrase is told apart before anything is decrypted. Each chunk is
length (4, big-endian) | AES-GCM(counter nonce, plaintext, AAD = counter ‖ last-chunk flag): chunks cannot
be reordered, dropped or cut off at the end without the authentication failing.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import struct
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

MAGIC = b"EVALPLATFORM-BACKUP-AESGCM-1\n"
CHUNK = 1024 * 1024
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**15, 8, 1


class PassphraseError(Exception):
    """Wrong passphrase, or the file is not what it claims to be; the message is for the operator."""


def is_encrypted(path) -> bool:
    with open(path, "rb") as handle:
        return handle.read(len(MAGIC)) == MAGIC


def _keys(passphrase: str, salt: bytes) -> tuple[bytes, bytes]:
    if not passphrase:
        raise PassphraseError("备份口令不能为空 / the passphrase is empty")
    material = Scrypt(salt=salt, length=64, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P).derive(passphrase.encode("utf-8"))
    return material[:32], material[32:]


def _aad(counter: int, last: bool) -> bytes:
    return struct.pack(">Q?", counter, last)


class EncryptingWriter:
    """A write-only file object: what is written goes out encrypted to `target`."""

    def __init__(self, target: BinaryIO, passphrase: str):
        salt, self._prefix = os.urandom(16), os.urandom(8)
        key, check_key = _keys(passphrase, salt)
        self._aead, self._target, self._buffer, self._counter = AESGCM(key), target, bytearray(), 0
        target.write(MAGIC + salt + self._prefix + hmac.new(check_key, salt, hashlib.sha256).digest())

    def write(self, data: bytes) -> int:
        self._buffer += data
        while len(self._buffer) > CHUNK:  # keep at least one byte back: the last chunk is flagged on close
            self._emit(bytes(self._buffer[:CHUNK]), last=False)
            del self._buffer[:CHUNK]
        return len(data)

    def _emit(self, plain: bytes, last: bool) -> None:
        nonce = self._prefix + struct.pack(">I", self._counter)
        sealed = self._aead.encrypt(nonce, plain, _aad(self._counter, last))
        self._target.write(struct.pack(">I", len(sealed)) + sealed)
        self._counter += 1

    def close(self) -> None:
        self._emit(bytes(self._buffer), last=True)
        self._buffer.clear()

    def flush(self) -> None:
        pass


class DecryptingReader:
    """A read-only file object over an encrypted archive; refuses a wrong passphrase up front."""

    def __init__(self, source: BinaryIO, passphrase: str):
        header = source.read(len(MAGIC) + 16 + 8 + 32)
        if not header.startswith(MAGIC) or len(header) < len(MAGIC) + 56:
            raise PassphraseError("这不是加密的备份文件 / not an encrypted backup")
        salt, self._prefix, check = header[len(MAGIC) :][:16], header[len(MAGIC) + 16 :][:8], header[-32:]
        key, check_key = _keys(passphrase, salt)
        if not hmac.compare_digest(hmac.new(check_key, salt, hashlib.sha256).digest(), check):
            raise PassphraseError("备份口令不正确，未恢复任何数据 / wrong passphrase: nothing was restored")
        self._aead, self._source, self._buffer, self._counter, self._done = AESGCM(key), source, bytearray(), 0, False

    def read(self, size: int = -1) -> bytes:
        while not self._done and (size < 0 or len(self._buffer) < size):
            self._next_chunk()
        size = len(self._buffer) if size < 0 else min(size, len(self._buffer))
        data = bytes(self._buffer[:size])
        del self._buffer[:size]
        return data

    def _next_chunk(self) -> None:
        length = self._source.read(4)
        if len(length) < 4:
            raise PassphraseError("备份文件不完整（被截断）/ the backup is truncated")
        sealed = self._source.read(struct.unpack(">I", length)[0])
        nonce = self._prefix + struct.pack(">I", self._counter)
        for last in (False, True):
            try:
                self._buffer += self._aead.decrypt(nonce, sealed, _aad(self._counter, last))
            except InvalidTag:
                continue
            self._counter, self._done = self._counter + 1, last
            return
        raise PassphraseError("备份文件已损坏或被改动 / the backup was altered or is corrupt")
