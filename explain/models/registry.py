"""A tiny registry of buildable parts, keyed by the names official LIIF configs use."""

from __future__ import annotations

from .liif import LIIFConfig

_ENCODERS = {
    # name → (n_resblocks, channels) defaults of the official EDSR variants
    "edsr-baseline": (16, 64),
}


def config_from_official_spec(spec: dict) -> LIIFConfig:
    """LIIFConfig from an official ``{'name': 'liif', 'args': {...}}`` model spec."""
    if not isinstance(spec, dict) or "name" not in spec:
        raise ValueError("official model spec must be a dict with 'name' and 'args'")
    if spec["name"] != "liif":
        raise ValueError(f"unsupported model {spec['name']!r}; only 'liif' can be loaded")
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
    return LIIFConfig(
        n_resblocks=int(enc_args.get("n_resblocks", blocks)),
        channels=int(enc_args.get("n_feats", channels)),
        hidden=tuple(hidden),
        feat_unfold=bool(args.get("feat_unfold", True)),
        local_ensemble=bool(args.get("local_ensemble", True)),
        cell_decode=bool(args.get("cell_decode", True)),
    )


def official_spec(config: LIIFConfig) -> dict:
    """The official-format spec for a config (a bicubic skip has no official counterpart)."""
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
