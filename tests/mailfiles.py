"""The emails a demo server wrote under its var/mail/ (Django's file backend: one file per
connection, messages separated by a line of 79 dashes)."""

import email
import email.header
import email.message
from pathlib import Path

SEPARATOR = b"\n" + b"-" * 79 + b"\n"


def messages_in(var_dir: Path) -> list[email.message.Message]:
    out = []
    for path in sorted((Path(var_dir) / "mail").glob("*.log")):
        for chunk in path.read_bytes().split(SEPARATOR):
            if chunk.strip():
                out.append(email.message_from_bytes(chunk.strip()))
    return out


def subject_of(message: email.message.Message) -> str:
    return str(email.header.make_header(email.header.decode_header(message["Subject"] or "")))
