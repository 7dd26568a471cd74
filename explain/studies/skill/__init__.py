"""Where the JPEG skill lives: FAIG (Xie et al., NeurIPS 2021) between the control and the JPEG twin, validated
by swapping units.

Modules: :mod:`.settings` (scoring and evaluation sets), :mod:`.scoring` (their images and sampled queries),
:mod:`.study` (scores, rankings, swap curves, unit views), :mod:`.cache` (per pair of weight sha256s in the user
cache), :mod:`.results`, :mod:`.markdown`, :mod:`.files` (``ranking.npz`` and the figures),
:mod:`.paragraph` (the answer's paragraph) and :mod:`.cli` (``liif-explain skill``). The probes live in
:mod:`explain.probes.weight_space` and :mod:`explain.probes.unit_maps`, the units and swaps in
:mod:`explain.models.units`.
"""

from .cache import cached_result, state_sha256
from .cli import add_arguments, run
from .files import RANKING_KEYS, read_ranking, write_ranking, write_skill
from .markdown import render_markdown, swap_table
from .paragraph import skill_paragraph, unit_firing
from .results import SkillResult
from .settings import EVAL_IMAGES, FRACTIONS, SCORING_IMAGES, EvalSettings, ScoringSettings
from .study import skill

__all__ = ["skill", "SkillResult", "ScoringSettings", "EvalSettings", "cached_result", "state_sha256",
           "skill_paragraph", "unit_firing", "write_skill", "write_ranking", "read_ranking", "RANKING_KEYS",
           "render_markdown", "swap_table", "add_arguments", "run", "SCORING_IMAGES", "EVAL_IMAGES", "FRACTIONS"]
