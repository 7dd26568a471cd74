"""The page's widgets: pick a sample or upload a JPEG, press Explain, watch the progress, read the answer.

:class:`Page` wires :func:`explain.report.explain_photo` (on a worker thread, :class:`explain.app.jobs.JobRunner`)
to ipywidgets. Top to bottom the answer shows, pictures first: the blocky input, bicubic and the JPEG twin's output
on the explained block (with a zoom: the window of 3×3 blocks or the block alone); the causal 3×3 picture of
window 1 (before / after); the plain paragraphs; then, folded, the technical paragraphs, the trust paragraph and
the numbers table; the report's ZIP; an "explore" section with the causal view (click a neighbouring block to
erase it). Pictures are PNGs in ``widgets.Image`` (not ipympl canvases made in a callback: voila issue 1319).

Bad input (see :mod:`explain.app.uploads`) gets one plain line naming the file; nothing is computed and the page
stays usable. An unexpected failure gets one line on the page and its traceback in the server's log.

A file can be dropped on the drop zone: an inline ``ondrop`` handler reads it in the browser and hands it, as a
data URL, to a hidden Textarea widget (``_dropped_photo`` / ``_dropped_original``), which the kernel decodes like
an upload (ipywidgets' FileUpload takes no drops).
"""

from __future__ import annotations

import base64
import html
import logging
import os
import sys
import tempfile
import time
import traceback
import uuid
from pathlib import Path

import ipywidgets as widgets
import numpy as np

from ..notebooks import quick_mode
from .jobs import APP_DIR_ENV, JobRunner, effort, progress_line, zip_folder
from .uploads import SAMPLES, Upload, limits_text, read_original, read_sample, read_upload

LOG = logging.getLogger("liif-explain.app")
if not LOG.handlers:  # the server's log: the kernel process's own stderr, never the page
    _handler = logging.StreamHandler(sys.__stderr__)
    _handler.setFormatter(logging.Formatter("[liif-explain page %(levelname)s %(asctime)s] %(message)s"))
    LOG.addHandler(_handler)
    LOG.setLevel(logging.INFO)
    LOG.propagate = False

UPLOAD = "upload"
PAGE_CLASS = "liif-page"  # CSS hooks (and the browser test's selectors): liif-page-<part>
STYLE = f"""<style>
.{PAGE_CLASS} p {{max-width: 60em; line-height: 1.45}}
.{PAGE_CLASS}-drop {{border: 2px dashed #8aa4d6; border-radius: 6px; padding: 3px 12px; color: #334;
  background: #f5f8ff; max-width: 60em}}
.{PAGE_CLASS}-drop.over {{background: #dde8ff}}
.{PAGE_CLASS}-error {{color: #a11; font-weight: 600}}
.{PAGE_CLASS}-busy {{color: #8a5a00; font-weight: 600}}
.{PAGE_CLASS} table {{border-collapse: collapse}}
.{PAGE_CLASS} td, .{PAGE_CLASS} th {{border: 1px solid #ccc; padding: 2px 8px; text-align: right}}
.{PAGE_CLASS} td:first-child, .{PAGE_CLASS} th:first-child {{text-align: left}}
</style>"""

# The drop zone: the browser reads a dropped file as a data URL and types "name\\ndata-url" into the hidden Textarea
# of the zone's kind (its 'input' event syncs it to the kernel). Inline handlers run where <script> would not.
_DROP_JS = ("event.preventDefault(); this.classList.remove('over'); var f = event.dataTransfer.files[0]; "
            "if (!f) return; var r = new FileReader(); r.onload = function () {{ "
            "var t = document.querySelector('.{sink} textarea'); t.value = f.name + '\\n' + r.result; "
            "t.dispatchEvent(new Event('input', {{bubbles: true}})); }}; r.readAsDataURL(f);")


# A file dropped anywhere else would make the browser leave the page to show it: an image that fails to load (an
# empty data URL, no request) installs, once, window handlers that keep the page.
_DROP_GUARD = ('<img alt="" style="display:none" src="data:," onerror="if (!window.liifDropGuard) {'
               " window.liifDropGuard = 1; window.addEventListener('dragover', function (e) { e.preventDefault(); });"
               " window.addEventListener('drop', function (e) { e.preventDefault(); }); }\">")


