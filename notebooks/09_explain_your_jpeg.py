# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.7
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Explain your JPEG
#
# The page `liif-explain app` serves (with Voilà): pick a sample or upload your JPEG (and, if you have it, the
# original it was made from), press **Explain**, and read what the model used to rebuild its blockiest blocks —
# pictures first, then the words, then the numbers, and a ZIP of the whole report. Open it in JupyterLab as well:
# the same widgets work there. With `EXPLAIN_QUICK=1` (the test suite) an explanation covers one block with few
# steps.

# %% tags=["parameters"]
from explain.models.names import DEFAULT_MODELS

image = "astronaut"  # the sample selected first: astronaut (the tour's image), coffee or chelsea
quality = 20  # the samples' JPEG quality (each is its picture ×scale downscaled, as the tour makes it)
scale = 4  # the upscaling factor explained
models = list(DEFAULT_MODELS)  # the models explained; the answer speaks about the JPEG twin

# %%
from IPython.display import display

from explain.app.page import Page

page = Page(models=models, scale=scale, sample=image, quality=quality)
display(page)
