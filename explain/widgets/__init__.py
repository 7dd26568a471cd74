"""Interactive views (ipywidgets) that wire probes (:mod:`explain.probes`) to figures (:mod:`explain.figures`).

Each view holds plain results (``view.result``, ``view.figure``, ``view.text``) so its callbacks can be driven
without a browser: set a control's ``value`` (or call ``view.set(...)``) and it recomputes. Encoder features
are cached per (model, image) in a shared :class:`FeatureCache`, so moving a window never re-encodes.

    AttributionView  window / method / steps / baseline → attribution maps, DI, block shares, sanity check
    LatentView       model / view / ranking → latent PCA, top channels, channel scores, clean-vs-compressed
    EnsembleView     region / model → the four ensemble weights, predictions, disagreement
    ScaleView        scale slider → LIIF vs bicubic at any scale
    CodecView        codec / quality / bit rate / window → decoded LR, artefacts, upscales, attribution statistics
    CausalView       block / clue to erase (a click on a neighbouring block) → the block's output before and after
    SwapView         fraction of the twin's top FAIG units swapped for the control's → the window morphing

The attribution, ensemble, codec and causal views also take a click on their image to move the window (ipympl, in the
``lab`` extra; :class:`WindowPicker`). Every view displays a static snapshot of its initial state too.
Rate–distortion curves (no widget) are :mod:`explain.studies.rate_distortion`.
"""

from .attribution import AttributionView
from .cache import FeatureCache, default_cache, image_hash
from .causal import CausalView
from .codecs import CodecView
from .ensemble import EnsembleView
from .latent import LatentView
from .pick import WindowPicker, ipympl_available
from .scale import ScaleView
from .skill import SwapView

__all__ = ["AttributionView", "CausalView", "LatentView", "EnsembleView", "ScaleView", "SwapView", "CodecView",
           "FeatureCache", "default_cache", "image_hash", "ipympl_available", "WindowPicker"]
