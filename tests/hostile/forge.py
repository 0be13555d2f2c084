"""What a modified client or a careless sender can put in front of the bot: callback data the
bot never showed, and files that are not what they claim (decompression bombs, truncated
images, executables, 20 MB and more)."""

from __future__ import annotations

import functools
import io
import struct
import zlib

from PIL import Image

from bot.botapi_server.models import CallbackRec, SimEvent
from bot.botapi_server.sim import SimGroup, SimUser

MB = 1024 * 1024


def press_forged(view: SimUser | SimGroup, user: SimUser, data: str) -> str:
    """A callback query with `data` on the chat's latest bot message, as a modified Telegram
    client can send it."""
    server = view.server
    message = view.messages[-1]
    cid = str(4_200_000_000_000_000_000 + server.next_seq())
    server.callbacks[cid] = CallbackRec(cid, view.chat.id, message.message_id, user.id, data)
    server.emit(SimEvent("press", "in", view.chat.id, view.chat.display_name, user.name,
                         f"(forged) {data}", [], message.message_id, data))
    server.push_update({"callback_query": {
        "id": cid, "from": user.to_dict(), "message": message.to_api(),
        "chat_instance": str(abs(view.chat.id) * 2654435761 % (2 ** 63)), "data": data}})
    return cid


# --- images that are not what they seem ----------------------------------------------------


def _chunk(kind: bytes, body: bytes) -> bytes:
    return (struct.pack(">I", len(body)) + kind + body
            + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF))


@functools.cache
def png_bomb(width: int = 30000, height: int = 30000, rows: int = 64) -> bytes:
    """A greyscale PNG declaring width × height pixels (900 MB decoded at the default size)
    in a few KB: its data holds only the first `rows` rows (deflate cannot pack more than
    about 1000:1, and what decides is the header: nothing must decode past it). rows=height
    gives the whole picture."""
    row = b"\x00" * (width + 1)  # filter byte and black pixels
    compressor = zlib.compressobj(9)
    body = b"".join(compressor.compress(row) for _ in range(rows)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", body)
            + _chunk(b"IEND", b""))


def jpeg_bomb(width: int = 30000, height: int = 30000) -> bytes:
    """A tiny JPEG whose frame header is rewritten to declare width × height pixels."""
    small = io.BytesIO()
    Image.new("L", (16, 16), 255).save(small, "JPEG")
    data = bytearray(small.getvalue())
    sof = data.index(b"\xff\xc0")
    data[sof + 5:sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def photo_jpeg(side: int = 800) -> bytes:
    out = io.BytesIO()
    Image.effect_noise((side, side), 40).convert("RGB").save(out, "JPEG", quality=85)
    return out.getvalue()


def truncated(data: bytes, keep: float = 0.5) -> bytes:
    return data[:max(16, int(len(data) * keep))]


def png_of(side: int = 600) -> bytes:
    out = io.BytesIO()
    Image.effect_noise((side, side), 60).save(out, "PNG")
    return out.getvalue()


PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
ZIP = (b"PK\x05\x06" + b"\x00" * 18)  # an empty zip archive
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48 + b"PE\x00\x00"
TEXT = "工单 WO-000001 良品30\n".encode() * 20


def big_file(size: int = 20 * MB + 1) -> bytes:
    """More than the Bot API lets a bot download (getFile refuses above 20 MB)."""
    head = photo_jpeg(64)
    return head + b"\x00" * (size - len(head))
