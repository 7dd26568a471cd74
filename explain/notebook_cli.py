"""``liif-explain notebook NAME --image PHOTO [--html OUT]``: run one of the notebooks headless on your image.

The notebook's first code cell is tagged ``parameters``; the values given on the command line are written
into a new cell right after it, tagged ``injected-parameters`` (papermill's convention, done here with
nbformat), so the notebook runs unchanged with them. The executed notebook is exported to HTML.

NAME is a notebook's number ("00"), its file name with or without ".ipynb", or the path of any notebook
whose first code cell is tagged ``parameters``.
"""

from __future__ import annotations

import ast
import os
import re
from pathlib import Path

from .images import DEFAULT_IMAGES
from .paths import notebooks_dir

NOTEBOOKS = notebooks_dir()  # the checkout's notebooks/ folder; None in an installed copy
PARAMETERS_TAG = "parameters"
INJECTED_TAG = "injected-parameters"


def notebook_names(folder=NOTEBOOKS) -> list[str]:
    """File names of the numbered notebooks in ``folder`` ("00_….ipynb", …), sorted; none when ``folder`` is None."""
    if folder is None:
        return []
    return sorted(p.name for p in Path(folder).glob("[0-9][0-9]_*.ipynb"))


def resolve_notebook(name, folder=NOTEBOOKS) -> Path:
    """The .ipynb meant by ``name``: an existing path, a number ("2", "02"), or a (partial) file name."""
    text = os.fspath(name)
    path = Path(text)
    if path.suffix == ".ipynb" and path.is_file():
        return path
    if path.suffix == ".py" and path.with_suffix(".ipynb").is_file():  # the jupytext source of a pair
        return path.with_suffix(".ipynb")
    names = notebook_names(folder)
    if not names:
        where = "this installed copy" if folder is None else folder
        raise ValueError(f"no notebooks in {where} (the notebooks come with a checkout of the project; "
                         "give a notebook's path)")
    stem = text.removesuffix(".ipynb").removesuffix(".py")
    if stem.isdigit():
        matches = [n for n in names if n[:2] == f"{int(stem):02d}"]
    else:
        matches = [n for n in names if n.removesuffix(".ipynb") == stem] or [n for n in names if stem in n]
    if len(matches) != 1:
        listing = ", ".join(n.removesuffix(".ipynb") for n in names)
        what = "matches several notebooks" if matches else "is no notebook"
        raise ValueError(f"{text!r} {what}; choose one of {listing} (or give a path)")
    return Path(folder) / matches[0]


def parameters_cell(nb):
    """(index, cell) of the first code cell tagged ``parameters``; ValueError when there is none."""
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and PARAMETERS_TAG in cell.get("metadata", {}).get("tags", []):
            return i, cell
    raise ValueError("the notebook has no code cell tagged 'parameters'")


def parameter_names(nb) -> list[str]:
    """Names the parameters cell assigns (in order), read with :mod:`ast` (magics are commented out)."""
    _, cell = parameters_cell(nb)
    source = "\n".join(line for line in cell.source.splitlines() if not line.lstrip().startswith(("%", "!")))
    names = []
    for node in ast.parse(source).body:
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(
            node, (ast.AnnAssign, ast.AugAssign)) else []
        for t in targets:
            if isinstance(t, ast.Name) and t.id not in names:
                names.append(t.id)
    return names


def inject_parameters(nb, params: dict):
    """Write ``params`` (name → value with a Python literal repr) into a cell tagged ``injected-parameters``
    right after the parameters cell, replacing an earlier injected cell. Returns ``nb`` (changed in place).

    Raises ValueError for a name the parameters cell does not assign, or a value whose repr is no literal.
    """
    import nbformat

    known = parameter_names(nb)
    unknown = [k for k in params if k not in known]
    if unknown:
        raise ValueError(f"unknown parameter(s) {unknown}; this notebook takes {known}")
    lines = ["# Parameters given when the notebook was run"]
    for k, v in params.items():
        text = repr(v)
        try:
            ast.literal_eval(text)
        except (ValueError, SyntaxError):
            raise ValueError(f"parameter {k}={v!r} is not a Python literal") from None
        lines.append(f"{k} = {text}")
    nb.cells = [c for c in nb.cells if INJECTED_TAG not in c.get("metadata", {}).get("tags", [])]
    index, _ = parameters_cell(nb)
    cell = nbformat.v4.new_code_cell("\n".join(lines), metadata={"tags": [INJECTED_TAG]})
    nb.cells.insert(index + 1, cell)
    return nb


