"""Studies: measured comparisons built from the package's pieces (codecs, models, metrics, probes).

:mod:`.codec_study` compares codecs' artifacts and what LIIF does with them, :mod:`.rate_distortion` draws the
rate–distortion curves of one image, :mod:`.compressed_models` audits fp16 / int8 / pruned copies of a model
(built by :mod:`explain.models.surgery`), :mod:`.region_coding` codes a region at high quality at equal total bit
rate (its bytes counted per MCU by :mod:`.jpeg_scan`), and :mod:`.latent_information` probes what the encoder's
latent codes carry.

Each study is a package with one job per module: the computation (returning plain dataclasses of numpy arrays),
its results, its Markdown (``markdown.py``), its files (``files.py``) and its ``liif-explain`` subcommand
(``cli.py``: ``add_arguments`` / ``run``, re-exported by the package). Shared: :mod:`._common` (image and model
inputs), :mod:`._files` (JSON, CSV, figures), :mod:`._markdown` (table cells) and :mod:`._cli` (CLI values).
The figures of the studies are :mod:`explain.figures.studies`, which imports no study.
"""
