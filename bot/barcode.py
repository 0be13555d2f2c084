"""Reading label codes (QR and Code128) from photos.

zxing-cpp goes first: several times faster than zbar and better on QR codes; zbar (pyzbar) is
the better fallback for small Code128. The chain below tries cheap readings first and stops
at the first stage that finds a label, so an ordinary photo costs one decoder pass:

    zxing raw -> zxing at 1.5x and thresholded -> deskewed to the estimated bar angle (zxing
    and zbar) -> zxing on a 2x upscale with unsharp mask -> zbar raw -> zbar on that upscale

Both decoders are restricted to QR and Code128, which cuts both time and false reads. What
comes back is raw text: the caller must still validate it with `domain.payload.parse_label`.
A code that fails every stage is usually not in the pixels (QR modules under ~2.5 px), so the
right answer to the user is "move closer, or send it as a file", not another try.
"""

from __future__ import annotations

import asyncio
import functools
import io
import logging
import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Literal

import zxingcpp
from PIL import Image, ImageFilter, ImageMath, ImageOps, UnidentifiedImageError
from pyzbar import pyzbar

from domain.errors import DomainError
from domain.payload import parse_label

log = logging.getLogger(__name__)

MAX_PIXELS = 40_000_000  # refuse before decoding: a 40 MP greyscale page is already 40 MB
WORK_SIDE = 1600  # first tries run at most at this size; detail beyond it rarely helps a QR
MIN_DESKEW_DEG = 3.0  # below this both decoders cope with the tilt themselves
# Formats a phone or a scanner plausibly sends; anything else is not worth a parser.
IMAGE_FORMATS = ("JPEG", "PNG", "WEBP", "BMP", "GIF", "TIFF")

Decoder = Literal["zxing", "pyzbar"]
Accept = Callable[[str], bool]


@dataclass(frozen=True)
class DecodeOutcome:
    texts: tuple[str, ...]  # distinct decoded texts, in the order found
    error: str | None  # None, "not_image" or "too_large"
    elapsed_ms: float
    stage: str | None = None  # the stage that found an accepted text, for logs and benchmarks


def is_label_payload(text: str) -> bool:
    """A work order's or a rework task's printed payload."""
    try:
        parse_label(text)
    except DomainError:
        return False
    return True


# --- the source image -----------------------------------------------------------------------


@dataclass
class _Source:
    full: Image.Image  # greyscale at the delivered resolution
    work: Image.Image  # greyscale, longest side at most WORK_SIDE

    @functools.cached_property
    def deskewed(self) -> Image.Image | None:
        """`work` turned so the card's lines, and so the bars, run square to the frame.

        A Code128 is read along scanlines: tilted by more than ~8 degrees, no row of pixels
        crosses all of its bars. None when the image is straight enough already.
        """
        angle = estimate_angle(self.work)
        if angle is None or abs(angle) < MIN_DESKEW_DEG:
            return None
        return self.work.rotate(-angle, Image.Resampling.BICUBIC, expand=True, fillcolor=255)

    @functools.cached_property
    def enlarged(self) -> Image.Image:
        """Twice the size with an unsharp mask, upright when a tilt was found: more pixels per
        bar for the scanlines, edges steepened after the blur of focus and JPEG."""
        if self.deskewed is not None:
            base, size = self.deskewed, (2 * self.deskewed.width, 2 * self.deskewed.height)
        else:
            base, size = self.full, (2 * self.work.width, 2 * self.work.height)
        big = base.resize(size, Image.Resampling.BICUBIC)
        return big.filter(ImageFilter.UnsharpMask(radius=2, percent=150, threshold=2))


