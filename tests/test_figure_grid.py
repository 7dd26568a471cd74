"""The shared block-grid drawer: where its lines go for a phase, a block size and a zoomed output."""

from matplotlib.figure import Figure

from explain.figures.grid import draw_block_grid, grid_positions


def _lines(ax):
    return grid_positions(ax)


def test_lr_grid_follows_phase():
    ax = Figure().subplots()
    draw_block_grid(ax, (24, 20), 8, (3, 0))
    rows, cols = _lines(ax)
    assert rows == [2.5, 10.5, 18.5]  # boundaries before LR rows 3, 11, 19
    assert cols == [7.5, 15.5]


def test_scaled_region_keeps_only_visible_lines():
    ax = Figure().subplots()
    # output ×4 of a 16×16 LR image, showing output rows/cols 24..47 (origin 24, 24 displayed pixels)
    draw_block_grid(ax, (16, 16), 8, (0, 0), scale=4, origin=(24, 24), shape=(24, 24))
    rows, cols = _lines(ax)
    assert rows == cols == [7.5]  # LR boundary 8 → output 32 → displayed 8 (pixel-centre frame: 7.5)
