"""load_image for every input kind and every bad input; downscale / upscale shapes."""

import numpy as np
import pytest
import torch
from PIL import Image

from explain.images import crop_to_multiple, downscale, load_image, save_image, to_uint8, upscale_bicubic


def _rgb_u8(h=6, w=5, seed=0):
    return np.random.default_rng(seed).integers(0, 256, size=(h, w, 3), dtype=np.uint8)


def _check(x, shape):
    assert x.dtype == np.float32
    assert x.shape == shape
    assert x.min() >= 0.0 and x.max() <= 1.0


# ----------------------------------------------------------------------------------------- good inputs


def test_default_image_name():
    x = load_image("astronaut")
    _check(x, (512, 512, 3))


def test_grayscale_skimage_name_is_replicated():
    x = load_image("camera")
    _check(x, (512, 512, 3))
    assert np.array_equal(x[..., 0], x[..., 2])


@pytest.mark.parametrize("suffix", [".png", ".bmp"])
def test_lossless_path_roundtrip(tmp_path, suffix):
    u8 = _rgb_u8()
    path = tmp_path / f"img{suffix}"
    Image.fromarray(u8).save(path)
    x = load_image(path)
    _check(x, (6, 5, 3))
    np.testing.assert_array_equal(to_uint8(x), u8)
    np.testing.assert_array_equal(load_image(str(path)), x)  # str and Path agree


def test_jpeg_path(tmp_path):
    u8 = _rgb_u8(16, 16)
    path = tmp_path / "img.jpg"
    Image.fromarray(u8).save(path, quality=90)
    x = load_image(path)
    _check(x, (16, 16, 3))
    with Image.open(path) as im:
        np.testing.assert_array_equal(to_uint8(x), np.asarray(im.convert("RGB")))


def test_pil_rgb_and_l():
    u8 = _rgb_u8()
    np.testing.assert_array_equal(to_uint8(load_image(Image.fromarray(u8))), u8)
    gray = u8[..., 0]
    x = load_image(Image.fromarray(gray, mode="L"))
    _check(x, (6, 5, 3))
    for c in range(3):
        np.testing.assert_array_equal(to_uint8(x[..., c]), gray)


def test_pil_rgba_composited_over_white():
    rgba = np.zeros((2, 2, 4), dtype=np.uint8)
    rgba[..., 0] = 255  # red
    rgba[0, 0, 3] = 255  # opaque red
    rgba[0, 1, 3] = 0  # fully transparent → white
    rgba[1, :, 3] = 51  # 20 % red over white
    x = load_image(Image.fromarray(rgba, mode="RGBA"))
    np.testing.assert_allclose(x[0, 0], [1, 0, 0])
    np.testing.assert_allclose(x[0, 1], [1, 1, 1])
    np.testing.assert_allclose(x[1, 0], [1, 0.8, 0.8], atol=1e-6)


def test_pil_palette_with_and_without_transparency():
    im = Image.new("P", (3, 2))
    im.putpalette([0, 0, 0, 255, 0, 0, 0, 0, 255] + [0] * (256 * 3 - 9))
    im.putpixel((0, 0), 1)
    im.putpixel((1, 0), 2)
    x = load_image(im)
    np.testing.assert_allclose(x[0, 0], [1, 0, 0])
    np.testing.assert_allclose(x[0, 1], [0, 0, 1])
    np.testing.assert_allclose(x[1, 2], [0, 0, 0])
    im.info["transparency"] = 0  # palette entry 0 (black) transparent → white
    x = load_image(im)
    np.testing.assert_allclose(x[1, 2], [1, 1, 1])
    np.testing.assert_allclose(x[0, 0], [1, 0, 0])


def test_pil_16_bit_gray():
    arr = np.array([[0, 65535], [32768, 1000]], dtype=np.uint16)
    x = load_image(Image.fromarray(arr))
    np.testing.assert_allclose(x[..., 1], arr / 65535.0, atol=1e-6)


