"""The lesson's views (notebook 01): one linked cursor, the responses to the simplest inputs, and questions that
ask for a guess before they reveal a measurement.

    CursorView    a click on an output pixel → its 4 latent codes, their ensemble weights
                  (:func:`explain.probes.ensemble.ensemble_weights`), its LAM map
                  (:func:`explain.probes.attribution.attribute`) and the 8×8 DCT block it falls in, in one figure
    ResponseView  an impulse (bright, dark, colour) or one DCT basis function, with a scale slider, for several
                  models and bicubic (:mod:`explain.probes.impulse`)
    QuestionView  a question with choices and a Reveal button that shows the measured answer and what it means

Output pixels are (row, col) of the SR output of size (h·scale, w·scale); LR positions in LR pixel units (pixel i
covers [i, i + 1)). Blocks start at LR rows ≡ grid_phase[0], columns ≡ grid_phase[1] (mod 8).
"""

from __future__ import annotations

import html
from dataclasses import dataclass

import ipywidgets as widgets
import numpy as np

from ..figures.grid import draw_block_grid, grid_handle, pixel_axes
from ..figures.lesson import plot_cursor
from ..figures.response import plot_dct_basis_responses, plot_impulse_responses
from ..images import load_image
from ..probes.attribution import attribute
from ..probes.ensemble import ensemble_weights
from ..probes.frequency import block_dct, rgb_to_centred
from ..probes.impulse import BICUBIC, dct_basis_response, impulse_response
from ..upscale import output_size
from ._base import View, as_models, dropdown, show_figure, slider

REGION_LR = 16  # LR pixels per side of the region the cursor view shows (its block and half a block around)


@dataclass
class Cursor:
    """What the cursor view shows for one output pixel.

    name: the model; lr: (h, w, 3) the LR image; scale; pixel: (row, col) output pixel; position: (2,) its centre in
    LR pixel units; codes: (K, 2) int LR (row, col) of the latent codes blended there; weights: (K,) their ensemble
    weights; lam: (h, w) the pixel's LAM map, |attribution| over the max (0..1); block: (row, col) LR corner of the
    8×8 block holding the position; dct: (8, 8) that block's luma DCT coefficients [v, u] in JPEG units;
    region: ((r0, r1), (c0, c1)) the LR region displayed; lam_in_block: the share of the LAM map inside the block.
    """

    name: str
    lr: np.ndarray
    scale: float
    pixel: tuple[int, int]
    position: np.ndarray
    codes: np.ndarray
    weights: np.ndarray
    lam: np.ndarray
    block: tuple[int, int]
    dct: np.ndarray
    region: tuple[tuple[int, int], tuple[int, int]]
    grid_phase: tuple[int, int]
    lam_in_block: float


