"""Printable travel cards 流转卡: one A6 card per work order, with its QR code and Code128.

Cards are 1-bit images: Pillow writes greyscale PDF pages as lossy JPEG, which blurs the
codes. The QR does the work in phone photos (short uppercase payload, version 1-2, ECC M,
about 30 mm wide); the full-width Code128 serves hand-held scanners and close-ups. Both
carry the factory tag (`GD1:K7QF/WO-000123`), so another factory's card is refused.

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
QR_MM = 30.0  # with its quiet zone: 21 modules of about 1 mm, plus 4 on each side
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
    work_order: str  # the code the card carries: a work order, or a rework task (RW-000001)
    order_no: str
    customer: str
    product_code: str
    product_name: str
    quantity: int
    due: datetime.date | None
    priority: int
    operations: list[CardOperation] = field(default_factory=list)
    # A rework card 返工单: the work order the pieces belong to, and why they came back.
    rework_of: str | None = None
    defect: str | None = None
    # The installation's factory tag printed in every code (domain.factory_settings.factory_tag);
    # None prints untagged codes, as cards had before tags.
    factory: str | None = None

    def payload(self, operation_seq: int | None = None) -> str:
        return format_payload(self.work_order, operation_seq, factory=self.factory)


class CodeBox(NamedTuple):
    kind: str  # "qr" or "code128"
    payload: str
    box: tuple[int, int, int, int]  # left, top, right, bottom in card pixels, quiet zone included
    module_px: int


# --- geometry and fonts ---------------------------------------------------------------------


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


@functools.lru_cache(maxsize=256)
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


class _Canvas:
    """The card being drawn: the image, a pen, the dpi, and the codes placed so far."""

    def __init__(self, dpi: int) -> None:
        self.dpi = dpi
        self.image = Image.new("1", (self.px(CARD_MM[0]), self.px(CARD_MM[1])), WHITE)
        self.image.info["dpi"] = (dpi, dpi)
        self.draw = ImageDraw.Draw(self.image)
        self.left = self.px(MARGIN_MM)
        self.right = self.image.width - self.px(MARGIN_MM)
        self.bottom = self.image.height - self.px(MARGIN_MM)
        self.codes: list[CodeBox] = []

    def px(self, mm: float) -> int:
        return round(mm * self.dpi / 25.4)

    def text(self, xy: tuple[int, int], text: str, font: FontT, fill: int = BLACK,
             anchor: str = "la") -> None:
        self.draw.text(xy, text, font=font, fill=fill, anchor=anchor)

    def place(self, kind: str, payload: str, code: Image.Image, xy: tuple[int, int],
              module_px: int) -> None:
        self.image.paste(code, xy)
        box = (xy[0], xy[1], xy[0] + code.width, xy[1] + code.height)
        self.codes.append(CodeBox(kind, payload, box, module_px))


def render_card(card: Card, per_operation_codes: bool = False, dpi: int = 300) -> Image.Image:
    """The travel card as a 1-bit A6 portrait image at `dpi`.

    A rework card has no per-operation codes: its one code names the rework task."""
    c = _Canvas(dpi)
    y = _title(c, card, c.px(MARGIN_MM))
    y = _identity(c, card, y)
    y = _barcode(c, card, y)
    _operations_table(c, card, y, per_operation_codes and card.rework_of is None)
    c.image.info["codes"] = c.codes
    return c.image


def _title(c: _Canvas, card: Card, y: int) -> int:
    font = card_font(c.px(5.0))
    c.text((c.left, y), "返工单 Rework card" if card.rework_of else "流转卡 Travel card", font)
    priority = f"优先级 Priority {card.priority}"
    c.text((c.right - _text_width(font, priority), y), priority, font)
    y += c.px(7.0)
    c.draw.line((c.left, y, c.right, y), fill=BLACK, width=max(1, c.px(0.4)))
    return y + c.px(2.0)


def _identity(c: _Canvas, card: Card, y: int) -> int:
    """The QR on the left; the work order and what it is about on the right."""
    payload = card.payload()
    module_px = c.px(QR_MM) // qr_modules(payload)
    qr = qr_image(payload, module_px)
    x = c.left - QR_QUIET * module_px // 2  # half the quiet zone may sit in the margin
    c.place("qr", payload, qr, (x, y), module_px)

    info_x = x + qr.width + c.px(1.0)
    info_w = c.right - info_x
    text, font = _fitted(card.work_order, c.px(9.0), info_w, c.px(5.0))
    c.text((info_x, y + c.px(1.5)), text, font)
    line_y = y + c.px(12.0)
    due = card.due.isoformat() if card.due else "—"
    facts = [
        (card.product_code, 3.6),
        (card.product_name, 3.6),
        (f"数量 Qty  {card.quantity}", 3.4),
        (f"交期 Due  {due}", 3.4),
        (f"订单 Order  {card.order_no}", 3.0),
        (f"客户 Customer  {card.customer}", 3.0),
    ]
    if card.rework_of:
        facts[3:3] = [(f"工单 Work order  {card.rework_of}", 3.4),
                      (f"原因 Defect  {card.defect or '—'}", 3.0)]
    for fact, size_mm in facts:
        text, font = _fitted(fact, c.px(size_mm), info_w, c.px(2.4))
        c.text((info_x, line_y), text, font)
        line_y += c.px(size_mm + 0.9)
    return max(y + qr.height, line_y) + c.px(1.0)


def _barcode(c: _Canvas, card: Card, y: int) -> int:
    """Code128 across the card, the payload printed under it for typing by hand."""
    payload = card.payload()
    width = c.image.width
    bars, module_px = code128_image(payload, width - c.px(2.0), c.px(13.0))
    c.place("code128", payload, bars, ((width - bars.width) // 2, y), module_px)
    y += bars.height + c.px(0.8)
    font = card_font(c.px(4.2))
    c.text(((width - _text_width(font, payload)) // 2, y), payload, font)
    return y + c.px(6.5)


def _operations_table(c: _Canvas, card: Card, top: int, per_operation_codes: bool) -> None:
    ops = sorted(card.operations, key=lambda op: op.seq)
    head_h = c.px(5.5)
    row_h, module_px, shown = _row_layout(ops, card, c.bottom - top - head_h, c,
                                          per_operation_codes)
    qr_col = c.right - _op_qr_side(ops, card) * module_px if module_px else c.right
    cols = [c.left, c.left + c.px(12), c.left + c.px(30), qr_col - c.px(13)]  # seq code name QC

    c.draw.rectangle((c.left, top, c.right, top + head_h), fill=BLACK)
    head_font = card_font(c.px(3.0))
    titles = ["序 Seq", "编码 Code", "工序 Operation", "质检 QC"]
    for x, title in zip(cols, titles, strict=True):
        c.text((x + c.px(1), top + c.px(1)), title, head_font, fill=WHITE)

    y = top + head_h + QR_QUIET // 2 * module_px  # half the first code's quiet zone
    size = max(c.px(2.6), min(c.px(3.6), row_h // 2))
    font = card_font(size)
    for op in ops[:shown]:
        mid = y + row_h // 2
        c.text((cols[0] + c.px(1), mid), str(op.seq), font, anchor="lm")
        for col, value, min_mm in [(1, op.code, 2.4), (2, op.name, 2.8)]:
            text, fitted = _fitted(value, size, cols[col + 1] - cols[col] - c.px(2), c.px(min_mm))
            c.text((cols[col] + c.px(1), mid), text, fitted, anchor="lm")
        if op.qc:  # inverted, so an inspection point stands out on the shop floor
            pad, x = c.px(1), cols[3] + c.px(1)
            c.draw.rectangle((x, mid - size // 2 - pad, x + _text_width(font, "QC") + 2 * pad,
                              mid + size // 2 + pad), fill=BLACK)
            c.text((x + pad, mid), "QC", font, fill=WHITE, anchor="lm")
        if module_px:  # centred on the row, its quiet zone shared with its neighbours'
            payload = card.payload(op.seq)
            qr = qr_image(payload, module_px)
            xy = (c.right - qr.width, y + (row_h - qr.height) // 2)
            c.place("qr", payload, qr, xy, module_px)
        y += row_h
        # Row rules stop short of the QR column so they never cut into a quiet zone.
        c.draw.line((c.left, y, qr_col - 1, y), fill=BLACK, width=max(1, c.px(0.25)))

    if shown < len(ops):
        more = f"… +{len(ops) - shown} 道工序 more operations"
        c.text((c.left + c.px(1), y + c.px(1)), more, card_font(c.px(3.0)))


def _row_layout(
    ops: list[CardOperation], card: Card, avail: int, c: _Canvas, per_operation_codes: bool
) -> tuple[int, int, int]:
    """Row height, per-operation QR module size (0 = no codes) and how many rows fit.

    Rows shrink to share the space; below the smallest readable module (or text size) the
    table stops and prints how many operations were left off rather than unreadable codes.
    Stacked codes share the quiet zone between them (each still has its four white modules):
    a row is one quiet zone shorter than a code, and half a quiet zone stays free above the
    first row and below the last. So a tagged, version-2 code per operation fits eight rows.
    """
    n = max(1, len(ops))
    if per_operation_codes and ops:
        side = _op_qr_side(ops, card)
        pitch = side - QR_QUIET  # modules from one code to the next
        min_module = max(2, c.px(MIN_MODULE_MM))
        max_module = max(min_module, c.px(MAX_OP_QR_MM) // side)
        module_px = max(min_module, min(max_module, avail // (n * pitch + QR_QUIET)))
        row_h = pitch * module_px
        avail -= QR_QUIET * module_px
    else:
        module_px = 0
        row_h = max(c.px(4.0), min(c.px(12.0), avail // n))
    fits = avail // row_h
    shown = len(ops) if len(ops) <= fits else max(0, fits - 1)
    return row_h, module_px, shown


def _op_qr_side(ops: list[CardOperation], card: Card) -> int:
    return max(qr_modules(card.payload(op.seq)) for op in ops)


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
    if not first:
        raise ValueError("no cards to write")
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
            if not pdf.pages:
                raise ValueError("no cards to write")  # a PDF without pages is not a PDF
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
        self.pages: list[int] = []  # object numbers: a few bytes per page, however many
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
        self.pages.append(page_id)
        self._fp.flush()

    def close(self) -> None:
        kids = b" ".join(b"%d 0 R" % p for p in self.pages)
        pages = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, len(self.pages))
        self._object(self._PAGES, pages)
        self._object(self._CATALOG, b"<< /Type /Catalog /Pages %d 0 R >>" % self._PAGES)
        xref_at = self._fp.tell()
        count = self._next_id
        lines = [b"xref\n0 %d\n" % count, b"0000000000 65535 f \n"]
        lines += [b"%010d 00000 n \n" % self._offsets[i] for i in range(1, count)]
        self._fp.write(b"".join(lines))
        self._fp.write(b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n"
                       % (count, self._CATALOG, xref_at))
