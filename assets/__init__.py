"""Package data: the packaged model weights (``<name>.pt``) and their model cards (``<name>.json``)."""
