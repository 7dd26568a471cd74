"""compress(): byte counts against Pillow itself, bpp, quality ordering, settings validation, bpp search."""

import io

import numpy as np
import pytest
from PIL import Image

from explain import codecs
from explain.codecs import (
    CodecInfo,
    available_codecs,
    compress,
    compress_to_bpp,
    encode,
    jpeg_roundtrip_uint8,
    resolve_settings,
)
from explain.images import load_image, to_uint8

AVAILABLE = available_codecs()


def needs(codec):
    return pytest.mark.skipif(codec not in AVAILABLE, reason=f"this Pillow cannot encode {codec}")


@pytest.fixture(scope="module")
def image():
    return load_image("astronaut")[100:164, 200:296]  # 64 × 96, non-square on purpose


def _pillow_bytes(u8, fmt, **options):
    buf = io.BytesIO()
    Image.fromarray(u8).save(buf, fmt, **options)
    return buf.getvalue()


def _pillow_decode(data):
    with Image.open(io.BytesIO(data)) as im:
        return np.asarray(im.convert("RGB"))


# Our settings → what a direct Pillow call with the same meaning looks like.
PILLOW_CASES = [
    ("jpeg", {"quality": 30, "subsampling": "4:4:4"}, "JPEG", {"quality": 30, "subsampling": 0}),
    ("jpeg", {}, "JPEG", {"quality": 75, "subsampling": 2}),
    ("webp", {"quality": 40, "method": 6}, "WEBP", {"quality": 40, "method": 6}),
    ("webp", {"lossless": True}, "WEBP", {"lossless": True, "quality": 80, "method": 4}),
    ("jpeg2000", {"rate": 40}, "JPEG2000",
     {"no_jp2": True, "quality_mode": "rates", "quality_layers": [40], "irreversible": True, "mct": 1}),
    ("jpeg2000", {"psnr": 32.5, "irreversible": False}, "JPEG2000",
     {"no_jp2": True, "quality_mode": "dB", "quality_layers": [32.5], "mct": 1}),
    ("avif", {"quality": 50, "speed": 8}, "AVIF", {"quality": 50, "speed": 8}),
]


@pytest.mark.parametrize("codec, settings, fmt, options", PILLOW_CASES,
                         ids=[f"{c}-{'-'.join(map(str, s.values())) or 'default'}" for c, s, _, _ in PILLOW_CASES])
def test_bytes_and_decode_match_pillow(image, codec, settings, fmt, options):
    if codec not in AVAILABLE:
        pytest.skip(f"no {codec}")
    u8 = to_uint8(image)
    expected = _pillow_bytes(u8, fmt, **options)
    decoded, info = compress(image, codec, **settings)
    assert info.nbytes == len(expected)
    assert encode(image, codec, **settings) == expected
    np.testing.assert_array_equal(to_uint8(decoded), _pillow_decode(expected))
    assert decoded.dtype == np.float32 and decoded.shape == (64, 96, 3)
    assert info.shape == (64, 96) and info.codec == codec


def test_bpp_formula(image):
    _, info = compress(image, "jpeg", quality=50)
    assert info.bpp == pytest.approx(8 * info.nbytes / (64 * 96))
    assert isinstance(info, CodecInfo)


def test_jpeg_matches_trainer_roundtrip(image):
    u8 = to_uint8(image)
    for sub in ("4:4:4", "4:2:0"):
        decoded, info = compress(u8, "jpeg", quality=20, subsampling=sub)
        ref, nbytes = jpeg_roundtrip_uint8(u8, 20, sub)
        assert info.nbytes == nbytes
        np.testing.assert_array_equal(to_uint8(decoded), ref)


def test_jpeg_optimised_huffman_tables_same_pixels_fewer_bytes(image):
    plain, info = compress(image, "jpeg", quality=10)
    optimised, info_opt = compress(image, "jpeg", quality=10, optimize=True)
    np.testing.assert_array_equal(plain, optimised)
    assert info_opt.nbytes < info.nbytes and info_opt.settings["optimize"] is True
    with pytest.raises((ValueError, TypeError), match="optimize"):
        compress(image, "jpeg", optimize="yes")


