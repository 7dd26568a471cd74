"""``liif-explain app``: serve the page (notebook 09) with Voilà on this machine, print its URL, stop on Ctrl-C.

What it starts: Voilà (the app extra) on ``--host`` (default 127.0.0.1: only this machine can open the page) and
``--port`` (default 8866, or a free port when that one is taken and no port was asked for), in a fresh session
folder that holds a copy of the notebook, the uploads, the reports, the ZIPs (served read-only under
``/voila/files/downloads/``) and the job lock (:mod:`explain.app.jobs`). Settings:

* the template ``liif-explain`` (``jupyter/voila/templates`` here): Voilà's lab template without its CDN
  stylesheets, so the page loads nothing from outside the server;
* a preheated kernel (``--preheat_kernel``): the page's notebook, models included, runs before anyone opens it;
* Tornado's ``websocket_max_message_size`` raised so an upload up to :data:`explain.app.uploads.MAX_MB` arrives
  (a dropped file travels as base64: 4/3 of its size);
* tracebacks are not shown on the page (``show_tracebacks`` off); they go to this command's output, the log.

Ctrl-C (or SIGTERM) stops Voilà, which shuts its kernels down; any kernel still running after that (found by the
session folder in its command line) is stopped by its PID, and the session folder is removed.
"""

from __future__ import annotations

import errno
import importlib.util
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import webbrowser
from pathlib import Path

from ..paths import app_templates_dir
from .jobs import APP_DIR_ENV
from .uploads import MAX_BYTES

DEFAULT_PORT = 8866
NOTEBOOK = "09_explain_your_jpeg.ipynb"
TEMPLATE = "liif-explain"
TEMPLATES = app_templates_dir()  # a Jupyter data folder: voila/templates/liif-explain
WEBSOCKET_LIMIT = MAX_BYTES * 4 // 3 + 4 * 1024 * 1024  # a base64 drop of the largest file, and room for the rest
START_TIMEOUT_S = 120


def add_arguments(parser) -> None:
    parser.add_argument("--port", type=int, help=f"port to serve on (default {DEFAULT_PORT}, or a free one when it "
                                                 "is taken)")
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to listen on (default 127.0.0.1: this machine only; 0.0.0.0 serves everyone "
                             "who can reach it, without any authentication)")
    parser.add_argument("--no-browser", action="store_true", help="do not open the page in a web browser")


def missing() -> str | None:
    """What the page needs that is not installed, in words, or None."""
    for module in ("voila", "ipywidgets", "ipykernel"):
        if importlib.util.find_spec(module) is None:
            return f"the page needs {module}: pip install -e '.[app]' (or `make app`)"
    return None


