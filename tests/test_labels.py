"""Travel cards: layout, codes that decode, fonts, PDF and PNG output."""

from __future__ import annotations

import dataclasses
import datetime
import io
import re
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont

from bot.barcode import decode_texts, decode_with
from bot.labels import (
    FONT_PATH,
    Card,
    CardOperation,
    card_font,
    qr_modules,
    render_card,
    write_cards,
)
from domain.payload import LabelCode, format_payload, parse_label, parse_payload


def make_card(number: int = 123, ops: int = 4, product_name: str = "齿轮轴 Gear shaft") -> Card:
    return Card(
        work_order=f"WO-{number:06d}",
        order_no="SO-2025-0042",
        customer="宁波精密机械有限公司",
        product_code="P-GEAR-40",
        product_name=product_name,
        quantity=1200,
        due=datetime.date(2025, 3, 14),
        priority=2,
        operations=[CardOperation(10 * (i + 1), f"OP{i + 1}", f"工序 {i + 1}", i % 3 == 2)
                    for i in range(ops)],
    )


def glyph(font: ImageFont.FreeTypeFont, char: str) -> bytes:
    image = Image.new("L", (60, 60))
    ImageDraw.Draw(image).text((5, 5), char, font=font, fill=255)
    return image.tobytes()


def png_bytes(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def test_card_is_a_1bit_a6_page():
    image = render_card(make_card())
    assert image.mode == "1"
    assert image.size == (1240, 1748)  # 105 x 148 mm at 300 dpi
    assert render_card(make_card(), dpi=150).size == (620, 874)


def test_card_codes_carry_the_work_order_payload():
    image = render_card(make_card(123))
    kinds = {(code.kind, code.payload) for code in image.info["codes"]}
    assert kinds == {("qr", "GD1:WO-000123"), ("code128", "GD1:WO-000123")}
    assert parse_payload(decode_texts(png_bytes(image)).texts[0]).work_order == "WO-000123"
    # Both symbologies read on their own, each cut out of the card.
    for code in image.info["codes"]:
        crop = image.crop(code.box)
        assert decode_with("pyzbar", png_bytes(crop), preprocess=False).texts == ("GD1:WO-000123",)


def test_qr_is_version_1_about_30_mm_with_quiet_zone():
    # Version 1 is 21 modules; with the 4-module quiet zone on both sides, 29.
    assert qr_modules(format_payload("WO-000123")) == 29
    assert qr_modules(format_payload("WO-999999", 9999)) == 29
    qr = render_card(make_card()).info["codes"][0]
    width_mm = (qr.box[2] - qr.box[0]) * 25.4 / 300
    assert 28 <= width_mm <= 31


def test_code128_spans_the_card():
    image = render_card(make_card())
    bars = next(code for code in image.info["codes"] if code.kind == "code128")
    assert bars.box[2] - bars.box[0] >= 0.8 * image.width
    assert bars.module_px >= 5  # about 0.4 mm bars at 300 dpi


def test_chinese_text_uses_the_cjk_font():
    if not FONT_PATH.exists():
        pytest.skip("CJK font not installed (scripts/bootstrap.sh installs it)")
    font = card_font(40)
    assert isinstance(font, ImageFont.FreeTypeFont) and font.path == str(FONT_PATH)
    # Real glyphs differ from one another; a font without them draws the same empty box.
    assert glyph(font, "齿") != glyph(font, "轮")
    left, top, right, bottom = font.getbbox("齿轮轴")
    assert right - left > 80 and bottom - top > 20
    # And the product name reaches the card.
    assert render_card(make_card(product_name="齿轮轴")).tobytes() != \
        render_card(make_card(product_name="法兰盘")).tobytes()


def test_per_operation_codes_fit_eight_operations():
    image = render_card(make_card(ops=8), per_operation_codes=True)
    op_codes = [code for code in image.info["codes"] if code.payload.count(":") == 2]
    assert [parse_payload(code.payload).operation_seq for code in op_codes] == \
        [10, 20, 30, 40, 50, 60, 70, 80]
    assert all(code.module_px >= 3 for code in op_codes)  # 0.25 mm modules at 300 dpi


def test_per_operation_code_reads_from_a_crop_of_its_row():
    image = render_card(make_card(ops=8), per_operation_codes=True)
    code = next(c for c in image.info["codes"] if c.payload.endswith(":30"))
    row = image.crop((0, code.box[1] - 20, image.width, code.box[3] + 20))
    texts = decode_texts(png_bytes(row)).texts
    assert [parse_payload(t) for t in texts] == [parse_payload("GD1:WO-000123:30")]


def test_too_many_operations_with_codes_are_cut_with_a_note():
    image = render_card(make_card(ops=20), per_operation_codes=True)
    op_codes = [code for code in image.info["codes"] if code.payload.count(":") == 2]
    assert 7 <= len(op_codes) < 20  # the last row says how many were left off
    assert all(code.module_px >= 3 for code in op_codes)  # never shrunk to unreadable


def test_pdf_has_one_page_per_card(tmp_path: Path):
    cards = [make_card(i) for i in range(1, 6)]
    [path] = write_cards(cards, tmp_path / "cards.pdf")
    data = path.read_bytes()
    assert data.startswith(b"%PDF-1.4") and data.rstrip().endswith(b"%%EOF")
    assert len(re.findall(rb"/Type /Page\b(?!s)", data)) == 5
    assert b"/Count 5" in data
    # Every cross-reference entry points at the object it names.
    xref_at = int(data[data.rindex(b"startxref") + 9:].split()[0])
    entries = data[xref_at:].split(b"\n")[3:]
    for number, entry in enumerate(entries[: data.count(b" 0 obj\n")], start=1):
        offset = int(entry.split()[0])
        assert data[offset:].startswith(b"%d 0 obj" % number)


def test_pdf_pages_are_written_as_the_cards_come(tmp_path: Path):
    path = tmp_path / "order.pdf"
    sizes: list[int] = []

    def cards() -> Iterator[Card]:
        for i in range(1, 5):
            if i > 1:
                sizes.append(path.stat().st_size)
            yield make_card(i)

    write_cards(cards(), path)
    # The file grew page by page while later cards were still unrendered.
    assert sizes == sorted(sizes) and sizes[0] > 10_000 and len(set(sizes)) == 3


def test_failed_pdf_leaves_no_partial_file(tmp_path: Path):
    def cards() -> Iterator[Card]:
        yield make_card(1)
        raise RuntimeError("database went away")

    with pytest.raises(RuntimeError):
        write_cards(cards(), tmp_path / "half.pdf")
    assert not (tmp_path / "half.pdf").exists()


def test_png_one_card_keeps_the_name(tmp_path: Path):
    paths = write_cards([make_card(7)], tmp_path / "card.png")
    assert paths == [tmp_path / "card.png"]
    with Image.open(paths[0]) as image:
        assert image.mode == "1" and round(image.info["dpi"][0]) == 300


def test_png_several_cards_get_one_file_each(tmp_path: Path):
    paths = write_cards((make_card(i) for i in (7, 8, 9)), tmp_path / "cards.png")
    assert [p.name for p in paths] == [
        "cards-WO-000007.png", "cards-WO-000008.png", "cards-WO-000009.png"]
    texts = decode_texts(paths[1].read_bytes()).texts
    assert parse_payload(texts[0]).work_order == "WO-000008"


def test_unknown_extension_is_refused(tmp_path: Path):
    with pytest.raises(ValueError, match=r"\.pdf or \.png"):
        write_cards([make_card()], tmp_path / "cards.jpg")


@pytest.mark.parametrize("name", ["none.pdf", "none.png"])
def test_no_cards_is_an_error_not_an_empty_file(tmp_path: Path, name: str):
    with pytest.raises(ValueError, match="no cards"):
        write_cards([], tmp_path / name)
    assert list(tmp_path.iterdir()) == []


# --- the factory tag 厂标 in every code ------------------------------------------------------


def tagged_card(number: int = 123, ops: int = 4, factory: str = "K7QF") -> Card:
    return dataclasses.replace(make_card(number, ops), factory=factory)


def test_tagged_card_codes_carry_the_factory_tag():
    image = render_card(tagged_card(123))
    kinds = {(code.kind, code.payload) for code in image.info["codes"]}
    assert kinds == {("qr", "GD1:K7QF/WO-000123"), ("code128", "GD1:K7QF/WO-000123")}
    code = parse_label(decode_texts(png_bytes(image)).texts[0])
    assert code == LabelCode("WO-000123") and code.factory == "K7QF"
    for printed in image.info["codes"]:  # both symbologies, each on its own
        crop = png_bytes(image.crop(printed.box))
        assert decode_with("pyzbar", crop, preprocess=False).texts == ("GD1:K7QF/WO-000123",)
        assert decode_with("zxing", crop, preprocess=False).texts == ("GD1:K7QF/WO-000123",)


def test_tagged_codes_stay_small_qr_versions():
    # Version 1 (21 modules, 29 with the quiet zone) for the card's own code and a rework card's;
    # version 2 (25, 33) at most for the longest per-operation code.
    assert qr_modules(format_payload("WO-999999", factory="K7QF")) == 29
    assert qr_modules(format_payload("RW-999999", factory="K7QF")) == 29
    assert qr_modules(format_payload("WO-999999", 9999, factory="K7QF")) == 33
    qr = render_card(tagged_card()).info["codes"][0]
    assert 28 <= (qr.box[2] - qr.box[0]) * 25.4 / 300 <= 31  # still about 30 mm


def test_tagged_code128_still_fits_the_card():
    for dpi in (300, 200):
        image = render_card(tagged_card(999_999), dpi=dpi)
        bars = next(code for code in image.info["codes"] if code.kind == "code128")
        assert bars.box[0] >= 0 and bars.box[2] <= image.width  # quiet zones on the card
        assert bars.module_px * 25.4 / dpi >= 0.38  # bars no thinner than 0.38 mm
    assert bars.box[2] - bars.box[0] >= 0.8 * image.width


def test_tagged_per_operation_codes_fit_and_read():
    image = render_card(tagged_card(ops=8), per_operation_codes=True)
    op_codes = [code for code in image.info["codes"] if code.payload.count(":") == 2]
    assert [parse_label(code.payload).operation_seq for code in op_codes] == \
        [10, 20, 30, 40, 50, 60, 70, 80]
    assert all(code.module_px >= 3 for code in op_codes)
    code = next(c for c in op_codes if c.payload.endswith(":30"))
    row = image.crop((0, code.box[1] - 20, image.width, code.box[3] + 20))
    assert decode_texts(png_bytes(row)).texts == ("GD1:K7QF/WO-000123:30",)


def pdf_pages(data: bytes) -> list[Image.Image]:
    """The page images of a PDF from write_cards, as a viewer gets them: each 1-bit
    DeviceGray image XObject, inflated (1 = white, as in Pillow's mode "1")."""
    pages = []
    for match in re.finditer(rb"/Width (\d+) /Height (\d+) .*?/Length (\d+) >>\nstream\n", data):
        width, height, length = (int(g) for g in match.groups())
        raw = zlib.decompress(data[match.end():match.end() + length])
        pages.append(Image.frombytes("1", (width, height), raw))
    return pages


def test_printed_pdf_and_png_decode_to_the_tagged_payload(tmp_path: Path):
    [pdf] = write_cards([tagged_card(1), tagged_card(2)], tmp_path / "cards.pdf")
    pages = pdf_pages(pdf.read_bytes())
    assert [decode_texts(png_bytes(page)).texts for page in pages] == [
        ("GD1:K7QF/WO-000001",), ("GD1:K7QF/WO-000002",)]
    [png] = write_cards([tagged_card(3)], tmp_path / "card.png")
    assert decode_texts(png.read_bytes()).texts == ("GD1:K7QF/WO-000003",)
