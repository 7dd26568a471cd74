"""Plotting functions: each takes a probe's result (plain data) and returns a matplotlib Figure."""

from .attribution import plot_attribution, plot_attribution_comparison, plot_deletion_curve, plot_sanity_check
from .causal import plot_causal, plot_intervention
from .clues import (
    plot_channel_clue,
    plot_ensemble_latent,
    plot_frequency_clue,
    plot_grid_phase,
    plot_spatial_clue,
    plot_window_outputs,
    plot_windows,
)
from .compare import plot_crops, plot_overview, plot_scale
from .ensemble import plot_ablation_seams, plot_contributions, plot_ensemble
from .latent import plot_channel_scores, plot_feature_difference, plot_latent_pca, plot_top_channels
from .response import (
    plot_cell_response,
    plot_dct_basis_responses,
    plot_dct_energy_table,
    plot_hybrid,
    plot_impulse_responses,
    plot_line_response,
)

__all__ = ["plot_attribution", "plot_attribution_comparison", "plot_deletion_curve", "plot_sanity_check",
           "plot_crops", "plot_overview", "plot_scale", "plot_ensemble", "plot_contributions", "plot_ablation_seams",
           "plot_latent_pca", "plot_top_channels", "plot_channel_scores", "plot_feature_difference",
           "plot_line_response", "plot_cell_response", "plot_spatial_clue", "plot_frequency_clue", "plot_channel_clue",
           "plot_grid_phase", "plot_windows", "plot_window_outputs", "plot_ensemble_latent", "plot_causal",
           "plot_intervention", "plot_impulse_responses", "plot_dct_basis_responses", "plot_dct_energy_table",
           "plot_hybrid"]
