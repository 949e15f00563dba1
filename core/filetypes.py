"""What an uploaded file is, from its bytes: never from its name or the Content-Type the browser
sent (both are whatever the sender chose). Every form that takes a file asks here first, so a
program or a web page renamed "report.xlsx" is refused before anything reads or keeps it.

- `check_table(data, field)`: an XLSX workbook or a delimited text (CSV) file; `check_csv`: text
  only; `check_capture`: a screenshot (PNG, JPEG, GIF, WebP), a PDF, a saved web page or plain
  text (misinfo evidence and tip attachments); `check_email`: an email message (.eml).
- An XLSX (DOCX) is a ZIP whose [Content_Types].xml names a spreadsheet workbook (a Word
  document). The ZIP's directory is checked before any part is unpacked: at most MAX_PARTS
  parts, at most `max_unpacked` bytes unpacked, no large part compressed more than MAX_RATIO
  times (a "zip bomb" of a few kilobytes can unpack to gigabytes).
- Text is valid in one of the encodings the caller's import reads (UTF-8, with or without BOM,
  by default), the whole file, with no NUL byte, and does not begin like a web page or XML.
- Each refusal raises `Refused` with one message in the request's language that names the field
  (“Tệp CSV”: …), as core.validation does for text; forms raise it as their ValidationError.

Pure functions of bytes: no database, no storage, nothing kept.
"""

import io
import re
import zipfile

from django.utils.translation import gettext as _

MAX_PARTS = 10_000
MAX_RATIO = 100  # sheets compress 5-20 times; a part above 1 MB compressed more is crafted
MAX_UNPACKED = 100 * 2**20
MAX_CONTENT_TYPES = 2**20  # [Content_Types].xml is a few kilobytes

XLSX_MAIN = b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
XLSM_MAIN = b"application/vnd.ms-excel.sheet.macroEnabled.main+xml"  # macros: refused, data needs none
DOCX_MAIN = b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
CONTENT_TYPE_RE = re.compile(rb'ContentType\s*=\s*["\']([^"\']{1,200})["\']')

# Kinds told by their first bytes.
SIGNATURES = [
    (b"PK\x03\x04", "zip"),
    (b"PK\x05\x06", "zip"),  # an empty archive
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "ole"),  # Excel or Word 97-2003, or a password-protected file
    (b"%PDF-", "pdf"),
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"GIF87a", "gif"),
    (b"GIF89a", "gif"),
    (b"\x7fELF", "program"),  # Linux
    (b"\xcf\xfa\xed\xfe", "program"),  # macOS (Mach-O)
    (b"\xce\xfa\xed\xfe", "program"),
    (b"\xca\xfe\xba\xbe", "program"),  # macOS universal, or a Java class
    (b"#!", "program"),  # a script
    (b"Rar!\x1a\x07", "archive"),
    (b"7z\xbc\xaf\x27\x1c", "archive"),
    (b"\x1f\x8b", "archive"),  # gzip
]
MARKUP = ("<!doctype", "<html", "<head", "<body", "<meta", "<table", "<div", "<script", "<style", "<?xml", "<svg")
IMAGES = {"png", "jpeg", "gif", "webp"}


class Refused(ValueError):
    """The file is not of a kind the field takes; `message` says so, naming the field."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def short_label(label) -> str:
    """A field's label without its parenthesised hint: “Tệp CSV (code,name,…; UTF-8)” → “Tệp CSV”."""
    return str(label).split(" (", 1)[0].strip()


def signature(data: bytes) -> str | None:
    """The kind told by the first bytes ("zip", "pdf", "png", "program"...), or None."""
    for magic, kind in SIGNATURES:
        if data.startswith(magic):
            return kind
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if data.startswith(b"MZ") and b"\x00" in data[:64]:  # Windows .exe and .dll: a DOS header
        return "program"
    return None


# --- Messages: each names the field ------------------------------------------------------------


def _found(kind: str) -> str:
    """What the file turned out to be, for "this file is …, not …"."""
    return {
        "zip": _("a ZIP archive"),
        "xlsx": _("an Excel workbook (XLSX)"),
        "docx": _("a Word document (DOCX)"),
        "xlsm": _("an Excel workbook with macros (XLSM)"),
        "ole": _("an Excel or Word 97–2003 file (.xls, .doc) or a password-protected file"),
        "pdf": _("a PDF document"),
        "image": _("an image"),
        "program": _("a program"),
        "archive": _("a compressed archive"),
        "markup": _("a web page (HTML) or an XML file"),
        "binary": _("unreadable binary data"),
    }["image" if kind in IMAGES else kind]


def _field(label) -> dict:
    return {"field": short_label(label)}


def not_a(label, kind: str, expected: str) -> Refused:
    message = _("“%(field)s”: this file is %(found)s, not %(expected)s. Nothing was saved.")
    return Refused(message % {**_field(label), "found": _found(kind), "expected": expected})


def empty(label) -> Refused:
    return Refused(_("“%(field)s”: the file is empty.") % _field(label))


