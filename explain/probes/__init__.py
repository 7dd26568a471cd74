"""Probes: what the model uses. Each returns a dataclass of numpy arrays; plots live in :mod:`explain.figures`.

Probes talk to a model only through ``encode`` / ``query`` (features once, then queries).
"""

from .attribution import METHODS, AttributionResult, attribute
from .causal import CausalClues, causal_clues, compare_effects
from .clues import ClueCheck, Clues, clues
from .ensemble import AblationSeams, EnsembleResult, ablation_seams, ensemble_weights, seam_measure
from .faithfulness import DeletionCurve, SanityCheckResult, deletion_curve, sanity_check
from .latent import LatentFeatures, latent_features
from .response import (
    CellResponse,
    DctBasisResponse,
    HybridResponse,
    ImpulseResponse,
    LineResponse,
    cell_response,
    dct_basis_response,
    hybrid_response,
    impulse_response,
    line_response,
)
from .unit_maps import UnitMaps, block_edge_enrichment, unit_maps
from .weight_space import ScoringBatch, WeightIG, abs_delta, unit_scores, weight_path_ig

__all__ = ["attribute", "AttributionResult", "METHODS", "ensemble_weights", "EnsembleResult", "ablation_seams",
           "AblationSeams", "seam_measure", "sanity_check", "SanityCheckResult", "deletion_curve", "DeletionCurve",
           "latent_features", "LatentFeatures", "line_response", "LineResponse", "cell_response", "CellResponse",
           "clues", "Clues", "ClueCheck", "causal_clues", "CausalClues", "compare_effects",
           "weight_path_ig", "WeightIG", "ScoringBatch", "unit_scores", "abs_delta", "unit_maps", "UnitMaps",
           "block_edge_enrichment", "impulse_response", "ImpulseResponse", "dct_basis_response", "DctBasisResponse",
           "hybrid_response", "HybridResponse"]
