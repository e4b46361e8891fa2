"""What an uploaded file is, from its bytes (never its name or the type the client claims), and the file as it
is stored: images decoded and re-encoded by Pillow, which writes no EXIF (no GPS position, no camera serial),
after turning them upright by their EXIF orientation; PDFs kept as they are. Pure: no store, no request."""
import io
import re
import unicodedata
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps

# kind, content type, extension, by magic number
JPEG = ("image", "image/jpeg", "jpg")
PNG = ("image", "image/png", "png")
WEBP = ("image", "image/webp", "webp")
PDF = ("pdf", "application/pdf", "pdf")
ACCEPTED = "JPEG, PNG, WebP or PDF"
MAX_PIXELS = 40_000_000  # a 40-megapixel photo; a "decompression bomb" beyond this is refused, not decoded
PILLOW_FORMAT = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}


class FileRefused(ValueError):
    """The file is not one the platform takes; `status`: 415 (its type) or 400 (unreadable)."""

    def __init__(self, message, status=415):
        super().__init__(message)
        self.message = message
        self.status = status


@dataclass(frozen=True)
class CleanFile:
    kind: str
    content_type: str
    data: bytes
    name: str

    @property
    def size(self):
        return len(self.data)


def sniff(head):
    """(kind, content type, extension) of a file from its first bytes, or None."""
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head.startswith(b"%PDF-"):
        return PDF
    return None


def shown_name(given, extension, index):
    """The name shown for a file: the client's name reduced to letters, digits, spaces, dots, dashes and
    underscores (any script), without folders, at most 80 characters, with the extension its bytes say."""
    base = re.split(r"[\\/]", unicodedata.normalize("NFC", given or ""))[-1]
    stem = base.rsplit(".", 1)[0] if "." in base.lstrip(".") else base
    stem = "".join(c if unicodedata.category(c)[0] in "LMN" or c in " -_." else "_" for c in stem)  # M: vowel signs
    stem = re.sub(r"[ _.]{2,}", "_", stem).strip(" ._-")[:80] or f"file-{index + 1}"
    return f"{stem}.{extension}"


def clean(data, given_name, index):
    """The file as it will be stored. Raises FileRefused."""
    found = sniff(data[:16])
    if found is None:
        raise FileRefused(f"not a {ACCEPTED} file (judged by its contents, not its name)")
    kind, content_type, extension = found
    if kind == "image":
        data = _reencoded(data, content_type)
    elif b"%%EOF" not in data[-2048:]:
        raise FileRefused("the PDF is incomplete (no end-of-file marker)", status=400)
    return CleanFile(kind, content_type, data, shown_name(given_name, extension, index))


def _reencoded(data, content_type):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                if image.width * image.height > MAX_PIXELS:
                    raise FileRefused(f"the image has more than {MAX_PIXELS // 1_000_000} megapixels", status=400)
                image.load()
                upright = ImageOps.exif_transpose(image)
    except FileRefused:
        raise
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise FileRefused("the image cannot be read (damaged or not really an image)", status=400) from None
    out = io.BytesIO()
    fmt = PILLOW_FORMAT[content_type]
    if fmt == "JPEG":
        if upright.mode not in ("RGB", "L"):
            upright = upright.convert("RGB")
        upright.save(out, "JPEG", quality=88, optimize=True)
    elif fmt == "WEBP":
        upright.save(out, "WEBP", quality=85)
    else:
        upright.save(out, "PNG", optimize=True)
    return out.getvalue()
