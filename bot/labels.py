"""Printable travel cards 流转卡: one A6 card per work order, with its QR code and Code128.

Cards are 1-bit images: Pillow writes greyscale PDF pages as lossy JPEG, which blurs the
codes. The QR does the work in phone photos (short uppercase payload, version 1-2, ECC M,
about 30 mm wide); the full-width Code128 serves hand-held scanners and close-ups.

`render_card` also records where it drew each code in `image.info["codes"]` (a list of
`CodeBox`, the card's own QR first), so callers can crop or cover them.
"""

from __future__ import annotations

import datetime
import functools
import logging
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path
from typing import BinaryIO, NamedTuple

import barcode
import qrcode
from PIL import Image, ImageDraw, ImageFont

from domain.payload import format_payload

log = logging.getLogger(__name__)

FONT_PATH = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")

CARD_MM = (105.0, 148.0)  # A6 portrait
MARGIN_MM = 5.0
QR_MM = 30.0
QR_QUIET = 4  # modules of white around every QR
MIN_MODULE_MM = 0.25  # smallest per-operation QR module a phone still resolves close up
MAX_OP_QR_MM = 16.0
CODE128_QUIET = 10
BLACK, WHITE = 0, 1

FontT = ImageFont.FreeTypeFont | ImageFont.ImageFont


@dataclass
class CardOperation:
    seq: int
    code: str
    name: str
    qc: bool


@dataclass
class Card:
    work_order: str
    order_no: str
    customer: str
    product_code: str
    product_name: str
    quantity: int
    due: datetime.date | None
    priority: int
    operations: list[CardOperation] = field(default_factory=list)


class CodeBox(NamedTuple):
    kind: str  # "qr" or "code128"
    payload: str
    box: tuple[int, int, int, int]  # left, top, right, bottom in card pixels, quiet zone included
    module_px: int


# --- geometry and fonts ---------------------------------------------------------------------


class _Units:
    def __init__(self, dpi: int) -> None:
        self.dpi = dpi

    def px(self, mm: float) -> int:
        return round(mm * self.dpi / 25.4)


@functools.lru_cache(maxsize=64)
def card_font(size: int) -> FontT:
    """The CJK font at `size` px, or Pillow's default font when it is not installed."""
    try:
        return ImageFont.truetype(str(FONT_PATH), size)
    except OSError:
        log.warning("CJK font %s missing: Chinese text will not print", FONT_PATH)
        return ImageFont.load_default(size)


def _text_width(font: FontT, text: str) -> int:
    left, _, right, _ = font.getbbox(text)
    return int(right - left)


def _fitted(text: str, size: int, max_width: int, min_size: int) -> tuple[str, FontT]:
    """Shrink the font down to min_size to fit max_width, then cut the text with an ellipsis."""
    while size > min_size and _text_width(card_font(size), text) > max_width:
        size -= 2
    font = card_font(size)
    if _text_width(font, text) <= max_width:
        return text, font
    while text and _text_width(font, text + "…") > max_width:
        text = text[:-1]
    return text + "…", font


# --- codes ----------------------------------------------------------------------------------


def qr_image(payload: str, module_px: int) -> Image.Image:
    """A 1-bit QR (ECC M, 4-module quiet zone included) with whole-pixel modules."""
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=QR_QUIET)
    qr.add_data(payload)
    qr.make(fit=True)
    matrix = qr.get_matrix()
    n = len(matrix)
    small = Image.new("1", (n, n), WHITE)
    small.putdata([BLACK if dark else WHITE for row in matrix for dark in row])
    return small.resize((n * module_px, n * module_px), Image.Resampling.NEAREST)


def qr_modules(payload: str) -> int:
    """Side of the QR in modules, quiet zone included (29 for version 1)."""
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=QR_QUIET)
    qr.add_data(payload)
    qr.make(fit=True)
    return qr.modules_count + 2 * QR_QUIET