def _load(data: bytes) -> _Source | str:
    """The image as greyscale, or the error code when it cannot or must not be decoded."""
    try:
        image = Image.open(io.BytesIO(data), formats=IMAGE_FORMATS)
        if image.width * image.height > MAX_PIXELS:
            return "too_large"  # checked on the header, before any pixel is decoded
        if image.format == "JPEG":
            image.draft("L", image.size)  # decode luminance only: faster, a third of the memory
        full = _grey(image)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        return "too_large"
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError):
        return "not_image"  # not an image, truncated, or corrupt
    work = full
    if max(full.size) > WORK_SIDE:
        work = full.copy()
        work.thumbnail((WORK_SIDE, WORK_SIDE), Image.Resampling.BILINEAR, reducing_gap=2.0)
    return _Source(full, work)


def _grey(image: Image.Image) -> Image.Image:
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        # Transparent pixels are often black underneath: a screenshot's code would vanish.
        rgba = image.convert("RGBA")
        image = Image.alpha_composite(Image.new("RGBA", rgba.size, "white"), rgba)
    return image.convert("L")


# --- decoders -------------------------------------------------------------------------------

_ZXING_FORMATS = (zxingcpp.BarcodeFormat.QRCode, zxingcpp.BarcodeFormat.Code128)
_ZBAR_SYMBOLS = [pyzbar.ZBarSymbol.QRCODE, pyzbar.ZBarSymbol.CODE128]


def _zxing(image: Image.Image) -> list[str]:
    try:
        found = zxingcpp.read_barcodes(image, formats=_ZXING_FORMATS, try_rotate=True,
                                       try_downscale=True)
    except Exception:  # a decoder bug must not take the photo handler down
        log.exception("zxing-cpp failed on a %sx%s image", *image.size)
        return []
    return [_text(r.bytes) or r.text for r in found if r.valid]


def _zbar(image: Image.Image) -> list[str]:
    try:
        found = pyzbar.decode(image, symbols=_ZBAR_SYMBOLS)
    except Exception:
        log.exception("zbar failed on a %sx%s image", *image.size)
        return []
    return [_text(r.data) for r in found]


def _text(raw: bytes) -> str:
    return raw.decode("utf-8", errors="replace")


_DECODERS: dict[str, Callable[[Image.Image], list[str]]] = {"zxing": _zxing, "pyzbar": _zbar}


# --- views: the preprocessed images a stage decodes -----------------------------------------


def _raw(src: _Source) -> Iterator[Image.Image]:
    yield src.work


