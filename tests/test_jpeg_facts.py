"""JPEG facts of a user's file: IJG quality, subsampling, coding, grid phase from the pixels, conversions, refusals."""

import io
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from explain.images import downscale, load_image, to_uint8
from explain.jpeg_facts import (
    ANNEX_K_CHROMA,
    ANNEX_K_LUMA,
    MAX_PIXELS,
    detect_grid,
    estimate_quality,
    frame_header,
    header_phase,
    ijg_table,
    read_photo,
)


@pytest.fixture(scope="module")
def photo_u8():
    """A 96×120 photograph (astronaut, downscaled) as 8-bit RGB."""
    return to_uint8(downscale(load_image("astronaut"), size=(96, 120)))


def _jpeg(path, array, **kw):
    Image.fromarray(array).save(path, "JPEG", **kw)
    return path


def png16(array: np.ndarray) -> bytes:
    """A 16-bit RGB PNG written by hand (Pillow cannot write one)."""
    h, w, _ = array.shape

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    raw = b"".join(b"\x00" + array[r].astype(">u2").tobytes() for r in range(h))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 16, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


# --------------------------------------------------------------------------------------------------- quality
def test_ijg_tables_follow_libjpeg_scaling():
    assert (ijg_table(50) == ANNEX_K_LUMA).all() and (ijg_table(50, chroma=True) == ANNEX_K_CHROMA).all()
    assert (ijg_table(100) == 1).all()
    assert ijg_table(1).max() == 255 and ijg_table(10)[0, 0] == (16 * 500 + 50) // 100
    with pytest.raises(ValueError, match="1..100"):
        ijg_table(0)


@pytest.mark.parametrize("subsampling", [0, 2])
@pytest.mark.parametrize("quality", [5, 12, 20, 33, 50, 68, 75, 90, 95])
def test_quality_from_pillow_jpegs(tmp_path, photo_u8, quality, subsampling):
    path = _jpeg(tmp_path / "q.jpg", photo_u8, quality=quality, subsampling=subsampling)
    facts = read_photo(path).facts
    assert facts.is_jpeg and facts.format == "JPEG"
    assert abs(facts.quality.quality - quality) <= 3
    assert facts.quality.low <= quality <= facts.quality.high
    assert facts.tables_standard
    assert abs(facts.chroma_quality.quality - quality) <= 3
    assert facts.subsampling == {0: "4:4:4", 2: "4:2:0"}[subsampling]
    assert facts.progressive is False and facts.components == 3 and facts.colour_model == "YCbCr"
    assert facts.file_bytes == path.stat().st_size and facts.bpp == pytest.approx(8 * facts.file_bytes / (96 * 120))


def test_quality_of_a_non_libjpeg_table_is_the_nearest_and_flagged():
    table = np.clip(np.round(ijg_table(60) * 1.3 + 1), 1, 255)
    est = estimate_quality(table)
    assert not est.exact and est.log_error > 0
    assert 40 <= est.quality <= 60
    assert estimate_quality(ijg_table(37)).exact and estimate_quality(ijg_table(37)).quality == 37
    with pytest.raises(ValueError, match="64 entries"):
        estimate_quality(np.ones(10))


def test_subsampling_422_and_progressive(tmp_path, photo_u8):
    facts = read_photo(_jpeg(tmp_path / "a.jpg", photo_u8, quality=40, subsampling=1, progressive=True)).facts
    assert facts.subsampling == "4:2:2" and facts.progressive is True
    assert facts.chroma_factor == (1, 2)
    assert any("progressive" in n for n in facts.notes)


def _with_frame_header(data: bytes, marker: int, bits: int = 8) -> bytes:
    """A Pillow JPEG whose SOF0 frame header is rewritten to ``marker`` with ``bits`` of sample precision."""
    i = data.index(b"\xff\xc0")
    out = bytearray(data)
    out[i + 1], out[i + 4] = marker, bits
    return bytes(out)


