import numpy as np
import pytest

from explain.codecs import compress, encode
from explain.images import load_image
from explain.metrics import psnr_y
from explain.studies import region_coding as rc
from explain.studies.jpeg_scan import scan_costs


@pytest.fixture
def lr():
    return load_image("astronaut")[::2, ::2][40:104, 60:124]  # 64×64 LR, real content


@pytest.mark.parametrize("quality, subsampling", [(5, "4:2:0"), (50, "4:2:0"), (95, "4:4:4")])
def test_scan_costs_add_up_to_the_stream(quality, subsampling):
    image = load_image("coffee")[:101, :77]  # partial MCUs at the right and bottom
    data = encode(image, "jpeg", quality=quality, subsampling=subsampling)
    costs = scan_costs(data)
    side = 16 if subsampling == "4:2:0" else 8
    assert costs.bits.shape == (-(-101 // side), -(-77 // side)) and costs.mcu_shape == (side, side)
    assert costs.header + -(-int(costs.bits.sum()) // 8) + 2 == len(data)
    assert costs.dqt == 2 * (2 + 2 + 65)  # two 8-bit tables (luma, chroma), one DQT segment each


def test_scan_costs_charge_detail_to_its_mcu():
    flat = np.full((32, 64, 3), 0.5, np.float32)
    flat[:, 32:] = np.random.default_rng(0).random((32, 32, 3))  # noise in the right half only
    costs = scan_costs(encode(flat, "jpeg", quality=80))
    assert costs.bits[:, 2:].min() > 10 * costs.bits[:, :2].max()


def test_scan_costs_reject_other_streams():
    import io

    from PIL import Image

    with pytest.raises(ValueError, match="not a JPEG"):
        scan_costs(b"not a jpeg")
    buf = io.BytesIO()
    Image.fromarray(np.zeros((16, 16, 3), np.uint8)).save(buf, "JPEG", progressive=True)
    with pytest.raises(ValueError, match="baseline"):
        scan_costs(buf.getvalue())


def test_two_quality_byte_accounting_and_composition(lr):
    cells = rc.region_from_box(lr.shape, (16, 16, 40, 40))
    assert cells.sum() == 4  # rows/cols 16..40 snap outwards to MCUs 1..2 → 2×2 cells (16-px MCUs)
    code = rc.two_quality_jpeg(lr, cells, 90, 10)
    high, low = scan_costs(encode(lr, "jpeg", quality=90)), scan_costs(encode(lr, "jpeg", quality=10))
    assert code.region_bits == high.bits[cells].sum() and code.other_bits == low.bits[~cells].sum()
    assert code.nbytes == high.header + low.dqt + -(-(code.region_bits + code.other_bits) // 8) + 2
    assert code.bpp == pytest.approx(8 * code.nbytes / (64 * 64))
    mask = rc.cells_to_mask(cells, lr.shape, 16)
    assert mask.sum() == 4 * 256
    assert np.array_equal(code.decoded[mask], compress(lr, "jpeg", quality=90)[0][mask])
    assert np.array_equal(code.decoded[~mask], compress(lr, "jpeg", quality=10)[0][~mask])
    # one quality everywhere: exactly the uniform stream plus the second set of quantisation tables
    same = rc.two_quality_jpeg(lr, cells, 50, 50)
    _, info = compress(lr, "jpeg", quality=50)
    assert same.nbytes == info.nbytes + same.dqt_low
    with pytest.raises(ValueError, match="cells"):
        rc.two_quality_jpeg(lr, np.ones((3, 3), bool), 90, 10)
    with pytest.raises(ValueError, match="subsampling"):
        rc.two_quality_jpeg(lr, cells, 90, 10, subsampling="4:2:2")


def test_match_region_code_is_the_largest_fit(lr):
    cells = rc.region_from_box(lr.shape, (0, 0, 32, 32))
    _, uniform = compress(lr, "jpeg", quality=40)
    code = rc.match_region_code(lr, cells, uniform.nbytes, 70)
    assert code.nbytes <= uniform.nbytes and code.high_quality == 70
    assert rc.two_quality_jpeg(lr, cells, 70, code.low_quality + 1).nbytes > uniform.nbytes
    with pytest.raises(ValueError, match="fits"):
        rc.match_region_code(lr, cells, 100, 70)


def test_region_from_mass_and_box_validation():
    mass = np.zeros((64, 64))
    mass[40:48, 50:60] = 1.0  # inside MCU (2, 3)
    mass[0:4, 0:4] = 0.5  # MCU (0, 0)
    cells = rc.region_from_mass(mass, area=2 / 16)
    assert cells.sum() == 2 and cells[2, 3] and cells[0, 0]
    with pytest.raises(ValueError):
        rc.region_from_mass(mass, area=1.5)
    with pytest.raises(ValueError):
        rc.region_from_box((64, 64), (10, 10, 5, 20))


def test_masked_psnr_matches_psnr_y(lr):
    noisy = np.clip(lr + 0.02 * np.random.default_rng(0).standard_normal(lr.shape), 0, 1)
    assert rc.masked_psnr_y(lr, noisy, np.ones(lr.shape[:2], bool)) == pytest.approx(psnr_y(lr, noisy))
    assert np.isnan(rc.masked_psnr_y(lr, noisy, np.zeros(lr.shape[:2], bool)))


def test_region_coding_end_to_end(tiny_model, tmp_path):
    hr = load_image("astronaut")[80:208, 120:248]  # 128×128 HR → 64×64 LR at ×2
    with pytest.raises(ValueError, match="quality_step"):
        rc.region_coding(hr, 2, {"tiny": tiny_model}, target_bpp=2.0, region=(0, 16, 32, 48), quality_step=-5)
    result = rc.region_coding(hr, 2, {"tiny": tiny_model}, target_bpp=2.0, region=(0, 16, 32, 48), name="astro")
    assert result.code["nbytes"] <= result.uniform_nbytes  # equal rate: never more bytes than uniform
    assert result.code["high_quality"] > result.uniform_quality > result.code["low_quality"]
    assert result.region_share == pytest.approx(4 / 16)
    assert set(result.psnr) == {"decoded", "bicubic", "tiny"}
    assert result.gain("decoded", "inside") > 0 > result.gain("decoded", "outside")
    study = rc.RegionStudy([result], {"scale": 2, "target_bpp": 2.0})
    assert set(study.mean_gains()) == {"decoded", "bicubic", "tiny"}
    assert "Δ inside" in rc.render_markdown(study)
    assert all(p.exists() for p in rc.write_region_study(study, tmp_path).values())
    from explain.figures.studies import plot_region_coding

    assert len(plot_region_coding(result).axes) == 3


def test_region_coding_from_attribution(tiny_model):
    hr = load_image("astronaut")[80:208, 120:248]
    result = rc.region_coding(hr, 2, {"tiny": tiny_model}, target_bpp=2.0, region="attribution", area=0.25)
    assert result.cells.sum() == 4 and result.source.startswith("attribution")
    with pytest.raises(ValueError, match="needs a model"):
        rc.region_coding(hr, 2, {}, target_bpp=2.0, region="attribution")