def _rescaled(src: _Source) -> Iterator[Image.Image]:
    """1.5x gives small QR modules more pixels; a global threshold helps under uneven light."""
    w, h = src.work.size
    yield src.full.resize((w * 3 // 2, h * 3 // 2), Image.Resampling.BICUBIC)
    yield ImageOps.autocontrast(src.work, cutoff=1).point(lambda v: 255 if v >= 128 else 0)


def _deskewed(src: _Source) -> Iterator[Image.Image]:
    if src.deskewed is not None:
        yield src.deskewed
        # Half size averages away the sensor noise that breaks zbar's edges on big bars.
        yield src.deskewed.reduce(2)


def _upscaled(src: _Source) -> Iterator[Image.Image]:
    yield src.enlarged


def estimate_angle(image: Image.Image) -> float | None:
    """Dominant line orientation in degrees (-45..45], or None when there is none.

    Averages the gradient direction at four times its angle, so that lines at right angles
    (a card's text rows and table columns, the bars of a code) reinforce instead of cancel.
    Each pixel weighs by its squared gradient energy: sharp edges such as bars decide, and
    the faint, direction-quantised gradients of sensor noise on the desk do not.
    """
    small = image.copy()
    small.thumbnail((512, 512), Image.Resampling.BILINEAR)
    if min(small.size) < 16:
        return None

    def gradient(weights: list[int]) -> Image.Image:
        g = small.filter(ImageFilter.Kernel((3, 3), weights, scale=8, offset=128))
        # Pillow leaves the outermost pixels unfiltered: grey levels there would read as
        # strong 45-degree gradients, so they are cut off.
        return g.crop((1, 1, g.width - 1, g.height - 1)).convert("F")

    gx = gradient([-1, 0, 1, -2, 0, 2, -1, 0, 1])
    gy = gradient([-1, -2, -1, 0, 0, 0, 1, 2, 1])

    def centred(a: dict) -> tuple:
        return a["gx"] - 128, a["gy"] - 128

    def weight(a: dict):  # squared energy: sharp edges decide
        x, y = centred(a)
        return (x * x + y * y) * (x * x + y * y)

    def cos4(a: dict):  # energy squared times cos and sin of four times the angle
        x, y = centred(a)
        return (x * x - y * y) * (x * x - y * y) - (x * y * 2) * (x * y * 2)

    def sin4(a: dict):
        x, y = centred(a)
        return (x * x - y * y) * (x * y * 2) * 2

    def mean(expression: Callable[[dict], object]) -> float:
        plane = ImageMath.lambda_eval(expression, gx=gx, gy=gy)
        return plane.resize((1, 1), Image.Resampling.BOX).getpixel((0, 0))

    total, c, s = mean(weight), mean(cos4), mean(sin4)
    if total <= 0 or math.hypot(c, s) / total < 0.1:
        return None  # no dominant direction: nothing to straighten
    return math.degrees(math.atan2(s, c)) / 4


# --- the chain ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Stage:
    name: str
    views: Callable[[_Source], Iterator[Image.Image]]
    decoders: tuple[Decoder, ...]


# Cheapest and most productive first; an ordinary photo never gets past the first stage.
CHAIN: list[Stage] = [
    Stage("zxing raw", _raw, ("zxing",)),
    Stage("zxing rescaled", _rescaled, ("zxing",)),
    Stage("deskewed", _deskewed, ("zxing", "pyzbar")),
    Stage("zxing upscaled", _upscaled, ("zxing",)),
    Stage("pyzbar raw", _raw, ("pyzbar",)),
    Stage("pyzbar upscaled", _upscaled, ("pyzbar",)),
]


def decode_texts(data: bytes, accept: Accept | None = is_label_payload) -> DecodeOutcome:
    """Decode every QR / Code128 text in an image, trying harder stage by stage.

    The chain stops at the first stage that finds a text `accept` approves (by default a
    well-formed label payload, so a foreign code on the photo does not end the search early;
    None stops at any text). All distinct texts seen are returned either way.
    """
    return _run(data, CHAIN, accept)


async def decode_image(data: bytes, accept: Accept | None = is_label_payload) -> DecodeOutcome:
    """`decode_texts` in a worker thread: both decoders release the GIL."""
    return await asyncio.to_thread(decode_texts, data, accept)


def decode_with(decoder: Decoder, data: bytes, *, preprocess: bool = True,
                accept: Accept | None = is_label_payload) -> DecodeOutcome:
    """One decoder alone, for comparison: through every preprocessing view of the chain, or
    (preprocess=False) only on the image as delivered."""
    if decoder not in _DECODERS:
        raise ValueError(f"unknown decoder {decoder!r}: use 'zxing' or 'pyzbar'")
    views: list[Callable[[_Source], Iterator[Image.Image]]] = []
    for stage in CHAIN if preprocess else CHAIN[:1]:
        if stage.views not in views:
            views.append(stage.views)
    plan = [Stage(f"{decoder} {v.__name__.strip('_')}", v, (decoder,)) for v in views]
    return _run(data, plan, accept)


def _run(data: bytes, plan: list[Stage], accept: Accept | None) -> DecodeOutcome:
    started = time.perf_counter()

    def done(texts: list[str], error: str | None = None, stage: str | None = None) -> DecodeOutcome:
        return DecodeOutcome(tuple(texts), error, (time.perf_counter() - started) * 1000, stage)

    src = _load(data)
    if isinstance(src, str):
        return done([], src)
    texts: list[str] = []
    for stage in plan:
        for image in stage.views(src):
            for decoder in stage.decoders:
                for text in _DECODERS[decoder](image):
                    if text and text not in texts:
                        texts.append(text)
                if any(accept is None or accept(t) for t in texts):
                    return done(texts, stage=stage.name)
    return done(texts)
