"""The registry of implicit SR families: a family name → its model class, its config class and, optionally,
how its authors' own checkpoints read. Modelled on LIIF's ``models.register`` / ``models.make``.

Registering a family (one decorator on the model class, which meets :mod:`explain.models.base`)::

    @register_model("toy", config=ToyConfig)
    class Toy(ImplicitSRModel): ...

makes it buildable by name (:func:`make_model`), savable and loadable (:mod:`explain.models.checkpoint`
records the family; files without one are LIIF) and usable by every probe, upscaling and the widgets.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from torch import nn

from .base import check_model


@dataclass(frozen=True)
class OfficialFormat:
    """How a family's checkpoints in its authors' format, ``{'model': {'name', 'args', 'sd'}}``, read and write.

    fields:           spec dict → config fields (ValueError naming what is unsupported).
    spec:             config → ``{'name': family, 'args': {...}}``.
    ignored_prefixes: state-dict key prefixes of such files that the model does not use.
    origin:           the ``meta['origin']`` of a model loaded from one.
    """

    fields: Callable[[dict], dict]
    spec: Callable[[object], dict]
    ignored_prefixes: tuple[str, ...] = ()
    origin: str = "official checkpoint"


@dataclass(frozen=True)
class Family:
    """One registered family: ``name``, ``model`` class (built as ``model(config)``), ``config`` class, ``official``."""

    name: str
    model: type
    config: type
    official: OfficialFormat | None = None


_FAMILIES: dict[str, Family] = {}


def register_model(name: str, *, config: type, official: OfficialFormat | None = None):
    """Class decorator: register a model class as family ``name`` with its ``config`` class.

    The config class must carry ``family = name`` (a class attribute) and ``to_dict()``; ``Config(**to_dict())``
    must rebuild it. ValueError when the name is taken by another class.
    """
    if not isinstance(name, str) or not name.strip() or name != name.strip():
        raise ValueError(f"a family name must be a non-empty string without surrounding spaces, got {name!r}")
    if not isinstance(config, type) or getattr(config, "family", None) != name:
        raise ValueError(f"the config class of family {name!r} must have the class attribute family = {name!r}, "
                         f"got {getattr(config, 'family', None)!r}")
    if not callable(getattr(config, "to_dict", None)):
        raise ValueError(f"the config class {config.__name__} of family {name!r} needs a to_dict() method")
    if official is not None and not isinstance(official, OfficialFormat):
        raise TypeError(f"official must be an OfficialFormat or None, got {type(official).__name__}")

    def decorator(cls: type) -> type:
        missing = [m for m in ("encode", "query") if not callable(getattr(cls, m, None))]
        if not isinstance(cls, type) or not issubclass(cls, nn.Module) or missing:
            raise TypeError(f"{getattr(cls, '__name__', cls)!r} cannot be registered as {name!r}: a family's model "
                            f"is a torch.nn.Module with encode and query methods (see explain.models.base)"
                            + (f"; it lacks {', '.join(missing)}" if missing else ""))
        known = _FAMILIES.get(name)
        if known is not None and known.model is not cls:
            raise ValueError(f"model family {name!r} is already registered ({known.model.__name__})")
        _FAMILIES[name] = Family(name, cls, config, official)
        return cls

    return decorator


def unregister_model(name: str) -> None:
    """Forget family ``name`` (tests, notebooks that redefine a family); KeyError-free for unknown names."""
    _FAMILIES.pop(name, None)


def families() -> tuple[str, ...]:
    """Names of the registered families, in registration order."""
    return tuple(_FAMILIES)


def family(name: str) -> Family:
    """The registered family ``name``; ValueError listing the known ones otherwise."""
    if name not in _FAMILIES:
        raise ValueError(f"no model family {name!r} is registered (known: {', '.join(_FAMILIES) or 'none'})")
    return _FAMILIES[name]


def make_config(name: str, fields=None):
    """Config of family ``name`` from a dict of fields (None: the defaults) or an existing config of that family.

    ValueError when the fields do not describe that family (unknown field, bad value).
    """
    fam = family(name)
    if isinstance(fields, fam.config):
        return fields
    if fields is None:
        fields = {}
    if not isinstance(fields, dict):
        raise TypeError(f"a {name!r} config is a dict of fields or a {fam.config.__name__}, "
                        f"got {type(fields).__name__}")
    try:
        return fam.config(**fields)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"the config does not describe a {name!r} model: {exc}") from None


def make_model(name: str, config=None):
    """A new (untrained) model of family ``name``: ``config`` is a dict of fields, a config or None (defaults)."""
    model = family(name).model(make_config(name, config))
    return check_model(model)


def family_of(model) -> str:
    """The registered family name of a model (its ``config.family``); ValueError if it is not registered."""
    name = check_model(model).config.family
    fam = family(name)
    if not isinstance(model, fam.model):
        raise ValueError(f"model of class {type(model).__name__} says family {name!r}, which is registered "
                         f"for {fam.model.__name__}")
    return name


def official_family(spec_name) -> Family:
    """The family whose official checkpoints carry ``spec['name'] == spec_name``; ValueError otherwise."""
    fam = _FAMILIES.get(spec_name) if isinstance(spec_name, str) else None
    if fam is None or fam.official is None:
        readable = [n for n, f in _FAMILIES.items() if f.official is not None]
        raise ValueError(f"unsupported model {spec_name!r}; only {', '.join(map(repr, readable))} can be loaded "
                         "from an official checkpoint")
    return fam
