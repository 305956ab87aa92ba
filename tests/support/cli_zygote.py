"""Run `basketry ...` as a real, separate process, without paying the imports every time.

A CLI test used to spawn `python -m app.cli.main` per call, and each call spent ~1.5 s of its
time importing web3, eth-account and eth-abi before doing anything (most of the suite's CLI
time). The zygote is one long-lived process that has imported them once; for every command it
forks a child, which gets its own stdin/stdout/stderr files, environment and working directory
and runs `app.cli.main.main(argv)` exactly as `python -m app.cli.main` would, then exits with its
return code (or dies by the signal or `os._exit` a failpoint uses). Nothing is shared between
commands but the already-imported modules: every command opens its own store, keyring and node
connection, as in production. What the start-up itself costs is measured by bench/startup.py and
guarded by tests/app/test_lazy_imports.py, which keep spawning fresh interpreters.

Protocol: the test process connects to a Unix socket and sends one JSON line
{"argv", "env", "stdin", "cwd", "timeout"}; the zygote answers one JSON line
{"returncode", "stdout", "stderr"}.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# Imported once in the zygote: the third-party libraries every chain command needs. App
# modules are left to each command (they are cheap, and some read settings when imported).
PRELOAD = ("web3", "eth_account", "eth_abi", "eth_utils", "eth_keyfile", "sqlite_utils", "requests")


def serve(socket_path: str) -> None:
    for name in PRELOAD:
        __import__(name)
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(socket_path)
    server.listen(8)
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    while True:
        conn, _ = server.accept()
        with conn:
            request = json.loads(conn.makefile("r").readline())
            answer = _run(server, request)
            conn.sendall((json.dumps(answer) + "\n").encode())


def _run(server: socket.socket, request: dict) -> dict:
    with tempfile.TemporaryDirectory(prefix="cli-zygote-") as scratch:
        paths = {name: Path(scratch) / name for name in ("stdin", "stdout", "stderr")}
        paths["stdin"].write_text(request.get("stdin", ""))
        paths["stdout"].touch()
        paths["stderr"].touch()
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:  # the command
            server.close()
            code = 70
            try:
                for fd, name, mode in ((0, "stdin", os.O_RDONLY), (1, "stdout", os.O_WRONLY),
                                       (2, "stderr", os.O_WRONLY)):
                    handle = os.open(paths[name], mode)
                    os.dup2(handle, fd)
                    os.close(handle)
                os.environ.clear()
                os.environ.update(request["env"])
                os.chdir(request["cwd"])
                sys.argv = ["basketry", *request["argv"]]
                from app.cli.main import main

                code = main(list(request["argv"]))
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else 1
            except BaseException:  # noqa: BLE001 - report, as an interpreter would, and exit
                import traceback

                traceback.print_exc()
                code = 1
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(code or 0)
        deadline = time.monotonic() + float(request.get("timeout", 120))
        while True:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                break
            if time.monotonic() > deadline:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                return {"returncode": None, "stdout": paths["stdout"].read_text(),
                        "stderr": paths["stderr"].read_text() + "\n[cli-zygote: timed out]"}
            time.sleep(0.005)
        returncode = -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
        return {"returncode": returncode, "stdout": paths["stdout"].read_text(errors="replace"),
                "stderr": paths["stderr"].read_text(errors="replace")}


class CliZygote:
    """The test side: start the zygote once, then `run(argv, env=, stdin=, cwd=)`."""

    def __init__(self, root: Path):
        self.socket_path = str(Path(tempfile.mkdtemp(prefix="zygote-")) / "cli.sock")
        self.process = subprocess.Popen([sys.executable, "-m", "tests.support.cli_zygote", self.socket_path],
                                        cwd=root, stdout=subprocess.PIPE, text=True)
        line = self.process.stdout.readline()
        if line.strip() != "ready":
            raise RuntimeError(f"the CLI zygote did not start: {line!r}")

    def run(self, argv: list[str], *, env: dict[str, str], stdin: str = "", cwd: str | None = None,
            timeout: float = 120) -> subprocess.CompletedProcess:
        request = {"argv": [str(a) for a in argv], "env": env, "stdin": stdin, "cwd": cwd or os.getcwd(),
                   "timeout": timeout}
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
            conn.connect(self.socket_path)
            conn.sendall((json.dumps(request) + "\n").encode())
            answer = json.loads(conn.makefile("r").readline())
        if answer["returncode"] is None:
            raise subprocess.TimeoutExpired(["basketry", *argv], timeout, answer["stdout"], answer["stderr"])
        return subprocess.CompletedProcess(["basketry", *argv], answer["returncode"], answer["stdout"],
                                           answer["stderr"])

    def close(self) -> None:
        self.process.kill()
        self.process.wait()


if __name__ == "__main__":
    serve(sys.argv[1])