def zip_bomb(label, max_unpacked: int) -> Refused:
    message = _(
        "“%(field)s”: the archive looks like a “zip bomb” (it would unpack to more than %(mb)d MB, has more "
        "than %(n)d parts, or a part is compressed more than %(ratio)d times); it was not opened. Nothing was saved."
    )
    return Refused(message % {**_field(label), "mb": max_unpacked // 2**20, "n": MAX_PARTS, "ratio": MAX_RATIO})


def damaged_zip(label) -> Refused:
    message = _("“%(field)s”: the file is damaged: it begins like a ZIP archive (XLSX) but cannot be opened.")
    return Refused(message % _field(label))


def not_text(label, error: UnicodeDecodeError | None = None) -> Refused:
    if error is None:
        message = _("“%(field)s”: the file is not text in an encoding this import reads. Save it as “CSV UTF-8”.")
        return Refused(message % _field(label))
    message = _("“%(field)s”: the file is not UTF-8 text (byte %(pos)d cannot be read). Save it as “CSV UTF-8”.")
    return Refused(message % {**_field(label), "pos": error.start + 1})


def has_nul(label) -> Refused:
    message = _("“%(field)s”: the file contains NUL bytes: it is not a text file. Nothing was saved.")
    return Refused(message % _field(label))


# --- Recognising -------------------------------------------------------------------------------


def zip_kind(data: bytes, label, *, max_unpacked: int = MAX_UNPACKED) -> str:
    """ "xlsx", "xlsm", "docx" or "zip" for a ZIP archive, from the content types it declares;
    Refused when it is damaged or would unpack to too much (only its directory is read, and
    [Content_Types].xml, itself size-checked)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            parts = archive.infolist()
            if (
                len(parts) > MAX_PARTS
                or sum(p.file_size for p in parts) > max_unpacked
                or any(p.file_size > 2**20 and p.file_size > MAX_RATIO * max(p.compress_size, 1) for p in parts)
            ):
                raise zip_bomb(label, max_unpacked)
            info = next((p for p in parts if p.filename == "[Content_Types].xml"), None)
            if info is None or info.file_size > MAX_CONTENT_TYPES:
                return "zip"
            with archive.open(info) as handle:
                declared = set(CONTENT_TYPE_RE.findall(handle.read(MAX_CONTENT_TYPES + 1)))
    except Refused:
        raise
    except Exception:  # BadZipFile, an odd compression method, a truncated file, a bad CRC...
        raise damaged_zip(label) from None
    for main, kind in ((XLSX_MAIN, "xlsx"), (XLSM_MAIN, "xlsm"), (DOCX_MAIN, "docx")):
        if main in declared:
            return kind
    return "zip"


def _is_markup(text: str) -> bool:
    return text.lstrip("\ufeff \t\r\n")[:20].lower().startswith(MARKUP)


def _text(data: bytes, label, encodings) -> str:
    """The whole file as text in one of `encodings` ("utf-8" also takes a BOM, "utf-16" needs
    its BOM, "cp1258": Windows-1258), without NUL; or Refused."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) and "utf-16" in encodings:
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            raise not_text(label) from None
        if "\x00" in text:
            raise has_nul(label)
        return text
    if b"\x00" in data:
        raise has_nul(label)
    first_error = None
    for encoding in (e for e in encodings if e != "utf-16"):
        try:
            return data.decode("utf-8-sig" if encoding == "utf-8" else encoding)
        except UnicodeDecodeError as error:
            first_error = first_error or error
    raise not_text(label, first_error if tuple(encodings) == ("utf-8",) else None)


def _kind(data: bytes, label, max_unpacked: int = MAX_UNPACKED) -> str | None:
    """What the bytes begin as (a ZIP opened to see which office file it is), None for text or
    unknown bytes; Refused when there are none or the ZIP is damaged or a bomb."""
    if not data:
        raise empty(label)
    kind = signature(data)
    return zip_kind(data, label, max_unpacked=max_unpacked) if kind == "zip" else kind


def check_table(data: bytes, label, *, encodings=("utf-8",), max_unpacked: int = MAX_UNPACKED) -> str:
    """ "xlsx" or "csv": what a table import may read; Refused naming the field otherwise."""
    kind = _kind(data, label, max_unpacked)
    if kind == "xlsx":
        return "xlsx"
    if kind is not None:
        raise not_a(label, kind, _("a CSV or XLSX table"))
    if _is_markup(_text(data, label, encodings)):
        raise not_a(label, "markup", _("a CSV or XLSX table"))
    return "csv"


def check_csv(data: bytes, label, *, encodings=("utf-8",)) -> str:
    """ "csv": a text file in one of `encodings`; Refused naming the field otherwise."""
    kind = _kind(data, label)
    if kind is not None:
        raise not_a(label, kind, _("a CSV text file"))
    if _is_markup(_text(data, label, encodings)):
        raise not_a(label, "markup", _("a CSV text file"))
    return "csv"


def check_capture(data: bytes, label) -> str:
    """A captured copy: "png", "jpeg", "gif", "webp", "pdf", "html" (a saved page) or "text"
    (UTF-8, the whole file); Refused naming the field otherwise."""
    expected = _("a screenshot (PNG, JPEG, GIF, WebP), a PDF, a saved web page or text")
    kind = _kind(data, label)
    if kind in IMAGES or kind == "pdf":
        return kind
    if kind is not None:
        raise not_a(label, kind, expected)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise not_a(label, "binary", expected) from None
    if "\x00" in text:
        raise not_a(label, "binary", expected)
    return "html" if _is_markup(text) else "text"


# A message begins with header lines ("Name: value"), or the "From " line of an mbox.
HEADER_RE = re.compile(rb"(From [^\r\n]*|[!-9;-~]{1,76}:[^\r\n]*)\r?\n")


def check_email(data: bytes, label) -> str:
    """ "eml": an email message as mail programs save it; Refused naming the field otherwise."""
    expected = _("an email message (.eml)")
    kind = _kind(data, label)
    if kind is not None:
        raise not_a(label, kind, expected)
    start = data.lstrip(b"\r\n")
    head = re.split(rb"\r?\n\r?\n", start, maxsplit=1)[0]
    if b"\x00" in head or not HEADER_RE.match(start):
        raise not_a(label, "markup" if _is_markup(start[:200].decode("latin-1")) else "binary", expected)
    return "eml"
