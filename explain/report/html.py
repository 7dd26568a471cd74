"""The HTML page of an explain report: the answer in words first, then the file's facts, then the evidence."""

from __future__ import annotations

import html

import numpy as np

from ..probes.clues import RHO_PASS, TV_PASS
from .pictures import figure_names
from .words import coefficient_words

STYLE = """body{font-family:system-ui,sans-serif;max-width:1200px;margin:auto;padding:0 1em;line-height:1.45}
table{border-collapse:collapse;margin:0.5em 0 1em}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}
td:first-child,th:first-child{text-align:left}
.answer{background:#f3f7ff;border-left:4px solid #3b6fd8;padding:0.6em 1em}
img{max-width:100%;margin:0.3em 0}code{background:#f2f2f2;padding:0 3px}.pass{color:#17702a}.fail{color:#b3261e}
.note{color:#555;font-size:0.92em}"""


def _e(x) -> str:
    return html.escape(str(x))


def _pct(x) -> str:
    return "—" if x is None or not np.isfinite(x) else f"{100 * x:.1f} %"


def _num(x, fmt="{:.2f}") -> str:
    return "—" if x is None or not np.isfinite(x) else fmt.format(x)


def _table(header, rows) -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _facts_table(f) -> str:
    rows = [("source", _e(f.source)), ("format", _e(f.format or "—")),
            ("size", f"{f.size[1]}×{f.size[0]} pixels ({f.size[0] * f.size[1] / 1e6:.2f} MP)")]
    if f.file_bytes:
        rows.append(("file size", f"{f.file_bytes:,} bytes, {f.bpp:.3f} bits per pixel"))
    if f.is_jpeg:
        if f.quality is not None:
            q = f.quality
            rows.append(("quality (luma table, IJG scale)",
                         f"{q.quality}" + (f" (tables equally fit {q.low}–{q.high})" if q.low != q.high else "")
                         + ("; exactly libjpeg's table" if q.exact else
                            f"; not libjpeg's table (mean |ln ratio| {q.log_error:.3f}); continuous reading "
                            f"{q.continuous:.1f}")))
        if f.chroma_quality is not None:
            rows.append(("quality (chroma table)", f"{f.chroma_quality.quality}"))
        coding = _e(f.coding or ("progressive" if f.progressive else "baseline"))
        rows += [("chroma subsampling", _e(f.subsampling)),
                 ("coding", coding + (f", {f.sample_bits}-bit samples" if f.sample_bits else "")),
                 ("components", f"{f.components} ({_e(f.colour_model)})"),
                 ("file's own grid phase", _e(f.header_phase))]
    if f.orientation != 1:
        rows.append(("EXIF orientation", str(f.orientation)))
    g = f.grid
    rows.append(("grid in the pixels", (f"found at phase {g.phase}" if g.found else f"not found (best {g.phase})")
                 + f"; contrast rows {g.contrast[0]:.2f}, cols {g.contrast[1]:.2f}"))
    rows.append(("grid used by the probes", _e(f.grid_phase)))
    return _table(("fact", "value"), rows)


def _spatial_table(w) -> str:
    rows = []
    for name, c in w.clues.items():
        s = c.spatial.summary()
        rows.append((_e(name), _pct(s["own_block"]), _pct(s["neighbour_blocks"]), _pct(s["beyond"]),
                     _pct(s["block_edge_share"]), _pct(s["block_edge_area"]), _num(s["block_edge_enrichment"]),
                     _num(s["di_whole_map"], "{:.1f}"), _num(s["di_receptive_box"], "{:.1f}"),
                     str(s["cumulative_area_95"]), _pct(s["completeness_gap"]),
                     f"{_pct(s['ig_own_block'])} / {_pct(s['ig_neighbour_blocks'])} / {_pct(s['ig_beyond'])}"))
    return _table(("model", "own block", "8 neighbouring blocks", "beyond", "block-edge pixels' share",
                   "block-edge area", "block-edge enrichment", "DI, whole map (as LAM)", "DI, receptive box",
                   "LR px holding 95 %", "LAM completeness gap", "IG own / neighbours / beyond"), rows)


