"""Synthetic phone photos of travel cards, as Telegram delivers them.

Used by the demo, the tests and the decoding benchmark. A photo puts the card on a desk,
tilts it in perspective, turns it, lights it unevenly, adds a glare spot, blur and sensor
noise, and re-encodes it the way Telegram does (longest side 1280 or 800 px, JPEG ~80-87).
Everything is drawn from `random.Random(seed)`, so a seed always gives the same bytes.
"""

from __future__ import annotations

import datetime
import io
import math
import random
from dataclasses import dataclass
from statistics import NormalDist

from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageOps

from bot.barcode import decode_with
from bot.labels import Card, CardOperation, CodeBox, render_card
from domain.payload import work_order_code

Quad = list[tuple[float, float]]


@dataclass(frozen=True)
class _Style:
    """Ranges the random scene is drawn from, per difficulty."""

    long_sides: tuple[int, ...]  # Telegram's photo sizes
    fill: tuple[float, float]  # card size relative to the frame
    view_deg: tuple[float, float]  # angle between the lens axis and the card's normal
    tilt_deg: float  # in-plane rotation, either way
    quarter_turn: float  # chance the card lies sideways or upside down
    blur: tuple[float, float]  # Gaussian radius, px
    shake: tuple[float, int]  # chance of a hand shake, and its length in px (3 or 5)
    noise: tuple[float, float]  # sensor noise sigma, grey levels
    light: tuple[float, float]  # overall exposure
    glare: tuple[float, float]  # peak brightness added by the glare spot
    glare_on_code: float  # chance the glare spot is aimed at the code


# easy: the card fills the frame. normal: the everyday photo. closeup: for a strip cut from
# the card (barcode_strip), the Code128 alone. hard: far, steep, shaken, dim, glare on the code.
STYLES = {
    "easy": _Style(long_sides=(1280,), fill=(0.7, 0.9), view_deg=(0, 15), tilt_deg=5,
                   quarter_turn=0.1, blur=(0.2, 0.7), shake=(0.0, 3), noise=(2, 4),
                   light=(0.85, 1.05), glare=(0, 60), glare_on_code=0.0),
    "normal": _Style(long_sides=(1280, 1280, 1280, 800), fill=(0.55, 0.9), view_deg=(5, 30),
                     tilt_deg=15, quarter_turn=0.25, blur=(0.5, 1.3), shake=(0.15, 3), noise=(3, 7),
                     light=(0.5, 1.0), glare=(40, 150), glare_on_code=0.25),
    "closeup": _Style(long_sides=(1280, 1280, 800), fill=(0.7, 0.95), view_deg=(0, 25),
                      tilt_deg=20, quarter_turn=0.25, blur=(0.5, 1.3), shake=(0.15, 3),
                      noise=(3, 7), light=(0.5, 1.0), glare=(40, 150), glare_on_code=0.25),
    "hard": _Style(long_sides=(1280, 1280, 800), fill=(0.35, 0.65), view_deg=(15, 45),
                   tilt_deg=30, quarter_turn=0.3, blur=(0.8, 1.7), shake=(0.3, 5), noise=(4, 9),
                   light=(0.3, 0.65), glare=(100, 220), glare_on_code=0.5),
}
FIELD_OF_VIEW_DEG = 66.0  # a phone's main camera, across the long side


@dataclass(frozen=True)
class PhotoInfo:
    """What the simulator knows about the main code of a photo it made: the card's QR, or
    the Code128 of a close-up."""

    module_px: float  # size of the code's narrowest module in the delivered JPEG
    in_frame: bool
    glare: float  # glare brightness added at the code, 0-255
    blur_px: float  # Gaussian radius of focus blur and shake together
    exposure: float
    corners: tuple[tuple[float, float], ...] = ()  # the code with its quiet zone, in the frame
    card_size: tuple[int, int] = (0, 0)  # the same box on the card, in card pixels


