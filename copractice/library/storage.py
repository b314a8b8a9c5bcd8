"""Where uploaded files live: one small interface, local disk today, an S3-compatible store later.

Files are stored under their SHA-256 (content-addressed), outside the web root, and never
overwritten: the same content uploaded twice is stored once.
"""
import hashlib
import os
import tempfile

from flask import current_app


class LocalStorage:
    """Files on local disk under ``root``, in two levels of folders named from the hash."""

    def __init__(self, root):
        self.root = root

    def _path(self, key):
        if len(key) != 64 or any(c not in "0123456789abcdef" for c in key):
            raise ValueError("not a storage key")
        return os.path.join(self.root, key[:2], key[2:4], key)

    def save(self, data):
        """Store ``data`` (bytes); return its key."""
        key = hashlib.sha256(data).hexdigest()
        path = self._path(key)
        if not os.path.exists(path):
            os.makedirs(os.path.dirname(path), exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path))
            with os.fdopen(fd, "wb") as out:
                out.write(data)
            os.replace(tmp, path)  # atomic: a reader never sees half a file
        return key

    def open(self, key):
        return open(self._path(key), "rb")

    def exists(self, key):
        return os.path.exists(self._path(key))

    def delete(self, key):
        try:
            os.remove(self._path(key))
        except FileNotFoundError:
            pass


def get_storage():
    """The site's storage, from the UPLOAD_FOLDER setting."""
    return LocalStorage(current_app.config["UPLOAD_FOLDER"])