def image_parameter(image) -> str:
    """A default image name as is; a file as its absolute path (the kernel runs in the notebook's folder)."""
    text = os.fspath(image)
    path = Path(text).expanduser()
    if path.is_file():
        return str(path.resolve())
    if text in DEFAULT_IMAGES:
        return text
    raise ValueError(f"no image file {text!r} and no default image of that name ({', '.join(DEFAULT_IMAGES)})")


def default_html(notebook: Path, image: str) -> Path:
    """out/notebooks/<notebook>-<image>.html (the image's file stem, or its default name)."""
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", Path(image).stem) or "image"
    return Path("out") / "notebooks" / f"{notebook.stem}-{stem}.html"


def run_on_image(name, image, *, html=None, quality=None, scale=None, models=None, quick: bool | None = None,
                 threads: int | None = None, timeout: int = 900, out_ipynb=None):
    """Run notebook ``name`` headless with the given parameters (None: the notebook's default) and write the
    HTML (default :func:`default_html`). Returns (executed notebook, HTML path)."""
    import nbformat

    from .notebooks import check_quality, run_notebook

    path = resolve_notebook(name)
    params = {"image": image_parameter(image)}
    if quality is not None:
        params["quality"] = check_quality(quality)
    if scale is not None:
        if isinstance(scale, bool) or not isinstance(scale, int) or scale < 1:
            raise ValueError(f"scale must be a positive integer, got {scale!r}")
        params["scale"] = scale
    if models is not None:
        if not models or not all(isinstance(m, str) and m for m in models):
            raise ValueError(f"models must be one or more names or checkpoint paths, got {models!r}")
        params["models"] = [str(Path(m).resolve()) if Path(m).is_file() else m for m in models]
    nb = inject_parameters(nbformat.read(path, as_version=4), params)
    html = Path(html) if html is not None else default_html(path, params["image"])
    import tempfile

    with tempfile.TemporaryDirectory(prefix="liif-notebook-") as tmp:
        injected = Path(tmp) / path.name
        nbformat.write(nb, injected)
        executed = run_notebook(injected, html, timeout=timeout, quick=quick, threads=threads,
                                cwd=path.parent.resolve(), out_ipynb=out_ipynb)
    return executed, html


def add_arguments(p) -> None:
    p.add_argument("name", help="notebook: its number (00–07), file name, or a path")
    p.add_argument("--image", required=True,
                   help=f"your image file (e.g. a JPEG), or a default image: {', '.join(DEFAULT_IMAGES)}")
    p.add_argument("--html", default=None, help="write the executed notebook here (default out/notebooks/…)")
    p.add_argument("--quality", default=None,
                   help="JPEG quality applied after the downscale, or 'as-is': your image is the compressed "
                        "input itself (default: the notebook's, 20)")
    p.add_argument("--scale", type=int, default=None, help="downscale/upscale factor (default: the notebook's, 4)")
    p.add_argument("--models", nargs="+", default=None, help="model names or checkpoint paths (default: the "
                                                             "notebook's, explain.models.names.DEFAULT_MODELS)")
    p.add_argument("--quick", action="store_true", help="quick mode: a 64-px LR crop and few steps")
    p.add_argument("--threads", type=int, default=None, help="torch/OpenMP threads of the kernel")
    p.add_argument("--timeout", type=int, default=900, help="seconds allowed per cell (default 900)")
    p.add_argument("--ipynb", default=None, help="also save the executed notebook here")


def run(args) -> int:
    try:
        import nbclient  # noqa: F401
        import nbconvert  # noqa: F401
    except ImportError as exc:
        raise ValueError(f"running notebooks needs nbclient, nbconvert and ipykernel ({exc}); "
                         "install them with pip install -e '.[lab]'") from None
    from nbclient.exceptions import CellExecutionError

    try:
        _, html = run_on_image(args.name, args.image, html=args.html, quality=args.quality, scale=args.scale,
                               models=args.models, quick=True if args.quick else None, threads=args.threads,
                               timeout=args.timeout, out_ipynb=args.ipynb)
    except CellExecutionError as exc:
        print(f"liif-explain notebook: a cell failed:\n{exc}")
        return 1
    print(f"wrote {Path(html).resolve()}")
    if args.ipynb:
        print(f"wrote {Path(args.ipynb).resolve()}")
    return 0