def test_pil_float_mode_keeps_its_values():
    assert load_image(Image.fromarray(np.full((4, 5), 0.25, np.float32), mode="F"))[0, 0] == pytest.approx(0.25)
    with pytest.raises(ValueError, match="NaN"):
        load_image(Image.fromarray(np.full((4, 5), np.nan, np.float32), mode="F"))


def test_image_file_claiming_a_huge_size_is_refused(tmp_path):
    import struct
    import zlib

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", 30000, 30000, 8, 2, 0, 0, 0)  # 30000² RGB, 8 bit, and no pixel data
    (tmp_path / "bomb.png").write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IEND", b""))
    with pytest.raises(ValueError, match="cannot read"):
        load_image(tmp_path / "bomb.png")


def test_numpy_uint8_uint16_float_bool():
    u8 = _rgb_u8()
    np.testing.assert_allclose(load_image(u8), u8 / 255.0, atol=1e-7)
    u16 = u8.astype(np.uint16) * 257
    np.testing.assert_allclose(load_image(u16), u8 / 255.0, atol=1e-6)
    f = u8.astype(np.float64) / 255.0
    np.testing.assert_allclose(load_image(f), f, atol=1e-7)
    b = np.array([[True, False]])
    np.testing.assert_array_equal(load_image(b), np.array([[[1, 1, 1], [0, 0, 0]]], dtype=np.float32))


def test_numpy_gray_layouts_and_rgba():
    g = np.linspace(0, 1, 12, dtype=np.float32).reshape(3, 4)
    for arr in (g, g[..., None]):
        x = load_image(arr)
        _check(x, (3, 4, 3))
        np.testing.assert_allclose(x[..., 2], g)
    rgba = np.concatenate([np.zeros((3, 4, 3)), np.full((3, 4, 1), 0.25)], axis=-1)
    np.testing.assert_allclose(load_image(rgba), np.full((3, 4, 3), 0.75))


def test_float_within_rounding_of_range_is_clipped():
    x = load_image(np.array([[-1e-8, 1 + 1e-8]]))
    assert x.min() == 0.0 and x.max() == 1.0


def test_torch_layouts_agree():
    hwc = np.random.default_rng(1).random((5, 7, 3)).astype(np.float32)
    chw = torch.from_numpy(hwc).permute(2, 0, 1)
    for t in (chw, chw[None], torch.from_numpy(hwc)):
        np.testing.assert_array_equal(load_image(t), hwc)


def test_torch_chw_with_small_width_stays_chw():
    # (3, 4, 4) is a 4×4 RGB image in torch's layout, not a 3×4 RGBA one.
    t = torch.rand(3, 4, 4)
    np.testing.assert_array_equal(load_image(t), t.permute(1, 2, 0).numpy())


def test_torch_gray_grad_and_bfloat16():
    t = torch.rand(1, 4, 6, requires_grad=True)
    x = load_image(t)
    _check(x, (4, 6, 3))
    x16 = load_image(torch.rand(3, 4, 6).bfloat16())
    _check(x16, (4, 6, 3))


def test_save_image_roundtrip(tmp_path):
    u8 = _rgb_u8()
    save_image(u8, tmp_path / "a.png")
    np.testing.assert_array_equal(to_uint8(load_image(tmp_path / "a.png")), u8)


# ------------------------------------------------------------------------------------------ bad inputs


@pytest.mark.parametrize("arr, message", [
    (np.array([[0.5, np.nan]]), "NaN"),
    (np.array([[0.5, np.inf]]), "NaN or infinite"),
    (np.zeros((0, 4, 3)), "empty"),
    (np.zeros((4, 4, 5)), "got shape"),
    (np.zeros((1, 4, 4, 3)), "got shape"),
    (np.zeros(7), "got shape"),
    (np.array([[0.0, 1.5]]), r"\[0, 1\]"),
    (np.array([[-0.2, 0.5]]), r"\[0, 1\]"),
    (np.array([[-3, 4]], dtype=np.int32), r"\[0, 65535\]"),
])
def test_bad_arrays(arr, message):
    with pytest.raises(ValueError, match=message):
        load_image(arr)


