"""Files like Telegram stores them: file ids, photos recompressed into several sizes."""

from __future__ import annotations

import io
import mimetypes
from dataclasses import dataclass, field

from PIL import Image, ImageOps

MAX_DOWNLOAD = 20 * 1024 * 1024  # getFile refuses bigger files
MAX_UPLOAD = 50 * 1024 * 1024  # bots may upload at most this
THUMB_SIDES = (90, 320, 800)


@dataclass
class FileRec:
    file_id: str
    file_unique_id: str
    data: bytes = field(repr=False)
    file_path: str
    kind: str  # "photo" | "document"
    mime_type: str | None = None
    file_name: str | None = None
    width: int | None = None
    height: int | None = None

    @property
    def file_size(self) -> int:
        return len(self.data)

    def photo_size(self) -> dict:
        return {"file_id": self.file_id, "file_unique_id": self.file_unique_id,
                "width": self.width, "height": self.height, "file_size": self.file_size}

    def document(self) -> dict:
        out = {"file_id": self.file_id, "file_unique_id": self.file_unique_id,
               "file_size": self.file_size}
        if self.file_name:
            out["file_name"] = self.file_name
        if self.mime_type:
            out["mime_type"] = self.mime_type
        return out


def _encode_jpeg(img: Image.Image, quality: int) -> bytes:
    buf = io.BytesIO()
    img.convert("RGB").save(buf, "JPEG", quality=quality)
    return buf.getvalue()


def photo_variants(data: bytes, max_side: int = 1280) -> list[tuple[bytes, int, int]]:
    """[(jpeg bytes, width, height)] smallest first, largest (the "original") last.

    Like Telegram: thumbnails of 90/320/800 px longest side plus the photo itself capped
    at ``max_side``. A JPEG that needs no resizing or rotation keeps its exact bytes.
    Raises ValueError when the data is not an image.
    """
    try:
        img = Image.open(io.BytesIO(data))
        img.load()
    except Exception as exc:  # noqa: BLE001 - Pillow raises many kinds
        raise ValueError(f"not an image: {exc}") from exc
    fmt = img.format
    orientation = img.getexif().get(0x0112, 1)
    if orientation not in (None, 1):
        img = ImageOps.exif_transpose(img)
    w, h = img.size
    longest = max(w, h)
    if fmt == "JPEG" and orientation in (None, 1) and longest <= max_side:
        original = (data, w, h)
    else:
        big = img.copy()
        if longest > max_side:
            big.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
        original = (_encode_jpeg(big, 87), big.size[0], big.size[1])
    out = []
    for side in THUMB_SIDES:
        if side < max(original[1], original[2]):
            small = img.copy()
            small.thumbnail((side, side), Image.Resampling.LANCZOS)
            out.append((_encode_jpeg(small, 80), small.size[0], small.size[1]))
    out.append(original)
    return out


def guess_mime(filename: str | None, given: str | None = None) -> str:
    if given and given != "application/octet-stream":
        return given
    if filename:
        guessed, _ = mimetypes.guess_type(filename)
        if guessed:
            return guessed
    return given or "application/octet-stream"


def extension(filename: str | None, mime: str | None) -> str:
    if filename and "." in filename:
        return "." + filename.rsplit(".", 1)[1][:10]
    ext = mimetypes.guess_extension(mime or "") if mime else None
    return ext or ""