def test_coding_process_is_named_from_the_frame_header(tmp_path, photo_u8):
    base = tmp_path / "base.jpg"
    _jpeg(base, photo_u8, quality=50)
    data = base.read_bytes()
    assert frame_header(data) == (0xC0, 8) and frame_header(b"\x89PNG....") is None
    assert read_photo(base).facts.coding == "baseline"
    assert read_photo(base).facts.summary().startswith("a baseline JPEG")
    prog = read_photo(_jpeg(tmp_path / "p.jpg", photo_u8, quality=50, progressive=True)).facts
    assert prog.coding == "progressive" and prog.summary().startswith("a progressive JPEG")
    # an arithmetic-coded frame header (libjpeg's testimgari.jpg is SOF9) is named as such, not "baseline"
    ari = tmp_path / "ari.jpg"
    ari.write_bytes(_with_frame_header(data, 0xC9))
    facts = read_photo(ari).facts
    assert facts.coding == "extended sequential arithmetic-coded" and facts.sample_bits == 8
    assert facts.summary().startswith("an extended sequential arithmetic-coded JPEG")


def test_a_12_bit_jpeg_is_named_as_such(tmp_path, photo_u8):
    base = _jpeg(tmp_path / "base.jpg", photo_u8, quality=50)
    deep = tmp_path / "deep.jpg"
    deep.write_bytes(_with_frame_header(base.read_bytes(), 0xC1, bits=12))
    with pytest.raises(ValueError, match="is a 12-bit JPEG \\(extended sequential\\), which Pillow cannot decode"):
        read_photo(deep)


# ------------------------------------------------------------------------------------------------------ grid
@pytest.mark.parametrize("offset", [(0, 0), (3, 5), (7, 1), (4, 4)])
def test_grid_phase_recovers_a_crop_offset(tmp_path, offset):
    big = to_uint8(downscale(load_image("astronaut"), size=(160, 160)))
    decoded = np.asarray(Image.open(_jpeg(tmp_path / "orig.jpg", big, quality=20)).convert("RGB"))
    r, c = offset
    crop = decoded[r: r + 120, c: c + 136]
    Image.fromarray(crop).save(tmp_path / "crop.png")
    facts = read_photo(tmp_path / "crop.png").facts
    expected = ((-r) % 8, (-c) % 8)
    assert facts.grid.found and facts.grid.phase == expected and facts.grid_phase == expected
    assert not facts.is_jpeg and facts.has_grid and "probably a JPEG once" in facts.summary()
    # Saved again as a fine JPEG: its own grid is at (0, 0), the pixels still show the old one.
    again = read_photo(_jpeg(tmp_path / "again.jpg", crop, quality=95)).facts
    assert again.header_phase == (0, 0) and again.grid_phase == expected
    if expected != (0, 0):
        assert any("cropped" in n for n in again.notes)


def test_blockiness_of_every_phase_matches_a_direct_count():
    rng = np.random.default_rng(1)
    img = rng.random((40, 48, 3)).astype(np.float32)
    g = detect_grid(img)
    y = img.astype(np.float64) @ np.array([0.299, 0.587, 0.114]) * 255
    pr, pc = 3, 6
    dh, dv = np.abs(np.diff(y, axis=1)), np.abs(np.diff(y, axis=0))
    cols = (np.arange(1, 48) % 8) == pc
    rows = (np.arange(1, 40) % 8) == pr
    across = (dh[:, cols].sum() + dv[rows].sum()) / (dh[:, cols].size + dv[rows].size)
    inside = (dh[:, ~cols].sum() + dv[~rows].sum()) / (dh[:, ~cols].size + dv[~rows].size)
    assert g.blockiness[pr, pc] == pytest.approx(across - inside)
    assert not g.found  # noise has no grid


def test_no_grid_in_an_uncompressed_photo(tmp_path):
    Image.fromarray(to_uint8(load_image("astronaut"))).save(tmp_path / "clean.png")
    facts = read_photo(tmp_path / "clean.png").facts
    assert not facts.grid.found and not facts.has_grid and facts.grid_phase == (0, 0)
    assert "no 8×8 JPEG grid" in facts.summary() and any("nominal" in n for n in facts.notes)


@pytest.mark.parametrize("orientation,turn", [(3, Image.Transpose.ROTATE_180), (6, Image.Transpose.ROTATE_270),
                                              (8, Image.Transpose.ROTATE_90), (2, Image.Transpose.FLIP_LEFT_RIGHT)])