def _drop_zone(kind: str, text: str) -> widgets.HTML:
    sink = f"{PAGE_CLASS}-sink-{kind}"
    handler = html.escape(_DROP_JS.format(sink=sink), quote=True)
    return widgets.HTML(
        f'<div class="{PAGE_CLASS}-drop {PAGE_CLASS}-drop-{kind}" ondragover="event.preventDefault(); '
        f"this.classList.add('over')\" ondragleave=\"this.classList.remove('over')\" "
        f'ondrop="{handler}">{html.escape(text)}</div>' + (_DROP_GUARD if kind == "photo" else ""))


def _paragraphs(texts) -> str:
    return "".join(f"<p>{html.escape(t)}</p>" for t in texts)


def _image(value: bytes, max_width: str = "100%", cls: str = "") -> widgets.Image:
    im = widgets.Image(value=value, format="png", layout=widgets.Layout(max_width=max_width, height="auto"))
    if cls:
        im.add_class(cls)
    return im


def block_outputs(report, which: tuple[str, ...]) -> tuple[dict, dict]:
    """Window 1's outputs named in ``which`` (those the report has): ({name: the window's crop}, {name: the
    explained block's crop}) in output pixels (the window's crop is ``window_lr`` × scale)."""
    w = report.windows[0]
    (h, wd), (H, W) = report.photo.image.shape[:2], report.output_size
    r, c = w.window_lr[:2]
    (r0, r1), (c0, c1) = w.block_box
    rows = slice(round(r0 * H / h) - round(r * H / h), round(r1 * H / h) - round(r * H / h))
    cols = slice(round(c0 * W / wd) - round(c * W / wd), round(c1 * W / wd) - round(c * W / wd))
    window = {k: w.outputs[k] for k in which if k in w.outputs}
    return window, {k: v[rows, cols] for k, v in window.items()}


def outputs_pictures(report) -> dict[str, bytes]:
    """The zoom's two PNGs of window 1: "3×3 blocks" (the window) and "the block alone" (the explained block),
    each with the blocky input, bicubic and the headline model's output."""
    from ..figures.clues import plot_window_outputs
    from ..figures.png import png_bytes

    w = report.windows[0]
    phase = report.facts.grid_phase
    window, block = block_outputs(report, ("input (nearest)", "bicubic", report.headline_model))
    (r0, r1), (c0, c1) = w.block_box
    return {"3×3 blocks": png_bytes(plot_window_outputs(window, w.window_lr, w.block_box, phase, ncols=3)),
            "the block alone": png_bytes(plot_window_outputs(block, (r0, c0, r1 - r0, c1 - c0), w.block_box, phase,
                                                             ncols=3))}


def numbers_html(report) -> str:
    """The headline numbers per model (means over the explained blocks) as an HTML table."""
    from ..headline import QUANTITIES, format_value, model_means

    means = model_means(report)
    names = list(means)
    head = "".join(f"<th>{html.escape(n)}</th>" for n in names)
    rows = "".join(f"<tr><td>{html.escape(QUANTITIES[k][0])}</td>"
                   + "".join(f"<td>{format_value(k, means[n][k])}</td>" for n in names) + "</tr>"
                   for k in QUANTITIES)
    return (f"<table><tr><th>mean over {len(report.windows)} block(s)</th>{head}</tr>{rows}</table>"
            f"<p>Every number is in the ZIP's report.json; its index.html has the tables of each window.</p>")