def test_settings_defaults_recorded(image):
    _, info = compress(image, "jpeg")
    assert info.settings == {"quality": 75, "subsampling": "4:2:0", "optimize": False}
    if "jpeg2000" in AVAILABLE:
        assert resolve_settings("jpeg2000") == {"rate": 20.0, "irreversible": True}
        assert resolve_settings("jpeg2000", psnr=30) == {"psnr": 30.0, "irreversible": True}


@pytest.mark.parametrize("codec", ["jpeg", "webp", "avif"])
def test_low_quality_is_smaller(image, codec):
    if codec not in AVAILABLE:
        pytest.skip(f"no {codec}")
    (low, info_low), (high, info_high) = compress(image, codec, quality=10), compress(image, codec, quality=90)
    assert info_low.nbytes < info_high.nbytes
    assert np.mean((low - image) ** 2) > np.mean((high - image) ** 2)


@needs("jpeg2000")
def test_jpeg2000_rate_and_psnr_order(image):
    assert compress(image, "jpeg2000", rate=80)[1].nbytes < compress(image, "jpeg2000", rate=10)[1].nbytes
    assert compress(image, "jpeg2000", psnr=25)[1].nbytes < compress(image, "jpeg2000", psnr=40)[1].nbytes
    # rate = compression ratio against the 24-bit raw size: rate 10 → about 2.4 bpp
    assert compress(image, "jpeg2000", rate=10)[1].bpp == pytest.approx(2.4, rel=0.1)


@needs("jpeg2000")
def test_jpeg2000_reversible_rate_one_is_lossless(image):
    decoded, _ = compress(image, "jpeg2000", rate=1, irreversible=False)
    np.testing.assert_array_equal(to_uint8(decoded), to_uint8(image))


@needs("webp")
def test_webp_lossless_is_exact(image):
    decoded, _ = compress(image, "webp", lossless=True)
    np.testing.assert_array_equal(to_uint8(decoded), to_uint8(image))


def test_jpeg_subsampling_changes_output(image):
    a, info_a = compress(image, "jpeg", quality=50, subsampling="4:4:4")
    b, info_b = compress(image, "jpeg", quality=50, subsampling="4:2:0")
    assert info_a.nbytes > info_b.nbytes
    assert not np.array_equal(a, b)


@needs("avif")
def test_avif_subsampling_changes_output(image):
    a, info_a = compress(image, "avif", quality=50, subsampling="4:4:4")
    b, info_b = compress(image, "avif", quality=50, subsampling="4:2:0")
    assert info_a.nbytes != info_b.nbytes or not np.array_equal(a, b)


def test_label_mentions_settings(image):
    _, info = compress(image, "jpeg", quality=33)
    assert "quality=33" in info.label() and "bpp" in info.label()


# ----------------------------------------------------------------------------------------------- errors


def test_unknown_codec_lists_available(image):
    with pytest.raises(ValueError, match="available codecs: jpeg"):
        compress(image, "png")
    with pytest.raises(ValueError, match="available"):
        compress(image, None)


def test_unavailable_codec(image, monkeypatch):
    monkeypatch.setattr(codecs.features, "check", lambda name: name == "jpg")
    assert available_codecs() == ["jpeg"]
    with pytest.raises(ValueError, match="not built into this Pillow.*available codecs: jpeg$"):
        compress(image, "webp")


