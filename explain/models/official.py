"""LIIF's official checkpoint format (github.com/yinboc/liif): ``{'model': {'name': 'liif', 'args': {...}, 'sd': …}}``.

:data:`LIIF_OFFICIAL` tells the registry (:mod:`explain.models.registry`) how such a spec maps to
:class:`~explain.models.liif.LIIFConfig` fields and back; the EDSR mean-shift keys ``encoder.sub_mean.*`` /
``encoder.add_mean.*`` of those files are ignored (LIIF never applies them).
"""

from __future__ import annotations

from .registry import OfficialFormat

_ENCODERS = {
    # name → (n_resblocks, channels) defaults of the official EDSR variants
    "edsr-baseline": (16, 64),
}


def liif_fields_from_spec(spec: dict) -> dict:
    """LIIFConfig fields from an official ``{'name': 'liif', 'args': {...}}`` model spec (ValueError if unsupported)."""
    args = dict(spec.get("args") or {})
    enc = args.get("encoder_spec") or {}
    enc_name = enc.get("name")
    if enc_name not in _ENCODERS:
        raise ValueError(f"unsupported LIIF encoder {enc_name!r}; supported: {sorted(_ENCODERS)}")
    enc_args = enc.get("args") or {}
    if not enc_args.get("no_upsampling", False):
        raise ValueError("LIIF encoders must be built with no_upsampling=True")
    blocks, channels = _ENCODERS[enc_name]
    imnet = args.get("imnet_spec") or {}
    if imnet and imnet.get("name") != "mlp":
        raise ValueError(f"unsupported LIIF decoder {imnet.get('name')!r}; only 'mlp'")
    hidden = (imnet.get("args") or {}).get("hidden_list", [256, 256, 256, 256])
    return {
        "n_resblocks": int(enc_args.get("n_resblocks", blocks)),
        "channels": int(enc_args.get("n_feats", channels)),
        "hidden": tuple(hidden),
        "feat_unfold": bool(args.get("feat_unfold", True)),
        "local_ensemble": bool(args.get("local_ensemble", True)),
        "cell_decode": bool(args.get("cell_decode", True)),
    }


def liif_spec(config) -> dict:
    """The official-format spec for a LIIFConfig (a bicubic skip has no official counterpart)."""
    if config.skip != "none":
        raise ValueError("models with a bicubic skip cannot be written in the official LIIF format")
    return {
        "name": "liif",
        "args": {
            "encoder_spec": {"name": "edsr-baseline",
                             "args": {"no_upsampling": True, "n_resblocks": config.n_resblocks,
                                      "n_feats": config.channels}},
            "imnet_spec": {"name": "mlp", "args": {"out_dim": 3, "hidden_list": list(config.hidden)}},
            "local_ensemble": config.local_ensemble,
            "feat_unfold": config.feat_unfold,
            "cell_decode": config.cell_decode,
        },
    }


LIIF_OFFICIAL = OfficialFormat(fields=liif_fields_from_spec, spec=liif_spec,
                               ignored_prefixes=("encoder.sub_mean.", "encoder.add_mean."),
                               origin="official LIIF checkpoint")