def _frequency_table(w) -> str:
    rows = []
    for name, c in w.clues.items():
        for key, label in (("gradient_x_coefficient", "gradient × coefficient"),
                           ("integrated_gradients", "IG from the coarser JPEG")):
            m = getattr(c.frequency, key)
            b, bn, comp, rings = m.band_shares(), m.band_shares("neighbours"), m.component_shares(), m.ring_shares()
            top = m.top_coefficients(1, "neighbours")
            rows.append((_e(name), label, f"{_pct(b['dc'])} / {_pct(b['low_ac'])} / {_pct(b['high_ac'])}",
                         f"{_pct(bn['dc'])} / {_pct(bn['low_ac'])} / {_pct(bn['high_ac'])}",
                         f"{_pct(rings['own'])} / {_pct(rings['neighbours'])} / {_pct(rings['beyond'])}",
                         f"{_pct(comp['Y'])} / {_pct(comp['Cb'])} / {_pct(comp['Cr'])}",
                         _e(coefficient_words(top[0])) + f" ({_pct(top[0]['share'])})" if top else "—",
                         _pct(m.completeness_gap)))
    return _table(("model", "method", "DC / low AC / high AC (all blocks)", "… in the 8 neighbours",
                   "own / neighbours / beyond", "input Y / Cb / Cr", "strongest neighbour coefficient",
                   "completeness gap"), rows)


def _channel_table(w) -> str:
    rows = []
    for name, c in w.clues.items():
        ch = c.channel
        for i, comp in enumerate(("Y", "Cb", "Cr")):
            rows.append((_e(name) if i == 0 else "", f"output {comp} detail",
                         *(_pct(v) for v in ch.shares[i]), _pct(ch.completeness_gap[i])))
    return _table(("model", "output", "input Y", "input Cb", "input Cr", "completeness gap"), rows)


def _ensemble_table(w) -> str:
    rows = []
    for name in w.clues:
        e, lt = w.ensemble[name], w.latent[name]
        rows.append((_e(name), _num(e["max_weight_mean"]), _num(e["spread_near_edges"], "{:.4f}"),
                     _num(e["spread_inside"], "{:.4f}"), _num(e["edge_spread_ratio"]),
                     _num(lt["boundary_response_median"]), _pct(lt["channels_above_1_5"]),
                     f"{_num(lt.get('periodicity_mean', float('nan')), '{:.3f}')} "
                     f"(chance {_num(lt.get('periodicity_chance', float('nan')), '{:.3f}')})"))
    return _table(("model", "mean largest ensemble weight", "spread near block edges", "spread inside blocks",
                   "edge / inside", "latent boundary response (median channel)", "channels > 1.5",
                   "latent periodicity at 1/8 px⁻¹"), rows)


def _checks_table(w) -> str:
    rows = []
    for name, c in w.clues.items():
        for k in c.checks:
            if k.passes is None:
                verdict = "not run"
            else:
                verdict = f'<span class="{"pass" if k.passes else "fail"}">{"passes" if k.passes else "fails"}</span>'
            rows.append((_e(name), _e(k.clue), _pct(k.completeness_gap),
                         _num(k.randomisation) if k.randomisation is not None else "—",
                         ("ρ < " if k.metric.startswith("Spearman") else "TV ≥ ") + f"{k.threshold:g}", verdict))
    return _table(("model", "clue", "completeness gap", "similarity to the randomised model", "passes when",
                   "randomisation test"), rows)


def _causal_table(w, report) -> str:
    """Every intervention on the window's block: the figure per model (explained models, control), bicubic's, and
    whether the headline model's effect differs from the control's over all windows (95 % intervals,
    :func:`explain.probes.causal.compare_effects`)."""
    labels = list(w.causal)
    if not labels:
        return ""
    first = w.causal[labels[0]]
    with_original = first.has_original
    fmt = (lambda x: _num(x, "{:+.2f}")) if with_original else (lambda x: _pct(x))
    roles = report.causal_roles
    header = ["intervention", *(f"{lab} ({roles.get(lab, 'explained')})" for lab in labels), "bicubic"]
    learnt = {role: comp for role, (_, comp) in report.learnt.items()}
    for role in learnt:
        header.append(f"{report.headline_model} ≠ {role}? (all windows)")
    rows = []
    for name, eff in first.effects.items():
        cells = [f"<code>{_e(name)}</code><br><span class=\"note\">{_e(eff.description)}</span>"]
        for lab in labels:
            e = w.causal[lab].effects.get(name)
            text = "—" if e is None else fmt(e.figure)
            if e is not None and e.interval is not None:
                text += f"<br><span class=\"note\">draws {fmt(e.interval[0])} … {fmt(e.interval[1])}</span>"
            cells.append(text)
        b = first.effects[name]
        cells.append(fmt(b.db_lost_bicubic if with_original else b.change_bicubic))
        for comp in learnt.values():
            c = comp.get(name)
            cells.append("—" if c is None else
                         f'<span class="{"pass" if c.differs else "fail"}">{"yes" if c.differs else "no"}</span> '
                         f"{fmt(c.difference)} [{fmt(c.interval[0])}, {fmt(c.interval[1])}]")
        rows.append(cells)
    return _table(header, rows)