@pytest.mark.parametrize("codec, settings, name", [
    ("jpeg", {"qualty": 50}, "qualty"),
    ("jpeg", {"quality": 0}, "quality"),
    ("jpeg", {"quality": 101}, "quality"),
    ("jpeg", {"quality": 50.5}, "quality"),
    ("jpeg", {"quality": "high"}, "quality"),
    ("jpeg", {"quality": True}, "quality"),
    ("jpeg", {"subsampling": "4:1:1"}, "subsampling"),
    ("webp", {"quality": -1}, "quality"),
    ("webp", {"method": 7}, "method"),
    ("webp", {"lossless": "yes"}, "lossless"),
    ("jpeg2000", {"rate": 0.5}, "rate"),
    ("jpeg2000", {"rate": float("inf")}, "rate"),
    ("jpeg2000", {"psnr": 0}, "psnr"),
    ("jpeg2000", {"rate": 10, "psnr": 30}, "psnr"),
    ("jpeg2000", {"irreversible": 1}, "irreversible"),
    ("avif", {"speed": 11}, "speed"),
    ("avif", {"quality": 150}, "quality"),
])
def test_bad_settings_name_the_setting(image, codec, settings, name):
    if codec not in AVAILABLE:
        pytest.skip(f"no {codec}")
    with pytest.raises(ValueError, match=f"'{name}'"):
        compress(image, codec, **settings)


def test_numpy_integer_settings_accepted(image):
    _, info = compress(image, "jpeg", quality=np.int64(40))
    assert info.settings["quality"] == 40 and type(info.settings["quality"]) is int


# ------------------------------------------------------------------------------------------- bpp search


@pytest.mark.parametrize("codec", ["jpeg", "webp"])
def test_compress_to_bpp_is_a_local_optimum(image, codec):
    if codec not in AVAILABLE:
        pytest.skip(f"no {codec}")
    target = 1.0
    decoded, info = compress_to_bpp(image, codec, target)
    q = info.settings["quality"]
    assert info.extra["target_bpp"] == target and info.extra["searched"] == "quality"
    err = abs(info.bpp - target)
    for neighbour in (q - 1, q + 1):
        if 0 <= neighbour <= 100 and not (codec == "jpeg" and neighbour == 0):
            assert err <= abs(compress(image, codec, quality=neighbour)[1].bpp - target)
    np.testing.assert_array_equal(decoded, compress(image, codec, quality=q)[0])


def test_compress_to_bpp_at_most(image):
    _, info = compress_to_bpp(image, "jpeg", 1.3, rule="at_most", subsampling="4:4:4")
    assert info.bpp <= 1.3
    assert info.settings["subsampling"] == "4:4:4"
    q = info.settings["quality"]
    assert q == 100 or compress(image, "jpeg", quality=q + 1, subsampling="4:4:4")[1].bpp > 1.3


@needs("jpeg2000")
def test_compress_to_bpp_jpeg2000_rate(image):
    _, info = compress_to_bpp(image, "jpeg2000", 0.8, tolerance=0.01)
    assert info.bpp == pytest.approx(0.8, rel=0.01)
    assert info.extra["searched"] == "rate"


def test_compress_to_bpp_errors(image):
    with pytest.raises(ValueError, match="quality"):
        compress_to_bpp(image, "jpeg", 1.0, quality=50)
    with pytest.raises(ValueError, match="target_bpp"):
        compress_to_bpp(image, "jpeg", 0)
    with pytest.raises(ValueError, match="rule"):
        compress_to_bpp(image, "jpeg", 1.0, rule="nearest")
    with pytest.raises(ValueError, match="cannot go down"):
        compress_to_bpp(image, "jpeg", 0.01, rule="at_most")
    if "webp" in AVAILABLE:
        with pytest.raises(ValueError, match="lossless"):
            compress_to_bpp(image, "webp", 1.0, lossless=True)


def test_jpeg2000_uses_the_colour_transform():
    """With the RGB→YCbCr transform on, a colour image codes better at the same rate than channel by channel."""
    import io

    from PIL import Image

    from explain.codecs import compress
    from explain.images import load_image, to_uint8
    from explain.metrics import psnr

    img = load_image("astronaut")[100:228, 100:228]
    ours, info = compress(img, "jpeg2000", rate=40)
    buf = io.BytesIO()
    Image.fromarray(to_uint8(img)).save(buf, "JPEG2000", no_jp2=True, quality_mode="rates", quality_layers=[40],
                                        irreversible=True, mct=0)
    without = np.asarray(Image.open(io.BytesIO(buf.getvalue())).convert("RGB")).astype(np.float32) / 255
    assert psnr(img, ours) > psnr(img, without) + 0.5