@dataclass(frozen=True)
class CorpusItem:
    name: str
    jpeg: bytes
    expected: str | None  # the payload the photo carries, None for photos without a code
    readable: bool  # carries a code that is still in the pixels (see in_the_pixels)
    difficulty: str  # easy | normal | hard | closeup (Code128 only) | none
    info: PhotoInfo | None = None


def phone_photo(card_image: Image.Image, seed: int, difficulty: str = "normal") -> bytes:
    """JPEG bytes of a simulated phone photo of `card_image` (a card from render_card, or any
    part of one); `difficulty` is one of STYLES: easy, normal, hard, closeup."""
    return _photo(card_image, seed, difficulty)[0]


# --- the scene ------------------------------------------------------------------------------


def _photo(card_image: Image.Image, seed: int, difficulty: str) -> tuple[bytes, PhotoInfo]:
    if difficulty not in STYLES:
        raise ValueError(f"difficulty must be one of {', '.join(STYLES)}: {difficulty!r}")
    style = STYLES[difficulty]
    rng = random.Random(f"{difficulty}:{seed}")

    long_side = rng.choice(style.long_sides)
    short_side = long_side * 3 // 4
    frame = (long_side, short_side) if rng.random() < 0.5 else (short_side, long_side)
    turns = rng.choice((1, 2, 3)) if rng.random() < style.quarter_turn else 0

    quad, scale = _placement(card_image.size, frame, turns, style, rng)
    size = (max(1, round(card_image.width * scale)), max(1, round(card_image.height * scale)))
    sheet = _paper(card_image.convert("L").resize(size, Image.Resampling.LANCZOS), rng)
    to_sheet = _homography(quad, _corners(sheet.size))  # frame -> sheet, what PIL wants
    photo = _desk(frame, rng)
    flat = sheet.transform(frame, Image.Transform.PERSPECTIVE, to_sheet, Image.Resampling.BICUBIC)
    mask = Image.new("L", sheet.size, 255).transform(frame, Image.Transform.PERSPECTIVE, to_sheet,
                                                     Image.Resampling.BILINEAR)
    photo = _with_shadow(photo, mask, rng)
    photo.paste(flat, (0, 0), mask)

    code_quad = _code_quad(card_image, quad, sheet.size)
    photo, exposure = _lighting(photo, rng, style)
    photo, glare = _glare(photo, rng, style, code_quad)
    photo, blur = _optics(photo, rng, style)
    photo = _sensor_noise(photo, rng, style)

    out = io.BytesIO()
    photo.save(out, "JPEG", quality=rng.randint(80, 87), subsampling=2)
    return out.getvalue(), _info(card_image, code_quad, frame, glare, blur, exposure)


def _paper(grey: Image.Image, rng: random.Random) -> Image.Image:
    """The printed card in colour: slightly tinted paper, toner that is not quite black."""
    level = rng.randint(228, 252)
    white = (level, level - rng.randint(0, 4), level - rng.randint(2, 12))
    ink = tuple([rng.randint(15, 45)] * 3)
    return ImageOps.colorize(grey, black=ink, white=white)


def _corners(size: tuple[int, int]) -> Quad:
    w, h = size
    return [(0, 0), (w, 0), (w, h), (0, h)]


