"""The page for the person with the JPEG: ``liif-explain app`` serves ``notebooks/09_explain_your_jpeg.ipynb`` with
Voilà (:mod:`explain.app.server`); the notebook shows :class:`explain.app.page.Page`.

Pipeline position: the page only wires :func:`explain.report.explain_photo` (the answer, its PNG figures and
``report.json``) and :class:`explain.widgets.causal.CausalView` (the explore section). Modules, one job each:

* :mod:`explain.app.uploads`: the limits of an upload, reading an uploaded file or a sample into a checked file;
* :mod:`explain.app.jobs`: one explanation at a time on a worker thread, its progress line, the report's ZIP;
* :mod:`explain.app.page`: the widgets;
* :mod:`explain.app.server`: the ``liif-explain app`` command (Voilà with an offline template, a preheated kernel).
"""