def test_exif_orientation_is_applied_and_the_grid_moves_with_it(tmp_path, orientation, turn):
    stored = to_uint8(downscale(load_image("astronaut"), size=(83, 101)))  # sides not multiples of 8
    exif = Image.Exif()
    exif[0x0112] = orientation
    path = tmp_path / "rot.jpg"
    Image.fromarray(stored).save(path, "JPEG", quality=15, exif=exif)
    photo = read_photo(path)
    facts = photo.facts
    decoded = np.asarray(Image.open(path).convert("RGB").transpose(turn))
    assert photo.image.shape[:2] == decoded.shape[:2]
    assert np.array_equal(to_uint8(photo.image), decoded)
    assert facts.orientation == orientation and any("EXIF orientation" in n for n in facts.notes)
    assert facts.header_phase == header_phase(orientation, (83, 101))
    assert facts.grid.found and facts.grid.phase == facts.header_phase


# --------------------------------------------------------------------------------------- conversions, refusals
def test_cmyk_grayscale_and_16_bit_are_converted_with_a_note(tmp_path, photo_u8):
    Image.fromarray(photo_u8).convert("CMYK").save(tmp_path / "cmyk.jpg", "JPEG", quality=30)
    cmyk = read_photo(tmp_path / "cmyk.jpg")
    assert cmyk.image.shape == (96, 120, 3) and cmyk.facts.colour_model == "CMYK"
    assert any("CMYK" in n for n in cmyk.facts.notes)
    Image.fromarray(photo_u8).convert("L").save(tmp_path / "gray.jpg", "JPEG", quality=30)
    gray = read_photo(tmp_path / "gray.jpg")
    assert gray.facts.subsampling == "grayscale" and gray.facts.chroma_quality is None
    assert np.array_equal(gray.image[..., 0], gray.image[..., 2]) and any("grayscale" in n for n in gray.facts.notes)
    sixteen = (np.random.default_rng(0).random((30, 40, 3)) * 65535).astype(np.uint16)
    (tmp_path / "rgb16.png").write_bytes(png16(sixteen))
    p16 = read_photo(tmp_path / "rgb16.png")
    assert np.array_equal(to_uint8(p16.image), (sixteen >> 8).astype(np.uint8))
    assert any("16-bit colour PNG" in n for n in p16.facts.notes)
    Image.fromarray(sixteen[..., 0]).save(tmp_path / "gray16.png")
    g16 = read_photo(tmp_path / "gray16.png")
    assert g16.image[..., 0] == pytest.approx(sixteen[..., 0] / 65535.0, abs=1e-6)
    assert any("16-bit samples" in n for n in g16.facts.notes)


def test_refusals_name_the_problem(tmp_path, photo_u8):
    data = io.BytesIO()
    Image.fromarray(photo_u8).save(data, "JPEG", quality=50)
    (tmp_path / "cut.jpg").write_bytes(data.getvalue()[: len(data.getvalue()) // 2])
    with pytest.raises(ValueError, match="truncated"):
        read_photo(tmp_path / "cut.jpg")
    (tmp_path / "notes.jpg").write_text("not an image at all")
    with pytest.raises(ValueError, match="not an image file"):
        read_photo(tmp_path / "notes.jpg")
    Image.fromarray(photo_u8[:7, :7]).save(tmp_path / "tiny.png")
    with pytest.raises(ValueError, match="7×7 pixels"):
        read_photo(tmp_path / "tiny.png")
    with pytest.raises(ValueError, match="no such file"):
        read_photo(tmp_path / "missing.jpg")
    with pytest.raises(ValueError, match="folder"):
        read_photo(tmp_path)


def _bomb_png(width, height) -> bytes:
    """A PNG whose header declares ``width``×``height`` 8-bit gray pixels, with only a few rows of data."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    rows = zlib.compress(b"".join(b"\x00" + bytes(width) for _ in range(4)))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", rows) + chunk(b"IEND", b""))


@pytest.mark.parametrize("side", [8000, 20000])  # over explain's limit; over Pillow's own bomb limit
def test_decompression_bombs_are_refused_before_decoding(tmp_path, side):
    assert side * side > MAX_PIXELS
    (tmp_path / "bomb.png").write_bytes(_bomb_png(side, side))
    with pytest.raises(ValueError, match="decompression bomb"):
        read_photo(tmp_path / "bomb.png")
