"""A corpus: explain (or run the codec study on) many images at once, one task per image on ``dask.distributed``.

The pieces, one job each:

* :mod:`.sources`  — which image files a folder, a glob or a list names, and each image's key;
* :mod:`.params`   — the parameters' hash (models by their weights, scale, windows, steps, seed, versions);
* :mod:`.rows`     — the long-format rows of one explained image (:func:`.rows.report_rows`), error rows;
* :mod:`.store`    — the Parquet dataset under ``OUT/rows``: one file per image, written atomically;
* :mod:`.cluster`  — an embedded ``LocalCluster`` or an existing scheduler, quietly;
* :mod:`.tasks`    — what a worker does for one image (models cached once per worker process);
* :mod:`.run`      — the driver: submit, collect as completed, progress, interruption, exit status;
* :mod:`.answer`   — aggregates over images with bootstrap 95 % intervals, by JPEG quality band;
* :mod:`.report`   — ``OUT/answer.md`` and ``OUT/index.html``;
* :mod:`.cli`      — ``liif-explain explain DIR_OR_GLOB …`` options; :mod:`.codecs` — ``liif-explain codecs
  --images DIR`` per image on the cluster.

Nothing here imports Dask at module level: a single photo never touches it.
"""
