"""Reports on a user's own photo: ``explain_photo`` (Python) behind ``liif-explain explain PHOTO``."""

from .explain import (
    ExplainReport,
    FirstLook,
    WindowExplanation,
    blockiest_blocks,
    check_out_folder,
    explain_photo,
    resolve_models,
)

__all__ = ["explain_photo", "ExplainReport", "FirstLook", "WindowExplanation", "blockiest_blocks",
           "check_out_folder", "resolve_models"]