def _placement(
    size: tuple[int, int], frame: tuple[int, int], turns: int, style: _Style, rng: random.Random
) -> tuple[Quad, float]:
    """Where the sheet's corners land in the frame, and the scale to pre-shrink it to.

    A pinhole camera looks at the card from `view_deg` off its normal, so the perspective is
    one a phone can produce: stronger for close-ups, never a shear no lens makes.
    """
    w, h = size
    fw, fh = frame
    focal = max(fw, fh) / (2 * math.tan(math.radians(FIELD_OF_VIEW_DEG / 2)))
    turn = math.radians(90 * turns + rng.uniform(-style.tilt_deg, style.tilt_deg))
    view = math.radians(rng.uniform(*style.view_deg))
    axis = rng.uniform(0, 2 * math.pi)  # the direction the phone leans
    card = [_tilted(_turned((x - w / 2, y - h / 2), turn), axis, view) for x, y in _corners(size)]

    fill = rng.uniform(*style.fill)
    distance = focal * max(w, h) / (fill * min(fw, fh))
    for _ in range(3):  # the projected size depends on the distance: settle it
        quad = [(focal * x / (z + distance), focal * y / (z + distance)) for x, y, z in card]
        xs, ys = [p[0] for p in quad], [p[1] for p in quad]
        ratio = max((max(xs) - min(xs)) / fw, (max(ys) - min(ys)) / fh)
        distance *= ratio / fill
    quad = [(focal * x / (z + distance), focal * y / (z + distance)) for x, y, z in card]
    xs, ys = [p[0] for p in quad], [p[1] for p in quad]
    span_x, span_y = max(xs) - min(xs), max(ys) - min(ys)
    # People aim at the card: it sits near the middle, a little off at random.
    left = (fw - span_x) / 2 + rng.uniform(-0.4, 0.4) * abs(fw - span_x) - min(xs)
    top = (fh - span_y) / 2 + rng.uniform(-0.4, 0.4) * abs(fh - span_y) - min(ys)
    return [(x + left, y + top) for x, y in quad], focal / distance


def _turned(p: tuple[float, float], angle: float) -> tuple[float, float]:
    c, s = math.cos(angle), math.sin(angle)
    return p[0] * c - p[1] * s, p[0] * s + p[1] * c


def _tilted(p: tuple[float, float], axis: float, angle: float) -> tuple[float, float, float]:
    """Rotate a point of the card plane by `angle` about the in-plane direction `axis`."""
    ux, uy = math.cos(axis), math.sin(axis)
    x, y = p
    c, s = math.cos(angle), math.sin(angle)
    along = (x * ux + y * uy) * (1 - c)
    return x * c + ux * along, y * c + uy * along, (ux * y - uy * x) * s


def _homography(src: Quad, dst: Quad) -> tuple[float, ...]:
    """The 8 perspective coefficients mapping points of `src` onto `dst`."""
    rows, rhs = [], []
    for (x, y), (u, v) in zip(src, dst, strict=True):
        rows.append([x, y, 1, 0, 0, 0, -x * u, -y * u])
        rhs.append(u)
        rows.append([0, 0, 0, x, y, 1, -x * v, -y * v])
        rhs.append(v)
    return tuple(_solve(rows, rhs))


def _solve(a: list[list[float]], b: list[float]) -> list[float]:
    """Gaussian elimination with partial pivoting (8x8: no need for numpy)."""
    n = len(b)
    m = [row[:] + [b[i]] for i, row in enumerate(a)]
    for col in range(n):
        pivot = max(range(col, n), key=lambda r: abs(m[r][col]))
        m[col], m[pivot] = m[pivot], m[col]
        for r in range(n):
            if r != col:
                f = m[r][col] / m[col][col]
                m[r] = [x - f * y for x, y in zip(m[r], m[col], strict=True)]
    return [m[i][n] / m[i][i] for i in range(n)]


def _apply(h: tuple[float, ...], x: float, y: float) -> tuple[float, float]:
    a, b, c, d, e, f, g, k = h
    z = g * x + k * y + 1
    return (a * x + b * y + c) / z, (d * x + e * y + f) / z


# --- the desk and the light -----------------------------------------------------------------

_DESKS = [
    ((150, 105, 70), 18, "grain"),  # wooden bench
    ((120, 124, 128), 10, None),  # steel table
    ((40, 95, 70), 8, "grid"),  # green cutting mat
    ((35, 40, 60), 8, None),  # blue ESD mat
    ((205, 200, 190), 8, None),  # pale desk: little contrast with the paper
    ((170, 150, 120), 14, "grain"),  # cardboard
]


