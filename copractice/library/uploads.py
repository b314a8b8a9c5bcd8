"""Checking an upload by what it is, not what it is called."""
import os
from dataclasses import dataclass

import filetype
from werkzeug.utils import secure_filename

from copractice.errors import Refused

# The content types we accept, found from the file's bytes: (extension, format facet).
ACCEPTED = {
    "application/pdf": ("pdf", "pdf"),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ("docx", "word"),
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": ("pptx", "powerpoint"),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ("xlsx", "excel"),
    "application/vnd.oasis.opendocument.text": ("odt", "opendocument"),
    "image/png": ("png", "image"),
    "image/jpeg": ("jpg", "image"),
}
ACCEPTED_WORDS = "a PDF, Word, PowerPoint, Excel, OpenDocument text, PNG or JPEG file"


class UploadRefused(Refused, ValueError):
    """The file is not one we accept; the message says why in plain English."""


@dataclass
class CheckedUpload:
    data: bytes
    content_type: str
    filename: str
    format: str


def check_upload(storage):
    """Read a werkzeug FileStorage and return a CheckedUpload, or raise UploadRefused.

    The type comes from the content (a renamed program or an HTML/SVG page is refused whatever
    its name), and the stored name is made safe and given the extension that matches it.
    """
    data = storage.read()
    if not data:
        raise UploadRefused("The file is empty.")
    kind = filetype.guess(data)
    if kind is None or kind.mime not in ACCEPTED:
        raise UploadRefused(f"This file is not a type we accept. Upload {ACCEPTED_WORDS}.")
    extension, fmt = ACCEPTED[kind.mime]
    stem = os.path.splitext(secure_filename(storage.filename or ""))[0][:120] or "resource"
    return CheckedUpload(data=data, content_type=kind.mime, filename=f"{stem}.{extension}", format=fmt)
