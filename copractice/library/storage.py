"""Where uploaded files live: one small interface, local disk today, an S3-compatible store later.

Files are stored under their SHA-256 (content-addressed), outside the web root, and never
overwritten: the same content uploaded twice is stored once.
"""
import contextlib
import hashlib
import logging
import os
import tempfile

from flask import current_app

log = logging.getLogger(__name__)
CHUNK = 1024 * 1024


class StorageFailed(Exception):
    """The file could not be stored (disk full, folder read-only or missing); nothing was kept."""


MESSAGE = "We could not save the file; nothing was changed. Please try again later, or tell the programme team."


class LocalStorage:
    """Files on local disk under ``root``, in two levels of folders named from the hash."""

    def __init__(self, root):
        self.root = root

    def _path(self, key):
        if len(key) != 64 or any(c not in "0123456789abcdef" for c in key):
            raise ValueError("not a storage key")
        return os.path.join(self.root, key[:2], key[2:4], key)

    def save(self, data):
        """Store ``data`` (bytes); return its key, or raise StorageFailed leaving nothing behind.

        The bytes go in chunks to a temporary file beside their final place, are flushed to disk, and
        only then take their name: a reader never sees half a file, and a full disk or a read-only
        folder leaves no partial file.
        """
        key = hashlib.sha256(data).hexdigest()
        path = self._path(key)
        if os.path.exists(path):
            return key
        tmp = None
        try:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=f".{key[:16]}.", suffix=".part")
            with os.fdopen(fd, "wb") as out:
                view = memoryview(data)
                for start in range(0, len(view), CHUNK):
                    out.write(view[start:start + CHUNK])
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, path)
        except OSError as error:
            if tmp is not None:
                with contextlib.suppress(OSError):
                    os.remove(tmp)
            log.error("Could not store an upload in %s: %s", self.root, error)
            raise StorageFailed(MESSAGE) from error
        return key

    def open(self, key):
        return open(self._path(key), "rb")

    def exists(self, key):
        return os.path.exists(self._path(key))

    def delete(self, key):
        with contextlib.suppress(FileNotFoundError):
            os.remove(self._path(key))


def get_storage():
    """The site's storage, from the UPLOAD_FOLDER setting."""
    return LocalStorage(current_app.config["UPLOAD_FOLDER"])
