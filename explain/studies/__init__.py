"""Studies: measured comparisons built from the package's pieces (codecs, models, metrics, probes).

:mod:`.codec_study` compares codecs' artifacts and what LIIF does with them, :mod:`.compressed_models`
audits fp16 / int8 / pruned copies of a model, :mod:`.region_coding` codes a region at high quality at equal
total bit rate (its bytes counted per MCU by :mod:`.jpeg_scan`), and :mod:`.latent_information` probes what the
encoder's latent codes carry. Each study module is also a ``liif-explain`` subcommand (``add_arguments`` / ``run``).
"""
