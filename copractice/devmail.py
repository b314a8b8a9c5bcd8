"""A mail catcher for development: an SMTP server on this machine that delivers nothing.

``copractice develop`` (and so ``make run``) starts it and points the delivery process at it.
Each email the site sends is saved as an ``.eml`` file in ``<instance>/mail/`` (open it in any mail
program, or read it as text) and summed up in one line on the terminal.
"""
import os
import re
from email import message_from_bytes, policy

from aiosmtpd.controller import Controller

from copractice.timeutil import utcnow


class SaveToFolder:
    """aiosmtpd handler: save each message to ``folder`` as ``<time>-<n>.eml``; print a summary."""

    def __init__(self, folder, echo=print):
        self.folder = folder
        self.echo = echo
        self.count = 0
        os.makedirs(folder, exist_ok=True)

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        stamp = utcnow().strftime("%Y%m%d-%H%M%S")
        path = os.path.join(self.folder, f"{stamp}-{self.count:04d}.eml")
        with open(path, "wb") as file:
            file.write(envelope.content)
        message = message_from_bytes(envelope.content, policy=policy.default)
        to = ", ".join(envelope.rcpt_tos)
        self.echo(f"[mail] to {to}: {message.get('Subject', '(no subject)')}  -> {path}")
        return "250 Message saved"


def start_catcher(folder, host="127.0.0.1", port=8025, echo=print):
    """Start the catcher in a background thread; returns the running aiosmtpd Controller (call .stop())."""
    controller = Controller(SaveToFolder(folder, echo=echo), hostname=host, port=port)
    controller.start()
    return controller


def saved_messages(folder):
    """The saved emails, newest first: (file name, parsed message)."""
    if not os.path.isdir(folder):
        return []
    names = sorted((n for n in os.listdir(folder) if re.fullmatch(r"[\w-]+\.eml", n)), reverse=True)
    found = []
    for name in names:
        with open(os.path.join(folder, name), "rb") as file:
            found.append((name, message_from_bytes(file.read(), policy=policy.default)))
    return found
