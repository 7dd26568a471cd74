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

# %% tags=["parameters"]
from explain.models.names import DEFAULT_MODELS

image = "astronaut"  # the sample selected first: astronaut (the tour's image), coffee or chelsea
quality = 20  # the samples' JPEG quality (each is its picture ×scale downscaled, as the tour makes it)
scale = 4  # the upscaling factor explained
models = list(DEFAULT_MODELS)  # the models explained; the answer speaks about the JPEG twin

# %%
# The page `liif-explain app` serves with Voilà (explain.app.page.Page); it works in JupyterLab too. Pick a sample
# or upload a JPEG (and its original, for dB figures), press Explain: pictures first, then the words, the numbers
# and a ZIP of the report. With EXPLAIN_QUICK=1 (the test suite) an explanation covers one block with few steps.
from IPython.display import display

from explain.app.page import Page

page = Page(models=models, scale=scale, sample=image, quality=quality)
display(page)