ROLE_WORDS = {"control": "the control's"}


def _learnt_words(report) -> str:
    """The sentence on the last column of the causal table: the comparison the report holds (the control), or
    nothing."""
    roles = [ROLE_WORDS.get(role, f"the {role}'s") for role in report.learnt]
    if not roles:
        return ""
    return (f"The last columns test, over all explained windows, whether {_e(report.headline_model)}'s effect "
            f"differs from {' and from '.join(roles)} (difference and 95 % paired bootstrap interval over 4×4-pixel "
            "output tiles).")


def _causal_section(w, report, names) -> str:
    if not w.causal:
        return ""
    first = next(iter(w.causal.values()))
    what = ("dB lost: PSNR-Y of the block's 32×32 output (at ×4) against the original, before minus after (positive: "
            "detail lost)" if first.has_original else
            "relative change ‖y′ − y‖ / ‖y‖ of the block's output (no original given: pass --original for dB)")
    gain = ""
    head = w.causal.get(report.headline_model)
    if head is not None and head.gain_db is not None:
        gain = (f" Before any edit, {_e(report.headline_model)} beats bicubic on this block by "
                f"{head.gain_db:+.2f} dB (PSNR-Y {head.psnr_model:.2f} against {head.psnr_bicubic:.2f} dB).")
    return f"""<h3>Causal clues: take each clue away and measure what the block loses</h3>
<p>Edits of the decoded JPEG's blockwise 8×8 DCT (Y, Cb, Cr at full resolution) in the block and its 8 neighbours,
decoded back, clipped to [0, 1] and run through each model on the block's exact receptive crop. Figures: {what}.
Each effect is weighed against bicubic on the same edited input and against the control.
{_learnt_words(report)}{gain}</p>
{_causal_table(w, report)}<img src="{names['causal']}" alt="causal clues">"""