def test_bad_dtype_and_type():
    with pytest.raises(TypeError, match="dtype"):
        load_image(np.ones((2, 2), dtype=np.complex64))
    with pytest.raises(TypeError, match="cannot load an image from list"):
        load_image([[0.0, 1.0]])


def test_bad_torch_batch():
    with pytest.raises(ValueError, match="one image"):
        load_image(torch.rand(2, 3, 4, 4))
    with pytest.raises(ValueError, match="got shape"):
        load_image(torch.rand(1, 1, 2, 3, 4))


def test_unreadable_file(tmp_path):
    path = tmp_path / "fake.png"
    path.write_text("not an image")
    with pytest.raises(ValueError, match="cannot read"):
        load_image(path)


def test_truncated_file(tmp_path):
    path = tmp_path / "cut.png"
    Image.fromarray(_rgb_u8(32, 32)).save(path)
    path.write_bytes(path.read_bytes()[:60])
    with pytest.raises(ValueError, match="cannot read"):
        load_image(path)


def test_directory(tmp_path):
    with pytest.raises(ValueError, match="directory"):
        load_image(tmp_path)


@pytest.mark.parametrize("name", ["no_such_image_name", "missing/file.png", ""])
def test_missing_name(name):
    with pytest.raises(ValueError, match="no such image"):
        load_image(name)


@pytest.mark.parametrize("name", ["lbp_frontal_face_cascade_filename", "stereo_motorcycle", "file_hash"])
def test_skimage_entries_that_are_not_images(name):
    with pytest.raises(ValueError, match=name):
        load_image(name)


# ------------------------------------------------------------------------------------------- resizing


def test_downscale_shapes_and_quantisation():
    img = load_image(_rgb_u8(12, 20))
    assert downscale(img, 4).shape == (3, 5, 3)
    assert downscale(img, 3).shape == (4, 7, 3)  # round(20 / 3) = 7
    assert downscale(img, size=(5, 9)).shape == (5, 9, 3)
    x = downscale(img, 2)
    np.testing.assert_array_equal(x * 255.0, np.round(x * 255.0))  # 8-bit values


def test_downscale_matches_pil_bicubic():
    u8 = _rgb_u8(16, 24, seed=3)
    expected = np.asarray(Image.fromarray(u8).resize((12, 8), Image.BICUBIC)) / 255.0
    np.testing.assert_allclose(downscale(u8, 2), expected, atol=1e-7)


def test_upscale_bicubic_shape():
    assert upscale_bicubic(_rgb_u8(3, 5), 2.5).shape == (8, 12, 3)  # round(7.5) = 8, round(12.5) = 12


@pytest.mark.parametrize("kwargs", [{}, {"scale": 2, "size": (2, 2)}, {"scale": 0}, {"scale": -2},
                                    {"scale": float("nan")}, {"scale": True}, {"size": (0, 3)},
                                    {"scale": 100}])
def test_downscale_bad_arguments(kwargs):
    with pytest.raises(ValueError):
        downscale(_rgb_u8(12, 20), **kwargs)


def test_crop_to_multiple():
    assert crop_to_multiple(np.zeros((13, 18, 3)), 4).shape == (12, 16, 3)


@pytest.mark.parametrize("kwargs", [{"scale": 1e-9}, {"size": (50000, 50000)}, {"size": 5}, {"size": (2.5, 3)}])
def test_resize_sizes_are_checked(kwargs):
    img = np.zeros((8, 8, 3), np.float32)
    with pytest.raises(ValueError, match="size|scale"):
        downscale(img, **kwargs)
    with pytest.raises(ValueError, match="size|scale"):
        upscale_bicubic(img, **{k: (1 / v if k == "scale" else v) for k, v in kwargs.items()})