def _region_around(block, lr_shape, side: int = REGION_LR) -> tuple[tuple[int, int], tuple[int, int]]:
    out = []
    for b, n in zip(block, lr_shape):
        lo = int(np.clip(b - (side - 8) // 2, 0, max(0, n - side)))
        out.append((lo, min(n, lo + side)))
    return out[0], out[1]


class CursorView(View):
    """One linked cursor: a click on the SR output (or the row / col sliders) picks an output pixel; the figure
    shows its 4 latent codes, their ensemble weights, its LAM map and the 8×8 DCT block it falls in.

    models: a model, a name / path, or a dict name → model; lr: the (JPEG) LR image; scale: output scale.
    pixel:  the first output pixel (row, col) (default: the centre of the output).
    block:  LR (row, col) of a block whose neighbourhood the click canvas shows (default: the pixel's block).
    steps:  LAM path steps (4 is rough but fast; the attribution view's default is 16).
    model:  the name of the model shown first (default: the first); the canvas shows that model's output.
    click:  show the SR output on an ipympl canvas where a click picks the pixel; None: when ipympl is installed.
    """

    title = "One cursor: an output pixel, its codes, weights, LAM map and JPEG block"

    def __init__(self, models, lr, scale: float = 4, pixel=None, block=None, steps: int = 8, grid_phase=(0, 0),
                 model: str | None = None, click: bool | None = None, cache=None, render: bool = True):
        super().__init__(cache, render)
        self.models = as_models(models)
        if model is not None and model not in self.models:
            raise ValueError(f"model must be one of {list(self.models)}, got {model!r}")
        self.lr = load_image(lr)
        self.scale = float(scale)
        self.out_size = output_size(self.lr.shape, self.scale)
        self.grid_phase = (int(grid_phase[0]), int(grid_phase[1]))
        H, W = self.out_size
        if pixel is None:
            pixel = (H // 2, W // 2)
        r, c = (int(v) for v in pixel)
        if not (0 <= r < H and 0 <= c < W):
            raise ValueError(f"pixel {pixel!r} lies outside the {H}×{W} output")
        if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
            raise ValueError(f"steps must be a positive integer, got {steps!r}")
        self.steps = steps
        self.controls = {
            "model": dropdown("model", list(self.models), model or next(iter(self.models))),
            "row": slider("output row", r, 0, H - 1),
            "col": slider("output col", c, 0, W - 1),
        }
        if block is None:
            block = self._block_of(self._position(r, c))
        self.canvas_region = _region_around(block, self.lr.shape[:2])
        if click is None:
            from .pick import ipympl_available

            click = ipympl_available()
        if click:
            self._make_canvas()
        self._wire()
        self.update()

    # ----------------------------------------------------------------------------------------- geometry
    def _position(self, r: int, c: int) -> np.ndarray:
        H, W = self.out_size
        h, w = self.lr.shape[:2]
        return np.array([(r + 0.5) * h / H, (c + 0.5) * w / W])

    def _block_of(self, position) -> tuple[int, int]:
        return tuple(int(np.floor((p - ph) / 8) * 8 + ph) for p, ph in zip(position, self.grid_phase))

    @property
    def pixel(self) -> tuple[int, int]:
        return int(self.value("row")), int(self.value("col"))

    def _canvas_box(self) -> tuple[int, int, int, int]:
        """(row, col, height, width) in output pixels of the region shown on the click canvas."""
        (r0, r1), (c0, c1) = self.canvas_region
        H, W = self.out_size
        h, w = self.lr.shape[:2]
        R0, R1 = round(r0 * H / h), round(r1 * H / h)
        C0, C1 = round(c0 * W / w), round(c1 * W / w)
        return R0, C0, R1 - R0, C1 - C0

    def _make_canvas(self) -> None:
        from .pick import WindowPicker

        model = self.models[self.value("model")]
        R0, C0, hh, ww = self._canvas_box()
        sr = self.cache.upscale(model, self.lr, self.out_size, (R0, C0, hh, ww))
        self.picker = WindowPicker(sr, self._on_pick_output, title="click an output pixel", units="output px",
                                   block=None, label="the output pixel")
        (r0, _), (c0, _) = self.canvas_region
        sy, sx = self.out_size[0] / self.lr.shape[0], self.out_size[1] / self.lr.shape[1]
        draw_block_grid(self.picker.ax, self.lr.shape[:2], 8, self.grid_phase, scale=(sy, sx), origin=(R0, C0),
                        shape=(hh, ww))
        legend = self.picker.ax.get_legend()
        handles = list(legend.legend_handles) + [grid_handle(8, what="JPEG block grid (LR)")]
        self.picker.ax.legend(handles=handles, fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=2,
                              frameon=False)
        pixel_axes(self.picker.ax, "output px", size=8, offset=(R0, C0))  # whole-output pixel numbers

    def _on_pick_output(self, row: float, col: float) -> None:
        """A click at (row, col) of the canvas image (pixel-centre frame) picks that output pixel."""
        R0, C0, hh, ww = self._canvas_box()
        self.pick(R0 + int(np.clip(round(row), 0, hh - 1)), C0 + int(np.clip(round(col), 0, ww - 1)))

    def pick(self, row: int, col: int) -> None:
        """Pick output pixel (row, col) (clamped to the output) and update."""
        H, W = self.out_size
        self.set(row=int(np.clip(row, 0, H - 1)), col=int(np.clip(col, 0, W - 1)))

    def _mark_window(self) -> None:
        if self.picker is not None:
            R0, C0, _, _ = self._canvas_box()
            r, c = self.pixel
            self.picker.mark((r - R0, c - C0, 1, 1))

    # ------------------------------------------------------------------------------------------ compute
    def cursor(self, name: str, pixel) -> Cursor:
        """The (memoised) :class:`Cursor` of output ``pixel`` for model ``name``."""
        model = self.models[name]
        key = (self.cache.model_key(model), "cursor", self.cache.key(model, self.lr)[1], self.scale, tuple(pixel),
               self.steps, self.grid_phase)
        return self.cache.memo(key, lambda: self._measure(name, model, pixel))

    def _measure(self, name, model, pixel) -> Cursor:
        r, c = pixel
        ens = ensemble_weights(model, self.lr, (r, c, 1, 1), self.scale, latents=self.cache.latents(model, self.lr))
        lam = attribute(model, self.lr, (r, c, 1, 1), self.scale, method="lam", steps=self.steps,
                        grid_phase=self.grid_phase)
        position = ens.positions[0, 0].astype(np.float64)
        br, bc = self._block_of(position)
        h, w = self.lr.shape[:2]
        block = np.zeros((8, 8, 3), dtype=np.float64)
        rows, cols = np.clip(np.arange(br, br + 8), 0, h - 1), np.clip(np.arange(bc, bc + 8), 0, w - 1)
        block[:] = self.lr[np.ix_(rows, cols)]  # edge-replicated past the image, as encoders do
        dct = block_dct(rgb_to_centred(block.transpose(2, 0, 1))[:1])[0, 0, 0]
        inside = lam.abs_map[max(br, 0):br + 8, max(bc, 0):bc + 8].sum()
        total = lam.abs_map.sum()
        return Cursor(name=name, lr=self.lr, scale=self.scale, pixel=(r, c), position=position,
                      codes=ens.codes[0, 0], weights=ens.weights[0, 0], lam=lam.abs_map, block=(br, bc), dct=dct,
                      region=_region_around((br, bc), (h, w)), grid_phase=self.grid_phase,
                      lam_in_block=float(inside / total) if total > 0 else float("nan"))

    def _compute(self):
        name = self.value("model")
        cur = self.cursor(name, self.pixel)
        weights = ", ".join(f"({int(a)}, {int(b)}): {w:.2f}" for (a, b), w in zip(cur.codes, cur.weights))
        text = (f"{name}: output pixel {cur.pixel} sits at LR ({cur.position[0]:.2f}, {cur.position[1]:.2f}) in the "
                f"block at LR {cur.block}\ncodes (row, col): weight — {weights}\n"
                f"LAM: {100 * cur.lam_in_block:.0f}% of the attribution lies in that block; its largest luma AC "
                f"coefficient is {np.abs(cur.dct.ravel()[1:]).max():.1f} (JPEG units)")
        return cur, plot_cursor(cur), text


# --------------------------------------------------------------------------------------------- responses
INPUTS = (("one bright pixel", "bright"), ("one dark pixel", "dark"), ("one red (Cr) pixel", "cr"),
          ("one DCT basis function", "dct"))


class ResponseView(View):
    """The unclamped answers of several models (and bicubic) to one raised pixel or one DCT basis function.

    models: a model, name / path, or a dict name → model; bicubic is added as the reference.
    scale:  the first output scale (the slider goes from 1 to ``max_scale``); u, v: the DCT basis function shown
            when the input is "one DCT basis function".
    """

    title = "Responses to the simplest inputs"

    def __init__(self, models, scale: int = 4, what: str = "bright", u: int = 3, v: int = 1, max_scale: int = 6,
                 cache=None, render: bool = True):
        super().__init__(cache, render)
        self.models = {BICUBIC: BICUBIC, **as_models(models)}
        if what not in dict((v_, k) for k, v_ in INPUTS):
            raise ValueError(f"what must be one of {[v_ for _, v_ in INPUTS]}, got {what!r}")
        self.controls = {
            "input": dropdown("input", INPUTS, what),
            "scale": slider("scale", int(scale), 1, int(max_scale)),
            "u": slider("DCT u (across)", u, 0, 7),
            "v": slider("DCT v (down)", v, 0, 7),
        }
        self._wire()
        self.update()

    def _sync_controls(self) -> None:
        dct = self.value("input") == "dct"
        self.controls["u"].disabled = not dct
        self.controls["v"].disabled = not dct

    def _one(self, name, model, what, scale, u, v):
        key = (name if model == BICUBIC else self.cache.model_key(model), "response", what, scale,
               (u, v) if what == "dct" else None)
        if what == "dct":
            return self.cache.memo(key, lambda: dct_basis_response(model, u, v, scale=scale, name=name))
        return self.cache.memo(key, lambda: impulse_response(model, scale=scale, kind=what, name=name))

    def _compute(self):
        what, scale, u, v = self.value("input"), int(self.value("scale")), int(self.value("u")), int(self.value("v"))
        results = [self._one(n, m, what, scale, u, v) for n, m in self.models.items()]
        if what == "dct":
            lines = [f"{r.name}: {100 * r.inside_share:.1f}% of the response energy inside the block" for r in results]
            return results, plot_dct_basis_responses(results), "\n".join(lines)
        return results, plot_impulse_responses(results), "\n".join(r.summary() for r in results)


# ---------------------------------------------------------------------------------------------- questions
class QuestionView(View):
    """Predict, then reveal: a question, its choices and a Reveal button.

    choices: the possible answers; answer: the index of the one the measurement supports (computed by the caller
    from the numbers); measured: a sentence with the measured figures; meaning: a sentence on what they mean;
    figure: the measurement's figure (shown on reveal; the static copy shows it with the answer).
    ``revealed`` says whether the answer is shown; :meth:`reveal` does what the button does.
    """

    def __init__(self, question: str, choices, answer: int, measured: str, meaning: str, figure=None,
                 render: bool = True):
        super().__init__(None, render)
        choices = [str(c) for c in choices]
        if len(choices) < 2:
            raise ValueError("a question needs at least two choices")
        if isinstance(answer, bool) or not isinstance(answer, (int, np.integer)) or not 0 <= answer < len(choices):
            raise ValueError(f"answer must be the index of one of the {len(choices)} choices, got {answer!r}")
        self.title = question
        self.choices, self.answer, self.measured, self.meaning = choices, int(answer), measured, meaning
        self.revealed = False
        self.controls = {"guess": widgets.RadioButtons(options=choices, value=None, description="your guess",
                                                       layout=widgets.Layout(width="auto"),
                                                       style={"description_width": "initial"})}
        self.button = widgets.Button(description="Reveal the measurement", button_style="info",
                                     layout=widgets.Layout(width="auto"))
        self.button.on_click(lambda _b: self.reveal())
        self.figure = figure
        self.text = self._answer_text()
        self.result = {"answer": self.answer}

    def _answer_text(self) -> str:
        return f"Measured: {self.measured}\nAnswer: {self.choices[self.answer]}\nWhat it means: {self.meaning}"

    def _answer_html(self) -> str:
        """The answer as wrapped paragraphs (the measured figures one per line, split at "; ")."""
        items = "".join(f"<li>{html.escape(part)}</li>" for part in self.measured.split("; "))
        return (f"<p><b>Measured:</b></p><ul>{items}</ul><p><b>Answer:</b> {html.escape(self.choices[self.answer])}"
                f"</p><p><b>What it means:</b> {html.escape(self.meaning)}</p>")

    def _control_box(self) -> widgets.Widget:
        return widgets.VBox([self.controls["guess"], self.button])

    def update(self) -> None:  # nothing to compute: a guess changes nothing until the reveal
        return None

    def reveal(self) -> None:
        """Show the measured answer, its figure and what it means (what the button does)."""
        self.revealed = True
        self.updates += 1
        self.button.disabled = True
        if not self.render:
            return
        guess = self.value("guess")
        verdict = "" if guess is None else ("Your guess matches. " if guess == self.choices[self.answer] else
                                            "Your guess differs. ")
        self.output.clear_output(wait=True)
        with self.output:
            from IPython.display import HTML, display

            display(HTML(f"<p><b>{html.escape(verdict)}</b></p>"))
            if self.figure is not None:
                show_figure(self.figure)
            display(HTML(self._answer_html()))