def render_html(report, files) -> str:
    f = report.facts
    k = report.plain_paragraphs
    first_picture = ""
    if k and report.windows and report.headline_model in report.windows[0].causal:
        first_picture = (f'<img src="{figure_names(report.windows[0].index)["causal"]}" '
                         'alt="the block and its neighbours coloured by causal effect">')
    answer = ("".join(f"<p>{_e(p)}</p>" for p in report.answer[:k]) + first_picture
              + "".join(f"<p>{_e(p)}</p>" for p in report.answer[k:]))
    models = "".join(f"<li><b>{_e(n)}</b>: {_e(s)}</li>" for n, s in report.model_status.items())
    notes = "".join(f"<li>{_e(n)}</li>" for n in f.notes)
    parts = [f"""<!doctype html><html><head><meta charset="utf-8"><title>liif-explain: {_e(f.source)}</title>
<style>{STYLE}</style></head><body>
<h1>What did the models use to rebuild this JPEG?</h1>
<div class="answer">{answer}</div>
<p class="note">Reproduce: <code>liif-explain explain {_e(f.source)} --models {' '.join(_e(m) for m in report.models)}
--scale {report.scale:g}</code>. Every number here is in <a href="report.json">report.json</a>.
Computed in {report.timings.get('compute_seconds', report.seconds):.0f} s
({report.params.get('torch_threads')} torch threads, {report.params.get('cpu_count')} CPUs).</p>
<h2>The file</h2>{_facts_table(f)}{'<ul>' + notes + '</ul>' if notes else ''}
<img src="grid_phase.png" alt="blockiness of the 64 grid placements">
<h2>Models</h2><ul>{models}</ul>
<h2>The explained windows</h2>
<p>{'The blockiest windows' if report.windows[0].chosen_by == 'blockiest' else 'The windows you chose'}: each is an
8×8 block and its 8 neighbours (24×24 LR pixels) on the grid at phase {_e(f.grid_phase)}; the centre block is
explained. Blockiness: Yim &amp; Bovik's D<sub>B</sub> − D<sub>B</sub><sup>c</sup> on luma within the window.</p>
<img src="windows.png" alt="windows on the photo">"""]
    for w in report.windows:
        names = figure_names(w.index)
        (r0, r1), (c0, c1) = w.block_box
        parts.append(f"""<h2>Window {w.index}</h2>
<p>LR rows {w.window_lr[0]}–{w.window_lr[0] + w.window_lr[2] - 1},
cols {w.window_lr[1]}–{w.window_lr[1] + w.window_lr[3] - 1};
explained block rows {r0}–{r1 - 1}, cols {c0}–{c1 - 1}; blockiness {_num(w.blockiness, '{:.4g}')}.
The model outputs are computed exactly on each window's receptive field (the same pixels a full upscale gives).</p>
<img src="{names['outputs']}" alt="window outputs">
{_causal_section(w, report, names)}
<h3>Spatial clue: where the evidence lies</h3>
<p>LAM (Gu &amp; Dong 2021) of LAM's detail detector (Sobel gradient magnitude summed over the block's output),
{report.params['lam_steps']} blur-path steps; shares of |attribution|. IG: integrated gradients from the coarser
JPEG.</p>
{_spatial_table(w)}<img src="{names['spatial']}" alt="spatial clue">
<h3>Frequency clue: which DCT coefficients of which blocks</h3>
<p>Attribution on the blockwise 8×8 DCT of the input's JFIF Y, Cb, Cr planes (JPEG units, on the grid above):
gradient × coefficient, and integrated gradients along the coefficient path from a baseline that drops every
coefficient a quality-{w.clues[report.models[0]].params['baseline_quality']} quantiser would zero
({report.params['ig_steps']} trapezoid steps, doubled where the completeness gap was over 5 %).
Low AC = 1 ≤ u + v ≤ 2.</p>
{_frequency_table(w)}<img src="{names['frequency']}" alt="frequency clue"><img src="{names['frequency_ig']}"
alt="frequency clue, integrated gradients">
<h3>Channel clue: which input component rebuilds each output component's detail</h3>
{_channel_table(w)}<img src="{names['channel']}" alt="channel clue">
<h3>Local ensemble and latent codes</h3>
<p>Weighted spread: how far the 4 codes' predictions lie from the blended output (Chen et al. 2021, Eq. 3–4),
near block edges (within ½ LR pixel) vs inside blocks. Latent boundary response: mean |jump| of a code channel
across block boundaries / inside blocks (1 = the codes ignore the grid).</p>
{_ensemble_table(w)}<img src="{names['ensemble_latent']}" alt="ensemble and latent codes">
<h3>Faithfulness</h3>
<p>Model-parameter randomisation (Adebayo et al. 2018): every weight re-initialised, each clue recomputed. A map
passes when its Spearman ρ with the randomised model's map (on both maps' 95 % cores) is below {RHO_PASS:g}; a set of
headline shares (own block / neighbours / beyond, DC / low AC / high AC, the channel shares) when it moves by a
total-variation distance of at least {TV_PASS:g}. A share that a random network reproduces describes the image and
the architecture, not what the model learnt.</p>
{_checks_table(w)}""")
    parts.append("""<h2>How to read this</h2><ul class="note">
<li>Coordinates are LR pixels of the file as given (after EXIF orientation): rows down, columns right.</li>
<li>u is the horizontal DCT frequency (columns), v the vertical one (rows); coefficient (0, 0) is DC.</li>
<li>Chroma is analysed at full resolution on the luma grid; a 4:2:0 file's chroma planes hold only u, v &lt; 4.</li>
<li>No ground truth is used anywhere: nothing here says whether an output is right, only what it was made from.</li>
</ul></body></html>""")
    return "".join(parts)