def code128_image(payload: str, max_width: int, height: int) -> tuple[Image.Image, int]:
    """Code128 bars at whole-pixel module width, as wide as fits, with quiet zones; and the
    module width."""
    modules = barcode.get("code128", payload).build()[0]
    total = len(modules) + 2 * CODE128_QUIET
    module_px = max(1, max_width // total)
    img = Image.new("1", (total * module_px, height), WHITE)
    draw = ImageDraw.Draw(img)
    for i, bit in enumerate(modules):
        if bit == "1":
            x = (CODE128_QUIET + i) * module_px
            draw.rectangle((x, 0, x + module_px - 1, height - 1), fill=BLACK)
    return img, module_px


# --- the card -------------------------------------------------------------------------------


def render_card(card: Card, per_operation_codes: bool = False, dpi: int = 300) -> Image.Image:
    """The travel card as a 1-bit A6 portrait image at `dpi`."""
    u = _Units(dpi)
    width, height = u.px(CARD_MM[0]), u.px(CARD_MM[1])
    img = Image.new("1", (width, height), WHITE)
    img.info["dpi"] = (dpi, dpi)
    draw = ImageDraw.Draw(img)
    left, right = u.px(MARGIN_MM), width - u.px(MARGIN_MM)
    codes: list[CodeBox] = []
    payload = format_payload(card.work_order)

    # Title row.
    y = u.px(MARGIN_MM)
    title_font = card_font(u.px(5.0))
    draw.text((left, y), "流转卡 Travel card", font=title_font, fill=BLACK)
    prio = f"优先级 Priority {card.priority}"
    draw.text((right - _text_width(title_font, prio), y), prio, font=title_font, fill=BLACK)
    y += u.px(7.0)
    draw.line((left, y, right, y), fill=BLACK, width=max(1, u.px(0.4)))
    y += u.px(2.0)

    # QR on the left, the work order and its facts on the right.
    qr_px = u.px(QR_MM) // qr_modules(payload)
    qr = qr_image(payload, qr_px)
    img.paste(qr, (left - QR_QUIET * qr_px // 2, y))  # half the quiet zone may sit in the margin
    qr_box = (left - QR_QUIET * qr_px // 2, y, left - QR_QUIET * qr_px // 2 + qr.width, y + qr.height)
    codes.append(CodeBox("qr", payload, qr_box, qr_px))
    info_x = qr_box[2] + u.px(1.0)
    info_w = right - info_x
    wo_text, wo_font = _fitted(card.work_order, u.px(9.0), info_w, u.px(5.0))
    draw.text((info_x, y + u.px(1.5)), wo_text, font=wo_font, fill=BLACK)
    line_y = y + u.px(12.0)
    due = card.due.isoformat() if card.due else "—"
    facts = [
        (card.product_code, 3.6),
        (card.product_name, 3.6),
        (f"数量 Qty  {card.quantity}", 3.4),
        (f"交期 Due  {due}", 3.4),
        (f"订单 Order  {card.order_no}", 3.0),
        (f"客户 Customer  {card.customer}", 3.0),
    ]
    for text, size_mm in facts:
        fitted, font = _fitted(text, u.px(size_mm), info_w, u.px(2.4))
        draw.text((info_x, line_y), fitted, font=font, fill=BLACK)
        line_y += u.px(size_mm + 0.9)
    y = max(qr_box[3], line_y) + u.px(1.0)

    # Full-width Code128 with the payload printed under it for typing by hand.
    bars, bar_px = code128_image(payload, right - left + 2 * u.px(MARGIN_MM) - u.px(2.0), u.px(13.0))
    bx = (width - bars.width) // 2
    img.paste(bars, (bx, y))
    codes.append(CodeBox("code128", payload, (bx, y, bx + bars.width, y + bars.height), bar_px))
    y += bars.height + u.px(0.8)
    hr_font = card_font(u.px(4.2))
    draw.text(((width - _text_width(hr_font, payload)) // 2, y), payload, font=hr_font, fill=BLACK)
    y += u.px(6.5)

    codes += _operations_table(draw, img, card, u, (left, y, right, height - u.px(MARGIN_MM)),
                               per_operation_codes)
    img.info["codes"] = codes
    return img


def _operations_table(
    draw: ImageDraw.ImageDraw,
    img: Image.Image,
    card: Card,
    u: _Units,
    box: tuple[int, int, int, int],
    per_operation_codes: bool,
) -> list[CodeBox]:
    left, top, right, bottom = box
    line_w = max(1, u.px(0.25))
    head_font = card_font(u.px(3.0))
    head_h = u.px(5.5)
    cols = [left, left + u.px(12), left + u.px(30)]  # seq | code | name ... | QC (| QR)
    qc_w = u.px(11)

    ops = sorted(card.operations, key=lambda op: op.seq)
    avail = bottom - top - head_h
    row_h, module_px, shown = _row_layout(ops, card.work_order, avail, u, per_operation_codes)
    qr_col = right - _op_qr_side(ops, card.work_order) * module_px if module_px else right
    qc_x = qr_col - qc_w

    draw.rectangle((left, top, right, top + head_h), fill=BLACK)
    for x, text in [(cols[0], "序 Seq"), (cols[1], "编码 Code"), (cols[2], "工序 Operation"),
                    (qc_x, "质检 QC")]:
        draw.text((x + u.px(1), top + u.px(1)), text, font=head_font, fill=WHITE)

    codes = []
    y = top + head_h
    text_size = max(u.px(2.6), min(u.px(3.6), int(row_h * 0.5)))
    for op in ops[:shown]:
        cy = y + row_h // 2
        draw.text((cols[0] + u.px(1), cy), str(op.seq), font=card_font(text_size), fill=BLACK, anchor="lm")
        code, font = _fitted(op.code, text_size, cols[2] - cols[1] - u.px(2), u.px(2.4))
        draw.text((cols[1] + u.px(1), cy), code, font=font, fill=BLACK, anchor="lm")
        name, font = _fitted(op.name, text_size, qc_x - cols[2] - u.px(2), u.px(2.8))
        draw.text((cols[2] + u.px(1), cy), name, font=font, fill=BLACK, anchor="lm")
        if op.qc:  # inverted so an inspection point stands out on the shop floor
            qc_font = card_font(text_size)
            tw = _text_width(qc_font, "QC")
            pad = u.px(1)
            draw.rectangle((qc_x + u.px(1), cy - text_size // 2 - pad,
                            qc_x + u.px(1) + tw + 2 * pad, cy + text_size // 2 + pad), fill=BLACK)
            draw.text((qc_x + u.px(1) + pad, cy), "QC", font=qc_font, fill=WHITE, anchor="lm")
        if module_px:
            payload = format_payload(card.work_order, op.seq)
            qr = qr_image(payload, module_px)
            qx, qy = right - qr.width, y + (row_h - qr.height) // 2
            img.paste(qr, (qx, qy))
            codes.append(CodeBox("qr", payload, (qx, qy, qx + qr.width, qy + qr.height), module_px))
        y += row_h
        # Row rules stop short of the QR column so they never cut into a quiet zone.
        draw.line((left, y, qr_col, y), fill=BLACK, width=line_w)

    if shown < len(ops):
        more = f"… +{len(ops) - shown} 道工序 more operations"
        draw.text((left + u.px(1), y + u.px(1)), more, font=card_font(u.px(3.0)), fill=BLACK)
    return codes


def _row_layout(
    ops: list[CardOperation], work_order: str, avail: int, u: _Units, per_operation_codes: bool
) -> tuple[int, int, int]:
    """Row height, per-operation QR module size (0 = no codes) and how many rows fit.

    Rows shrink to share the space; below the smallest readable module (or text size) the
    table stops and prints how many operations were left off rather than unreadable codes.
    """
    n = max(1, len(ops))
    if per_operation_codes and ops:
        side = _op_qr_side(ops, work_order)
        min_module = max(2, u.px(MIN_MODULE_MM))
        max_module = max(min_module, u.px(MAX_OP_QR_MM) // side)
        row_h = max(side * min_module, min(side * max_module, avail // n))
        module_px = row_h // side
    else:
        module_px = 0
        row_h = max(u.px(5.0), min(u.px(12.0), avail // n))
    fits = avail // row_h
    shown = len(ops) if len(ops) <= fits else max(0, fits - 1)
    return row_h, module_px, shown


def _op_qr_side(ops: list[CardOperation], work_order: str) -> int:
    return max(qr_modules(format_payload(work_order, op.seq)) for op in ops)


# --- output ---------------------------------------------------------------------------------


def write_cards(cards: Iterable[Card], path: Path, per_operation_codes: bool = False) -> list[Path]:
    """Write cards to `path`: a .pdf with one page per card, or .png files (one per card).

    Cards are rendered and written one at a time, so a thousand-card order needs the memory
    of one card.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        return [_write_pdf(cards, path, per_operation_codes)]
    if suffix == ".png":
        return _write_pngs(cards, path, per_operation_codes)
    raise ValueError(f"cannot write cards to {path.name!r}: use a .pdf or .png file name")


def _write_pngs(cards: Iterable[Card], path: Path, per_operation_codes: bool) -> list[Path]:
    it = iter(cards)
    first = list(_take(it, 2))  # one card keeps the given name; several get one file each
    written = []
    for card in chain(first, it):
        target = path if len(first) == 1 else path.with_name(f"{path.stem}-{card.work_order}.png")
        image = render_card(card, per_operation_codes)
        image.save(target, "PNG", dpi=image.info["dpi"])
        written.append(target)
    return written


def _take(it: Iterator[Card], n: int) -> Iterator[Card]:
    for _ in range(n):
        try:
            yield next(it)
        except StopIteration:
            return


def _write_pdf(cards: Iterable[Card], path: Path, per_operation_codes: bool) -> Path:
    try:
        with path.open("wb") as fp:
            pdf = _PdfWriter(fp)
            for card in cards:
                pdf.add_page(render_card(card, per_operation_codes))
            pdf.close()
    except BaseException:
        path.unlink(missing_ok=True)  # never leave half a PDF behind
        raise
    return path


class _PdfWriter:
    """A minimal PDF writer that emits each page as soon as it is added.

    Pillow's save_all collects every page before writing. Here only the byte offsets of the
    objects are kept; each 1-bit page image is stored losslessly with Flate compression.
    """

    _CATALOG, _PAGES = 1, 2

    def __init__(self, fp: BinaryIO) -> None:
        self._fp = fp
        self._offsets: dict[int, int] = {}
        self._pages: list[int] = []
        self._next_id = 3
        self._fp.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")

    def _object(self, obj_id: int, body: bytes, stream: bytes | None = None) -> None:
        self._offsets[obj_id] = self._fp.tell()
        self._fp.write(b"%d 0 obj\n" % obj_id + body)
        if stream is not None:
            self._fp.write(b"\nstream\n" + stream + b"\nendstream")
        self._fp.write(b"\nendobj\n")

    def _new_id(self) -> int:
        self._next_id += 1
        return self._next_id - 1

    def add_page(self, image: Image.Image) -> None:
        image = image.convert("1") if image.mode != "1" else image
        dpi = image.info.get("dpi", (300, 300))[0]
        w_pt, h_pt = image.width * 72 / dpi, image.height * 72 / dpi
        image_id, content_id, page_id = self._new_id(), self._new_id(), self._new_id()
        data = zlib.compress(image.tobytes(), 6)  # PIL packs "1" rows MSB first, 1 = white
        self._object(image_id, (
            b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray"
            b" /BitsPerComponent 1 /Filter /FlateDecode /Length %d >>"
        ) % (image.width, image.height, len(data)), data)
        content = b"q %.3f 0 0 %.3f 0 0 cm /Im0 Do Q" % (w_pt, h_pt)
        self._object(content_id, b"<< /Length %d >>" % len(content), content)
        self._object(page_id, (
            b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 %.3f %.3f]"
            b" /Resources << /XObject << /Im0 %d 0 R >> /ProcSet [/PDF /ImageB] >>"
            b" /Contents %d 0 R >>"
        ) % (self._PAGES, w_pt, h_pt, image_id, content_id))
        self._pages.append(page_id)
        self._fp.flush()

    def close(self) -> None:
        kids = b" ".join(b"%d 0 R" % p for p in self._pages)
        self._object(self._PAGES, b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, len(self._pages)))
        self._object(self._CATALOG, b"<< /Type /Catalog /Pages %d 0 R >>" % self._PAGES)
        xref_at = self._fp.tell()
        count = self._next_id
        lines = [b"xref\n0 %d\n" % count, b"0000000000 65535 f \n"]
        lines += [b"%010d 00000 n \n" % self._offsets[i] for i in range(1, count)]
        self._fp.write(b"".join(lines))
        self._fp.write(b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n"
                       % (count, self._CATALOG, xref_at))
