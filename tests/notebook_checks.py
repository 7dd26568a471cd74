"""What a notebook's quick run must show, checked the same way on a headless run (tests/test_notebooks.py) and on a
Run All in JupyterLab (tests/test_browser.py and, for notebook 01, tests/test_browser_lesson.py, which then stand in
for the headless run of their notebooks)."""

from __future__ import annotations

WIDGET = "application/vnd.jupyter.widget-view+json"

# JupyterLab's cells → the same summary as :func:`summarise` (run in the page)
LAB_CELLS = """() => {
  const w = window.jupyterapp.shell.currentWidget;
  const text = x => [].concat(x || []).join('');
  return w.content.widgets.filter(c => c.model.type === 'code').map(c => ({
    source: c.model.sharedModel.getSource(),
    outputs: c.model.outputs.toJSON().map(o => ({
      output_type: o.output_type, text: text(o.text),
      widget: !!(o.data && o.data['""" + WIDGET + """']),
      static: !!(o.data && text(o.data['text/html']).includes('explain-static-view') && o.data['image/png'])}))}));
}"""


def _text(value) -> str:
    return "".join(value) if isinstance(value, list) else (value or "")


def summarise(nb) -> list[dict]:
    """An executed nbformat notebook's code cells as [{source, outputs: [{output_type, text, widget, static}]}]."""
    cells = []
    for c in nb.cells:
        if c.cell_type != "code":
            continue
        outs = []
        for o in c.outputs:
            data = o.get("data", {})
            outs.append({"output_type": o.output_type, "text": _text(o.get("text")), "widget": WIDGET in data,
                         "static": "explain-static-view" in _text(data.get("text/html")) and "image/png" in data})
        cells.append({"source": c.source, "outputs": outs})
    return cells


def quick_run_problems(cells: list[dict]) -> list[str]:
    """What is wrong with a quick-mode run of a numbered notebook (empty: nothing): no error output, the set-up cell
    says QUICK MODE, and a widget only where a view is displayed (one each), each view also leaving a static snapshot
    of its first state (an HTML output with the PNG inline)."""
    problems = [f"error output in cell {c['source'][:60]!r}" for c in cells
                for o in c["outputs"] if o["output_type"] == "error"]
    setup = next((c for c in cells if "setup(" in c["source"]), None)
    if setup is None or "QUICK MODE" not in "".join(o["text"] for o in setup["outputs"]):
        problems.append("the set-up cell does not say QUICK MODE")
    for c in cells:
        widgets = sum(o["widget"] for o in c["outputs"] if o["output_type"] == "display_data")
        shows_view = "View(" in c["source"] and "display(" in c["source"]
        if widgets != (1 if shows_view else 0):
            problems.append(f"{widgets} widget outputs in cell {c['source'][:60]!r}")
        if shows_view and not any(o["static"] for o in c["outputs"] if o["output_type"] == "display_data"):
            problems.append(f"no static snapshot of the view in cell {c['source'][:60]!r}")
    return problems
