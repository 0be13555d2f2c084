"""Decoding label codes from photos: real cards, simulated phone photos, real decoders."""

from __future__ import annotations

import datetime
import io
import os
import random
import struct
import time
import zlib

import pytest
import qrcode
from PIL import Image, ImageDraw

from bot.barcode import (
    DecodeOutcome,
    decode_image,
    decode_texts,
    decode_with,
    estimate_angle,
    is_label_payload,
)
from bot.labels import Card, CardOperation, render_card
from bot.photo_sim import barcode_strip, phone_photo
from domain.payload import LabelCode, parse_payload


@pytest.fixture(scope="module")
def card_image() -> Image.Image:
    operations = [CardOperation(10, "SMT", "贴片 SMT", False),
                  CardOperation(20, "AOI", "光学检测 AOI", True),
                  CardOperation(30, "ASSY", "装配 Assembly", False)]
    card = Card("WO-000321", "SO-2025-0007", "深圳电子科技", "P-PCB-11", "控制板 Controller PCBA",
                500, datetime.date(2025, 6, 30), 1, operations)
    return render_card(card)


def png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def png_header_only(width: int, height: int) -> bytes:
    """A tiny PNG that declares a huge image: what a decompression bomb looks like."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + data))
        return struct.pack(">I", len(data)) + kind + data + crc

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(b"\0" * 1024)) + chunk(b"IEND", b""))


@pytest.mark.parametrize("difficulty", ["easy", "normal"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_phone_photo_of_a_card_decodes_to_its_work_order(card_image, difficulty, seed):
    photo = phone_photo(card_image, seed, difficulty)
    with Image.open(io.BytesIO(photo)) as delivered:  # as Telegram delivers it
        assert delivered.format == "JPEG" and max(delivered.size) in (800, 1280)

    outcome = decode_texts(photo)

    assert outcome.error is None
    assert [parse_payload(t) for t in outcome.texts] == [LabelCode("WO-000321")]


@pytest.mark.parametrize("seed", [2, 5])
def test_close_up_of_the_code128_alone_decodes(card_image, seed):
    # Tilted well past what a scanline tolerates: read after deskewing.
    photo = phone_photo(barcode_strip(card_image, random.Random(seed)), seed, "closeup")
    outcome = decode_texts(photo)
    assert outcome.texts == ("GD1:WO-000321",)
    assert outcome.stage == "deskewed"


async def test_decode_image_runs_in_a_thread(card_image):
    outcome = await decode_image(phone_photo(card_image, 0, "easy"))
    assert isinstance(outcome, DecodeOutcome)
    assert outcome.texts == ("GD1:WO-000321",) and outcome.elapsed_ms > 0


def test_photos_are_deterministic(card_image):
    assert phone_photo(card_image, 7, "hard") == phone_photo(card_image, 7, "hard")
    assert phone_photo(card_image, 7, "hard") != phone_photo(card_image, 8, "hard")


def test_blank_images_give_no_texts_and_no_error():
    blank = Image.new("1", (1240, 1748), 1)
    for data in (png(Image.new("L", (800, 600), 255)), phone_photo(blank, 3, "normal")):
        outcome = decode_texts(data)
        assert outcome == DecodeOutcome((), None, outcome.elapsed_ms, None)


def test_random_bytes_are_not_an_image():
    outcome = decode_texts(os.urandom(50_000))
    assert outcome.texts == () and outcome.error == "not_image"
    assert decode_texts(b"").error == "not_image"


def test_truncated_jpeg_is_not_an_image(card_image):
    photo = phone_photo(card_image, 0, "easy")
    assert decode_texts(photo[: len(photo) // 2]).error == "not_image"


@pytest.mark.parametrize("size", [(30_000, 30_000), (8_000, 6_000)])
def test_decompression_bomb_is_refused_before_decoding(size):
    started = time.perf_counter()
    outcome = decode_texts(png_header_only(*size))
    assert outcome.error == "too_large" and outcome.texts == ()
    assert time.perf_counter() - started < 0.5


def test_foreign_code_is_returned_but_is_not_a_label():
    image = qrcode.make("https://example.com/x", box_size=8).get_image().convert("L")
    outcome = decode_texts(png(image))
    assert outcome.texts == ("https://example.com/x",)
    assert outcome.stage is None  # no stage found a label, so the whole chain ran
    assert not is_label_payload(outcome.texts[0])
    # Without a label check the first text ends the search.
    assert decode_texts(png(image), accept=None).stage == "zxing raw"


def test_each_decoder_alone_reads_a_clean_card(card_image):
    data = png(card_image)
    assert decode_with("zxing", data, preprocess=False).texts == ("GD1:WO-000321",)
    assert decode_with("pyzbar", data).texts == ("GD1:WO-000321",)
    with pytest.raises(ValueError):
        decode_with("tesseract", data)  # type: ignore[arg-type]


@pytest.mark.parametrize("angle", [-25.0, -12.0, 7.0, 18.0])
def test_estimate_angle_finds_the_bars(angle):
    stripes = Image.new("L", (500, 400), 255)
    draw = ImageDraw.Draw(stripes)
    for x in range(60, 440, 12):
        draw.rectangle((x, 80, x + 5, 320), fill=0)
    turned = stripes.rotate(angle, Image.Resampling.BICUBIC, fillcolor=255)
    # Within 2 degrees: a scanline tolerates several, so the decoders need no better.
    assert estimate_angle(turned) == pytest.approx(angle, abs=2.0)
    assert estimate_angle(Image.new("L", (300, 300), 200)) is None