def port_free(host: str, port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind((host, port))
        except OSError as exc:
            if exc.errno in (errno.EADDRINUSE, errno.EACCES):
                return False
            raise
    return True


def free_port(host: str) -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def choose_port(host: str, port: int | None) -> int:
    """``port`` when it is free (ValueError when it is not), else the default port, else a free one."""
    if port is not None:
        if not 1 <= port <= 65535:
            raise ValueError(f"--port must be 1–65535, got {port}")
        if not port_free(host, port):
            raise ValueError(f"port {port} on {host} is in use; choose another with --port or leave it out")
        return port
    return DEFAULT_PORT if port_free(host, DEFAULT_PORT) else free_port(host)


def page_notebook(folder: Path) -> Path:
    """A copy of notebook 09 in ``folder`` (from the checkout; an installed copy, which has no notebooks, writes
    the same two cells)."""
    import nbformat

    from ..paths import notebooks_dir

    target = folder / "explain_your_jpeg.ipynb"
    source = notebooks_dir()
    if source is not None and (source / NOTEBOOK).is_file():
        shutil.copyfile(source / NOTEBOOK, target)
    else:
        nb = nbformat.v4.new_notebook(cells=[
            nbformat.v4.new_markdown_cell("# Explain your JPEG"),
            nbformat.v4.new_code_cell("from explain.app.page import Page\n\nPage()")])
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        nbformat.write(nb, target)
    return target


def voila_config(folder: Path) -> None:
    """``voila.json`` in the session folder (Voilà reads it from its working directory)."""
    config = {"Voila": {"tornado_settings": {"websocket_max_message_size": WEBSOCKET_LIMIT}},
              "VoilaConfiguration": {"file_allowlist": [r"downloads/[0-9a-f]+/[^/]+\.zip"],
                                     "show_tracebacks": False}}
    (folder / "voila.json").write_text(json.dumps(config, indent=1))


def voila_command(notebook: Path, host: str, port: int, folder: Path) -> list[str]:
    return [sys.executable, "-m", "voila", str(notebook), "--no-browser", f"--port={port}", f"--Voila.ip={host}",
            "--Voila.port_retries=0", f"--template={TEMPLATE}", "--preheat_kernel=True",
            f"--Voila.connection_dir_root={folder}"]


def page_url(host: str, port: int) -> str:
    shown = "127.0.0.1" if host in ("", "0.0.0.0", "::") else host
    return f"http://{shown}:{port}/"


def _wait_listening(proc, host: str, port: int, timeout: float) -> bool:
    target = "127.0.0.1" if host in ("", "0.0.0.0") else host
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        try:
            with socket.create_connection((target, port), timeout=1):
                return True
        except OSError:
            time.sleep(0.3)
    return False


def leftover_pids(folder: Path) -> list[int]:
    """PIDs of processes whose command line names the session folder (its kernels' connection files)."""
    pids = []
    mark = str(folder).encode()
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            if mark in (entry / "cmdline").read_bytes():
                pids.append(int(entry.name))
        except OSError:
            continue
    return [p for p in pids if p != os.getpid()]


def stop(proc, folder: Path) -> None:
    """Stop Voilà (SIGTERM: it stops its loop and shuts its kernels down), SIGKILL if it hangs, then any kernel
    left over, by PID."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        for sig, wait in ((None, 20), (signal.SIGKILL, 5)):
            if sig is not None and proc.poll() is None:
                proc.send_signal(sig)
            try:
                proc.wait(timeout=wait)
                break
            except subprocess.TimeoutExpired:
                continue
    for pid in leftover_pids(folder):
        try:
            os.kill(pid, signal.SIGTERM)
        except OSError:
            pass
    deadline = time.monotonic() + 5
    while leftover_pids(folder) and time.monotonic() < deadline:
        time.sleep(0.2)
    for pid in leftover_pids(folder):
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass


def run(args) -> int:
    problem = missing()
    if problem:
        raise ValueError(problem)
    port = choose_port(args.host, args.port)
    folder = Path(tempfile.mkdtemp(prefix="liif-explain-app-")).resolve()
    proc = None

    def on_term(_sig, _frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, on_term)
    previous_int = signal.signal(signal.SIGINT, signal.default_int_handler)  # also when started with SIGINT ignored
    try:
        (folder / "downloads").mkdir()
        notebook = page_notebook(folder)
        voila_config(folder)
        env = dict(os.environ)
        env["JUPYTER_PATH"] = os.pathsep.join([str(TEMPLATES), *filter(None, [env.get("JUPYTER_PATH")])])
        env[APP_DIR_ENV] = str(folder)
        env.setdefault("PYTHONUNBUFFERED", "1")
        # Voilà in a session of its own: Ctrl-C reaches this command only, which then stops Voilà in order.
        proc = subprocess.Popen(voila_command(notebook, args.host, port, folder), cwd=folder, env=env,
                                start_new_session=True)
        if not _wait_listening(proc, args.host, port, START_TIMEOUT_S):
            raise ValueError(f"Voilà did not start on {args.host}:{port} (exit status {proc.poll()}); its output "
                             "above says why")
        url = page_url(args.host, port)
        print(f"liif-explain app: the page is at {url} (Ctrl-C stops it)", flush=True)
        if args.host not in ("127.0.0.1", "localhost", "::1"):
            print(f"liif-explain app: listening on {args.host}: anyone who can reach this machine can use the page "
                  "(no authentication; one explanation at a time)", flush=True)
        if not args.no_browser:
            webbrowser.open(url)
        proc.wait()
        return proc.returncode or 0
    except KeyboardInterrupt:
        print("liif-explain app: stopping", flush=True)
        return 0
    finally:
        if proc is not None:
            stop(proc, folder)
        signal.signal(signal.SIGTERM, previous)
        signal.signal(signal.SIGINT, previous_int)
        shutil.rmtree(folder, ignore_errors=True)