class Page:
    """The page (see the module docstring). ``widget`` is the whole page; display the Page itself in a notebook.

    models:  names or paths (default: :data:`explain.models.names.DEFAULT_MODELS`), loaded once here (so a
             preheated kernel has them loaded before anyone opens the page).
    scale:   the upscaling factor explained. sample: the sample selected first. quality: the samples' JPEG quality
             (each sample is its scikit-image picture ×scale downscaled, as the tour makes it).
    quick:   small effort (:data:`explain.app.jobs.QUICK_EFFORT`); default :func:`explain.notebooks.quick_mode`.
    workdir: where uploads, reports and ZIPs go (default: the app's session folder, else a temporary folder).
    """

    def __init__(self, models=None, scale: int = 4, sample: str = "astronaut", quality: int = 20,
                 quick: bool | None = None, workdir=None):
        import matplotlib

        matplotlib.use("Agg")  # figures are drawn on the worker thread into PNGs; nothing is shown by a backend
        from ..models.names import CONTROLS, DEFAULT_MODELS
        from ..report.explain import _headline, resolve_models

        self.quick = quick_mode() if quick is None else bool(quick)
        if isinstance(scale, bool) or int(scale) != scale or scale < 1:
            raise ValueError(f"scale must be a positive integer (the samples are downscaled by it), got {scale!r}")
        self.scale, self.quality = int(scale), int(quality)
        app_dir = os.environ.get(APP_DIR_ENV)
        self.app_dir = Path(app_dir) if app_dir else None
        if workdir is None:
            workdir = (self.app_dir / "jobs" / uuid.uuid4().hex[:12]) if self.app_dir else \
                tempfile.mkdtemp(prefix="liif-explain-page-")
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.models = resolve_models(list(DEFAULT_MODELS) if models is None else models)
        head = _headline(list(self.models))
        control = CONTROLS.get(head)
        self.control = next(iter(resolve_models([control]).values())) if control and control not in self.models \
            else "auto"
        self.runner = JobRunner(self.app_dir / "job.lock" if self.app_dir else None)
        self.upload: Upload | None = None
        self.original: np.ndarray | None = None
        self.original_name: str | None = None
        self.report = None
        self.zip_path: Path | None = None
        self.explore_view = None
        self._last_progress = 0.0
        self._build(sample)

    # ---------------------------------------------------------------------------------------------- layout
    def _build(self, sample: str) -> None:
        options = [(f"{name} ({what})", name) for name, what in SAMPLES.items()] + [("your JPEG", UPLOAD)]
        self.source = widgets.ToggleButtons(options=options, value=sample if sample in SAMPLES else UPLOAD,
                                            style={"button_width": "auto"})
        auto = widgets.Layout(width="auto")
        self.photo_upload = widgets.FileUpload(accept="image/*,.jpg,.jpeg,.png", multiple=False,
                                               description="Upload your JPEG", layout=auto)
        self.original_upload = widgets.FileUpload(accept="image/*,.png,.jpg,.jpeg,.tif,.tiff", multiple=False,
                                                  description="Its original (optional)", layout=auto)
        self.photo_upload.add_class(f"{PAGE_CLASS}-upload-photo")
        self.original_upload.add_class(f"{PAGE_CLASS}-upload-original")
        self.limits = widgets.HTML(f"<span class='{PAGE_CLASS}-limits'>{html.escape(limits_text(self.scale))}"
                                   "</span>")
        self.drop_sinks = {}
        for kind in ("photo", "original"):
            sink = widgets.Textarea(layout=widgets.Layout(display="none"), continuous_update=True)
            sink.add_class(f"{PAGE_CLASS}-sink-{kind}")
            self.drop_sinks[kind] = sink
        drops = [_drop_zone("photo", "or drop your JPEG here"), _drop_zone("original", "its original here")]
        self.status = widgets.HTML("")
        self.status.add_class(f"{PAGE_CLASS}-status")
        self.button = widgets.Button(description="Explain", button_style="primary", icon="search")
        self.button.add_class(f"{PAGE_CLASS}-explain")
        self.busy_line = widgets.HTML("")
        self.busy_line.add_class(f"{PAGE_CLASS}-busyline")
        self.bar = widgets.FloatProgress(value=0.0, min=0.0, max=1.0, layout=widgets.Layout(width="40em",
                                                                                           visibility="hidden"))
        self.bar.add_class(f"{PAGE_CLASS}-bar")
        self.progress = widgets.HTML("")
        self.progress.add_class(f"{PAGE_CLASS}-progress")
        self.answer = widgets.VBox([])
        self.answer.add_class(f"{PAGE_CLASS}-answer")
        intro = widgets.HTML(
            STYLE + "<p><b>What did the model use to rebuild your JPEG?</b> Pick a sample or upload a JPEG, then "
            "press <b>Explain</b>. The models enlarge it ×" f"{self.scale:g}; the page finds its blockiest 8×8 "
            "blocks and measures what each model used to rebuild them: erase a clue, see what the block loses. "
            "With the original (the same picture before compression, at ×" f"{self.scale:g} the size) the losses "
            "are in dB; without it, in relative change." + (" <i>Quick mode: one block, few steps (numbers are "
                                                            "rough).</i>" if self.quick else "") + "</p>")
        self.widget = widgets.VBox([
            intro, self.source,
            widgets.HBox([self.photo_upload, drops[0], self.original_upload, drops[1]],
                         layout=widgets.Layout(align_items="center", flex_flow="row wrap")),
            self.limits, *self.drop_sinks.values(), self.status,
            widgets.HBox([self.button, self.bar], layout=widgets.Layout(align_items="center")),
            self.progress, self.busy_line, self.answer])
        self.widget.add_class(PAGE_CLASS)
        self.photo_upload.observe(self._guard(self._on_photo), names="value")
        self.original_upload.observe(self._guard(self._on_original), names="value")
        self.drop_sinks["photo"].observe(self._guard(self._on_drop_photo), names="value")
        self.drop_sinks["original"].observe(self._guard(self._on_drop_original), names="value")
        self.button.on_click(self._guard(lambda _b: self.explain()))

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)

    # ------------------------------------------------------------------------------------------- messages
    def _say(self, text: str, kind: str = "") -> None:
        cls = f" class='{PAGE_CLASS}-{kind}'" if kind else ""
        self.status.value = f"<span{cls}>{html.escape(text)}</span>" if text else ""

    def _guard(self, callback):
        """A widget callback that never shows a traceback: unexpected errors go to the log, one line to the page."""

        def run(*args):
            try:
                callback(*args)
            except ValueError as exc:
                self._say(str(exc), "error")
            except Exception:  # noqa: BLE001
                LOG.error("page callback failed:\n%s", traceback.format_exc())
                self._say("Something went wrong on the server (its log has the details); the page still works.",
                          "error")

        return run

    # --------------------------------------------------------------------------------------------- inputs
    def _on_photo(self, change) -> None:
        files = change["new"]
        if files:
            f = files[0]
            self.take_photo(f["name"], f["content"])

    def _on_original(self, change) -> None:
        files = change["new"]
        if files:
            f = files[0]
            self.take_original(f["name"], f["content"])

    @staticmethod
    def _decode_drop(text: str) -> tuple[str, bytes] | None:
        if not text:
            return None
        name, _, url = text.partition("\n")
        head, _, data = url.partition(",")
        if not head.startswith("data:") or ";base64" not in head:
            raise ValueError(f"{name!r} could not be read from the drop; use the upload button")
        return name, base64.b64decode(data)

    def _on_drop_photo(self, change) -> None:
        got = self._decode_drop(change["new"])
        if got:
            self.drop_sinks["photo"].value = ""
            self.take_photo(*got)

    def _on_drop_original(self, change) -> None:
        got = self._decode_drop(change["new"])
        if got:
            self.drop_sinks["original"].value = ""
            self.take_original(*got)

    def take_photo(self, name: str, content) -> None:
        """An uploaded (or dropped) photo: checked now; one plain line either way."""
        self.upload = None
        self.source.value = UPLOAD
        try:
            self.upload = read_upload(name, content, self.workdir / "uploads" / uuid.uuid4().hex[:8])
        except ValueError as exc:
            self._say(str(exc), "error")
            return
        note = ""
        if self.original is not None:
            try:
                read_original_check(self.original, self.upload, self.scale)
                note = f" With its original {self.original_name}."
            except ValueError as exc:
                self.original, self.original_name = None, None
                note = f" The original given before does not fit it ({exc}); add it again."
        self._say(self.upload.describe() + ". Press Explain." + note)

    def take_original(self, name: str, content) -> None:
        """An uploaded (or dropped) original of the uploaded photo: checked against the photo's size."""
        if self.upload is None:
            self.original, self.original_name = None, None
            self._say(f"{name!r}: upload the JPEG first, then its original.", "error")
            return
        try:
            self.original = read_original(name, content, self.workdir / "uploads" / uuid.uuid4().hex[:8],
                                          self.upload.photo, self.scale)
        except ValueError as exc:
            self.original, self.original_name = None, None
            self._say(str(exc), "error")
            return
        self.original_name = name
        self._say(f"{self.upload.describe()}. Original: {name}, the losses will be in dB. Press Explain.")

    # ---------------------------------------------------------------------------------------------- a job
    def explain(self) -> bool:
        """Start explaining the chosen input on the worker thread; False (and a line saying so) when the page is
        busy or there is nothing to explain."""
        if self.runner.busy:
            self.busy_line.value = (f"<span class='{PAGE_CLASS}-busy'>Busy: one explanation runs at a time; this "
                                    "one is still running. Wait for its answer.</span>")
            return False
        job = self.workdir / uuid.uuid4().hex[:12]
        if self.source.value == UPLOAD:
            if self.upload is None:
                self._say("Upload a JPEG first (or pick a sample).", "error")
                return False
            chosen, original = self.upload, self.original
        else:
            chosen = read_sample(self.source.value, job / "input", self.scale, self.quality)
            original = chosen.original
        out = job / "report" / chosen.stem

        def work(progress):
            from ..report.explain import explain_photo

            report = explain_photo(chosen.photo, out, models=list(self.models.values()), scale=self.scale,
                                   original=original, control=self.control, progress=progress,
                                   preview=self._first_look, **effort(self.quick))
            report.facts.source = chosen.name
            pictures = outputs_pictures(report)
            zip_path = zip_folder(out, self._download_dir() / uuid.uuid4().hex[:12] / f"{chosen.stem}.zip")
            import matplotlib.pyplot as plt

            plt.close("all")  # the report's figures are written; free them
            return report, pictures, zip_path, chosen

        # the page shows the job before it starts: a job that fails at once must not have its line overwritten
        previous = (self.status.value, self.answer.children, self.report)
        self.busy_line.value = ""
        self.answer.children = ()
        self.report = None
        self._say(f"Explaining {chosen.name}" + (" with its original." if original is not None else "."))
        self.bar.value = 0.0
        self.bar.layout.visibility = "visible"
        self.progress.value = "starting: loading the photo"
        if not self.runner.start(work, self._on_progress, self._on_done, self._on_error):
            # another kernel of this server holds the job lock: put the page back as it was
            self.status.value, self.answer.children, self.report = previous
            self.bar.layout.visibility = "hidden"
            self.progress.value = ""
            self.busy_line.value = (f"<span class='{PAGE_CLASS}-busy'>Busy: someone else's explanation is running "
                                    "on this server (one at a time). Try again in a minute.</span>")
            return False
        return True

    def _download_dir(self) -> Path:
        return (self.app_dir / "downloads") if self.app_dir else (self.workdir / "downloads")

    def _on_progress(self, event) -> None:
        now = time.monotonic()
        if now - self._last_progress < 0.25 and event.fraction < 1.0:
            return
        self._last_progress = now
        self.bar.value = event.fraction
        self.progress.value = html.escape(progress_line(event))

    def _first_look(self, look) -> None:
        """Pictures first: window 1's crops (blocky input, bicubic, the headline model) as soon as the model has
        rebuilt it, while the explanation goes on (called on the job's thread; the answer replaces it)."""
        if look.index != 1:
            return
        from ..figures.clues import plot_window_outputs
        from ..figures.png import png_bytes

        fig = plot_window_outputs(look.outputs, look.window_lr, look.block_box, look.grid_phase, ncols=3)
        picture = png_bytes(fig)
        fig.clear()
        self.answer.children = (
            widgets.HTML(f"<h3>First look: what {html.escape(look.headline_model)} rebuilt in the blockiest "
                         f"window</h3><p>The blocky input, a bicubic enlargement and the model's output; the block "
                         f"outlined is the one being explained. What the model used to rebuild it follows when "
                         f"the explanation is done (the line above says how long).</p>"),
            _image(picture, "60em", f"{PAGE_CLASS}-first-look"))

    def _on_error(self, exc: Exception) -> None:
        self.answer.children = ()  # a first look without its explanation would promise what will not come
        self.bar.layout.visibility = "hidden"
        self.progress.value = ""
        self.busy_line.value = ""
        if isinstance(exc, (ValueError, TypeError)):
            self._say(str(exc), "error")
        else:
            self._say("The explanation failed on the server (its log has the details); the page still works.",
                      "error")

    def _on_done(self, result) -> None:
        report, pictures, zip_path, chosen = result
        self.report, self.zip_path = report, zip_path
        self.bar.value = 1.0
        self.bar.layout.visibility = "hidden"
        stages = report.timings.get("stages", {})
        self.progress.value = html.escape(f"done in {report.seconds:.0f} s (figures {stages.get('figures', 0):.0f} s)")
        self.busy_line.value = ""
        self._say(f"The answer for {chosen.name}.")
        self.answer.children = self._answer_widgets(report, pictures, zip_path, chosen)

    # ------------------------------------------------------------------------------------------- answer
    def _answer_widgets(self, report, pictures, zip_path, chosen) -> tuple:
        from ..report.pictures import figure_names

        folder = report.out_dir
        names = figure_names(report.windows[0].index)
        k = report.plain_paragraphs or 1
        plain, rest = report.answer[:k], report.answer[k:]
        trust, technical = rest[-1:], rest[:-1]
        zoom = widgets.ToggleButtons(options=list(pictures), value="3×3 blocks", description="zoom",
                                     style={"button_width": "auto"})
        zoom.add_class(f"{PAGE_CLASS}-zoom")
        outputs = _image(pictures["3×3 blocks"], "60em", f"{PAGE_CLASS}-outputs")
        zoom.observe(self._guard(lambda ch: setattr(outputs, "value", pictures[ch["new"]])), names="value")
        parts = [widgets.HTML(f"<h3>What {html.escape(report.headline_model)} rebuilt: window 1 of "
                              f"{len(report.windows)}, the blockiest block of {html.escape(chosen.name)}</h3>"
                              "<p>The blocky input, a bicubic enlargement and the model's output; the explained "
                              "block is outlined.</p>"), zoom, outputs]
        causal = folder / names["causal"]
        if causal.is_file():
            parts += [widgets.HTML("<h3>Erase a clue, see what the block loses</h3><p>Each neighbouring block's "
                                   "fine patterns erased in turn (its colour kept): what the rebuilt block loses. "
                                   "The panels show the block before and after.</p>"),
                      _image(causal.read_bytes(), "70em", f"{PAGE_CLASS}-causal")]
        parts.append(widgets.HTML(f"<div class='{PAGE_CLASS}-plain'>{_paragraphs(plain)}</div>"))
        where = folder / "windows.png"
        folded = [("In detail (technical)", widgets.VBox(
                      [widgets.HTML(_paragraphs(technical))]
                      + ([_image(where.read_bytes(), "32em")] if where.is_file() else []))),
                  ("Which clues to trust", widgets.HTML(_paragraphs(trust))),
                  ("The numbers", widgets.HTML(numbers_html(report)))]
        details = widgets.Accordion(children=[w for _, w in folded], titles=tuple(t for t, _ in folded),
                                    selected_index=None)
        details.add_class(f"{PAGE_CLASS}-details")
        parts += [details, self._download_widget(zip_path), self._explore_widget(report, chosen)]
        return tuple(parts)

    def _download_widget(self, zip_path: Path) -> widgets.HTML:
        size = f"{zip_path.stat().st_size / 1024 ** 2:.1f} MB"
        if self.app_dir is not None:  # Voilà serves the app folder's downloads/ (server.py's file allowlist)
            base = os.environ.get("VOILA_BASE_URL", "/")
            href = base.rstrip("/") + "/voila/files/" + zip_path.relative_to(self.app_dir).as_posix()
            name = html.escape(zip_path.name)
            body = (f"<a class='{PAGE_CLASS}-download' href='{html.escape(href)}' download='{name}'>"
                    f"<b>Download the report</b></a> ({name}, {size}: index.html, report.json "
                    "and the PNG figures)")
        else:
            body = f"The report: {html.escape(str(zip_path))} ({size})"
        return widgets.HTML(f"<p>{body}</p>")

    def _explore_widget(self, report, chosen) -> widgets.Widget:
        """A folded section whose button builds the causal view (on the main thread, when asked)."""
        from ..report.explain import _headline

        box = widgets.VBox([])
        open_button = widgets.Button(description="Open the causal view", icon="hand-pointer-o")
        open_button.add_class(f"{PAGE_CLASS}-explore-open")
        note = widgets.HTML("<p>Click a neighbouring block of the explained one to erase its fine patterns and see "
                            "what the rebuilt block loses; click farther away to explain another block. The "
                            "first view computes the block's clues (a few seconds).</p>")

        def open_view(_b):
            from ..widgets.causal import CausalView

            open_button.disabled = True
            w = report.windows[0]
            head = _headline(list(self.models))
            models = {head: self.models[head], **{n: m for n, m in self.models.items() if n != head}}
            view = CausalView(models, report.photo.image, scale=report.scale, block=w.block,
                              grid_phase=report.facts.grid_phase, original=report.original,
                              baseline_quality=int(report.params["baseline_quality"]),
                              draws=4 if self.quick else 16)
            self.explore_view = view
            box.children = (view.widget,)

        open_button.on_click(self._guard(open_view))
        section = widgets.Accordion(children=[widgets.VBox([note, open_button, box])],
                                    titles=("Explore: take a clue away yourself",), selected_index=None)
        section.add_class(f"{PAGE_CLASS}-explore")
        return section


def read_original_check(original: np.ndarray, upload: Upload, scale: float) -> None:
    """ValueError when an original already given does not fit a newly uploaded photo (scale × its size)."""
    from ..probes.causal import check_original
    from ..upscale import output_size

    check_original(original, output_size(upload.photo.image.shape, scale))