def _desk(frame: tuple[int, int], rng: random.Random) -> Image.Image:
    base, blotch, pattern = rng.choice(_DESKS)
    base = tuple(max(0, min(255, c + rng.randint(-15, 15))) for c in base)
    desk = Image.new("RGB", frame, base)
    # Low-frequency blotches: random values on a coarse grid, smoothly enlarged.
    coarse = _uniform_noise((max(2, frame[0] // 64), max(2, frame[1] // 64)), rng)
    smooth = coarse.resize((max(2, frame[0] // 8), max(2, frame[1] // 8)), Image.Resampling.BICUBIC)
    blotches = smooth.filter(ImageFilter.GaussianBlur(3)).resize(frame, Image.Resampling.BILINEAR)
    blotches = blotches.point(lambda v: 128 + (v - 128) * blotch // 32)
    desk = ImageChops.add(desk, Image.merge("RGB", [blotches] * 3), offset=-128)
    draw = ImageDraw.Draw(desk)
    if pattern == "grain":
        for _ in range(rng.randint(30, 60)):
            y = rng.uniform(0, frame[1])
            shade = tuple(max(0, c - rng.randint(10, 35)) for c in base)
            draw.line((0, y, frame[0], y + rng.uniform(-40, 40)), fill=shade,
                      width=rng.randint(1, 3))
    elif pattern == "grid":
        step = rng.randint(30, 45)
        line = tuple(min(255, c + 60) for c in base)
        for x in range(0, frame[0], step):
            draw.line((x, 0, x, frame[1]), fill=line)
        for y in range(0, frame[1], step):
            draw.line((0, y, frame[0], y), fill=line)
    for _ in range(rng.randint(0, 3)):  # clutter: a tool, a part, a cup
        x, y = rng.uniform(0, frame[0]), rng.uniform(0, frame[1])
        r = rng.uniform(20, 90)
        colour = tuple(rng.randint(0, 255) for _ in range(3))
        if rng.random() < 0.5:
            draw.ellipse((x - r, y - r, x + r, y + r), fill=colour)
        else:
            draw.rectangle((x - r, y - r / 3, x + r, y + r / 3), fill=colour)
    return desk


def _with_shadow(photo: Image.Image, mask: Image.Image, rng: random.Random) -> Image.Image:
    dx, dy = rng.randint(-12, 12), rng.randint(2, 16)
    shadow = ImageChops.offset(mask, dx, dy).filter(ImageFilter.GaussianBlur(rng.uniform(6, 14)))
    shade = shadow.point(lambda v: 255 - v * 90 // 255)
    return ImageChops.multiply(photo, Image.merge("RGB", [shade] * 3))


def _lighting(photo: Image.Image, rng: random.Random, style: _Style) -> tuple[Image.Image, float]:
    """Uneven light falling off across the frame, a colour cast, and the overall exposure."""
    exposure = rng.uniform(*style.light)
    falloff = rng.uniform(0.15, 0.45)
    # Rotate a ramp and keep its middle, which the rotation always covers.
    ramp = Image.linear_gradient("L").rotate(rng.uniform(0, 360), Image.Resampling.BILINEAR)
    ramp = ramp.crop((38, 38, 218, 218)).resize(photo.size, Image.Resampling.BILINEAR)
    cast = (rng.uniform(0.92, 1.05), 1.0, rng.uniform(0.85, 1.05))  # tungsten or daylight
    bands = []
    for gain in cast:
        lo, hi = exposure * gain * (1 - falloff), exposure * gain
        lut = [min(255, int(255 * (lo + (hi - lo) * v / 255))) for v in range(256)]
        bands.append(ramp.point(lut))
    return ImageChops.multiply(photo, Image.merge("RGB", bands)), exposure


def _glare(
    photo: Image.Image, rng: random.Random, style: _Style, code_quad: Quad
) -> tuple[Image.Image, float]:
    """A bright spot, as from a ceiling lamp on glossy paper; returns its strength at the code."""
    strength = rng.uniform(*style.glare)
    if strength < 5:
        return photo, 0.0
    w, h = photo.size
    radius = rng.uniform(0.06, 0.16) * max(w, h)
    if rng.random() < style.glare_on_code:
        cx, cy = _centre(code_quad)
        cx, cy = cx + rng.uniform(-0.5, 0.5) * radius, cy + rng.uniform(-0.5, 0.5) * radius
    else:
        cx, cy = rng.uniform(0, w), rng.uniform(0, h)
    aspect = rng.uniform(0.5, 1.0)
    blob = ImageOps.invert(Image.radial_gradient("L"))  # 255 in the centre, 0 at radius 128
    blob = blob.point(lambda v: int(strength * min(1.0, 1.3 * (v / 255) ** 3)))  # a flat hot core
    size = (max(1, int(2 * radius)), max(1, int(2 * radius * aspect)))
    blob = blob.resize(size, Image.Resampling.BILINEAR)
    layer = Image.new("L", photo.size, 0)
    layer.paste(blob, (int(cx - size[0] / 2), int(cy - size[1] / 2)))
    photo = ImageChops.add(photo, Image.merge("RGB", [layer] * 3))
    qx, qy = _centre(code_quad)
    at_code = layer.getpixel((int(min(max(qx, 0), w - 1)), int(min(max(qy, 0), h - 1))))
    return photo, float(at_code)


def _optics(photo: Image.Image, rng: random.Random, style: _Style) -> tuple[Image.Image, float]:
    """Focus blur, sometimes a short shake, and the phone's own sharpening."""
    blur = rng.uniform(*style.blur)
    photo = photo.filter(ImageFilter.GaussianBlur(blur))
    chance, length = style.shake
    if rng.random() < chance:
        photo = photo.filter(_shake_kernel(length, rng.randrange(4)))
        blur = math.hypot(blur, length / math.sqrt(12))  # a box of that length, as a Gaussian
    if rng.random() < 0.5:
        sharpen = ImageFilter.UnsharpMask(radius=2, percent=rng.randint(40, 90), threshold=2)
        photo = photo.filter(sharpen)
    return photo, blur


def _shake_kernel(length: int, direction: int) -> ImageFilter.Kernel:
    """A straight smear of `length` px: horizontal, vertical or along a diagonal."""
    k = [0.0] * length * length
    mid = length // 2
    for i in range(length):
        r, c = [(mid, i), (i, mid), (i, i), (i, length - 1 - i)][direction]
        k[r * length + c] = 1.0
    return ImageFilter.Kernel((length, length), k, scale=length)


def _sensor_noise(photo: Image.Image, rng: random.Random, style: _Style) -> Image.Image:
    sigma = rng.uniform(*style.noise)
    luma = _gaussian_noise(photo.size, sigma, rng)
    chroma = _gaussian_noise(photo.size, sigma / 2, rng)
    red = ImageChops.add(luma, chroma, offset=-128)  # some colour noise, as small sensors make
    return ImageChops.add(photo, Image.merge("RGB", [red, luma, luma]), offset=-128)


def _uniform_noise(size: tuple[int, int], rng: random.Random) -> Image.Image:
    return Image.frombytes("L", size, rng.randbytes(size[0] * size[1]))


def _gaussian_noise(size: tuple[int, int], sigma: float, rng: random.Random) -> Image.Image:
    """Noise centred on 128: uniform bytes shaped through the inverse normal CDF."""
    nd = NormalDist(128, max(sigma, 0.01))
    lut = [max(0, min(255, round(nd.inv_cdf((i + 0.5) / 256)))) for i in range(256)]
    return _uniform_noise(size, rng).point(lut)


# --- what the simulator knows ---------------------------------------------------------------


def _main_code(card_image: Image.Image) -> CodeBox | None:
    codes = card_image.info.get("codes", [])
    return codes[0] if codes else None


def _code_quad(card_image: Image.Image, quad: Quad, sheet_size: tuple[int, int]) -> Quad:
    """Where the card's main code ended up in the frame."""
    code = _main_code(card_image)
    if code is None:
        return []
    to_frame = _homography(_corners(sheet_size), quad)
    sx, sy = sheet_size[0] / card_image.width, sheet_size[1] / card_image.height
    left, top, right, bottom = code.box
    return [_apply(to_frame, x * sx, y * sy) for x, y in
            [(left, top), (right, top), (right, bottom), (left, bottom)]]


def _centre(quad: Quad) -> tuple[float, float]:
    if not quad:
        return 0.0, 0.0
    return sum(p[0] for p in quad) / len(quad), sum(p[1] for p in quad) / len(quad)


def _info(card_image: Image.Image, code_quad: Quad, frame: tuple[int, int], glare: float,
          blur: float, exposure: float) -> PhotoInfo:
    code = _main_code(card_image)
    if code is None or not code_quad:
        return PhotoInfo(0.0, False, glare, blur, exposure)
    left, top, right, bottom = code.box
    edges = [right - left, bottom - top] * 2
    scale = min(math.dist(code_quad[i], code_quad[(i + 1) % 4]) / edges[i] for i in range(4))
    inside = all(0 <= x < frame[0] and 0 <= y < frame[1] for x, y in code_quad)
    return PhotoInfo(scale * code.module_px, inside, glare, blur, exposure, tuple(code_quad),
                     (right - left, bottom - top))


# --- a corpus for tests and the benchmark ---------------------------------------------------

_PRODUCTS = [
    ("P-GEAR-40", "齿轮轴 Gear shaft 40T"),
    ("P-BRK-02", "支架 Bracket, zinc plated"),
    ("P-HSG-7", "注塑外壳 Housing ABS black"),
    ("P-PCB-11", "控制板 Controller PCBA v1.1"),
    ("P-SHIRT-M", "男士衬衫 Men's shirt M"),
    ("P-FLG-80", "法兰盘 Flange DN80"),
    ("P-VLV-15", "Valve body 15 mm"),
    ("P-CBL-3", "线束 Cable harness 3 m"),
]
_CUSTOMERS = [
    "宁波精密机械有限公司", "ACME Tools Ltd", "深圳电子科技", "Hansa Möbel GmbH", "苏州服装厂",
]
_OPERATIONS = [
    ("CUT", "下料 Cutting"), ("TURN", "车削 Turning"), ("MILL", "铣削 Milling"),
    ("DRILL", "钻孔 Drilling"), ("HEAT", "热处理 Heat treat"), ("GRIND", "磨削 Grinding"),
    ("PAINT", "喷涂 Painting"), ("ASSY", "装配 Assembly"), ("SEW", "缝制 Sewing"),
    ("FQC", "终检 Final inspection"),
]
_MIX = [("easy", 0.27), ("normal", 0.5), ("hard", 0.13), ("closeup", 0.1)]
NO_CODE_SHARE = 0.05
# The factory tag the corpus's cards are printed with, as a real installation's would be.
CORPUS_FACTORY = "K7QF"


def fake_card(number: int, rng: random.Random, factory: str | None = CORPUS_FACTORY) -> Card:
    """A plausible card for work order `number`, printed by the factory tagged `factory`."""
    product_code, product_name = rng.choice(_PRODUCTS)
    ops = rng.sample(_OPERATIONS, rng.randint(3, 8))
    return Card(
        work_order=work_order_code(number),
        order_no=f"SO-2025-{rng.randint(1, 999):04d}",
        customer=rng.choice(_CUSTOMERS),
        product_code=product_code,
        product_name=product_name,
        quantity=rng.choice([50, 120, 300, 500, 1200, 5000]),
        due=datetime.date(2025, 1, 1) + datetime.timedelta(days=rng.randint(0, 364)),
        priority=rng.randint(1, 5),
        operations=[
            CardOperation(10 * (i + 1), code, name, code in ("FQC", "HEAT") or rng.random() < 0.2)
            for i, (code, name) in enumerate(ops)
        ],
        factory=factory,
    )


def corpus(n: int = 200, seed: int = 0) -> list[CorpusItem]:
    """`n` phone photos of cards (tagged CORPUS_FACTORY): about 27 % easy, 50 % normal, 13 %
    hard, 10 % close-ups of the Code128 alone, and 5 % without any code (a blank sheet, or a
    card with its codes covered). `readable` is False where the code is not in the pixels: see `in_the_pixels`.
    """
    rng = random.Random(seed)
    no_code = max(1, round(n * NO_CODE_SHARE)) if n >= 10 else 0
    blank_at = set(rng.sample(range(n), no_code))
    items = []
    for i in range(n):
        card = fake_card(i + 1, rng)
        photo_seed = rng.randrange(1 << 30)
        if i in blank_at:
            items.append(_no_code_item(i, card, photo_seed, rng))
            continue
        difficulty = rng.choices([d for d, _ in _MIX], [w for _, w in _MIX])[0]
        image = render_card(card)
        if difficulty == "closeup":
            image = barcode_strip(image, rng)
        jpeg, info = _photo(image, photo_seed, difficulty)
        readable = in_the_pixels(jpeg, info, card.payload())
        items.append(CorpusItem(f"{i:03d}-{difficulty}-{card.work_order}", jpeg,
                                card.payload(), readable, difficulty, info))
    return items


def barcode_strip(card_image: Image.Image, rng: random.Random) -> Image.Image:
    """The part of the card a close-up of its Code128 shows: the bars, a band above and below."""
    code = next(c for c in card_image.info["codes"] if c.kind == "code128")
    left, top, right, bottom = code.box
    h = bottom - top
    box = (0, max(0, round(top - rng.uniform(0.2, 1.0) * h)), card_image.width,
           min(card_image.height, round(bottom + rng.uniform(0.4, 1.2) * h)))
    strip = card_image.crop(box)
    strip.info["codes"] = [code._replace(box=(left, top - box[1], right, bottom - box[1]))]
    return strip


def in_the_pixels(jpeg: bytes, info: PhotoInfo, expected: str) -> bool:
    """Whether the main code can be read at all once its position is known exactly.

    The code is cut out with the simulator's own geometry, straightened back to its printed
    size and handed to both decoders. If even that fails, its modules are lost to blur, noise
    or glare, and no search over the whole photo can find them.
    """
    if not info.in_frame or len(info.corners) != 4:
        return False
    to_photo = _homography(_corners(info.card_size), list(info.corners))
    grey = Image.open(io.BytesIO(jpeg)).convert("L")
    straight = grey.transform(info.card_size, Image.Transform.PERSPECTIVE, to_photo,
                              Image.Resampling.BICUBIC)
    png = io.BytesIO()
    straight.save(png, "PNG")
    return any(expected in decode_with(decoder, png.getvalue(), preprocess=False, accept=None).texts
               for decoder in ("zxing", "pyzbar"))


def _no_code_item(i: int, card: Card, photo_seed: int, rng: random.Random) -> CorpusItem:
    image = render_card(card)
    if rng.random() < 0.5:
        kind = "blank"
        image = Image.new("1", image.size, 1)
    else:
        kind = "covered"  # blank labels stuck over every code
        draw = ImageDraw.Draw(image)
        for left, top, right, bottom in (code.box for code in image.info["codes"]):
            draw.rectangle((left - 8, top - 8, right + 8, bottom + 8), fill=1)
        image.info["codes"] = []
    jpeg, info = _photo(image, photo_seed, "normal")
    return CorpusItem(f"{i:03d}-nocode-{kind}", jpeg, None, False, "none", info)
