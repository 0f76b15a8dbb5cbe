"""A minimal LSP client for Red Hat's yaml-language-server, to ask it what an editor shows.

Records start with the modeline `# yaml-language-server: $schema=../../schemas/...`, so
an engineer's editor checks them against the schema as they type. This client starts one
`yaml-language-server --stdio`, configures it as an editor would (validation on, no
schema associations of its own: the modeline decides, no SchemaStore download so it never
reaches the network), opens files and collects the diagnostics the server publishes.

Only the standard library: JSON-RPC over the server's stdin/stdout, a reader thread that
answers the server's requests (configuration) and files its notifications.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
import time
from collections.abc import Iterable
from pathlib import Path
from typing import IO, Any

# Diagnostics from schema validation carry this source prefix ("yaml-schema: <title>");
# YAML syntax errors and schema-loading problems carry "YAML".
SCHEMA_SOURCE_PREFIX = "yaml-schema"
TIMEOUT = 60.0

SETTINGS: dict[str, Any] = {
    "yaml": {
        "validate": True,
        "schemas": {},
        "schemaStore": {"enable": False},
        "kubernetesCRDStore": {"enable": False},
        "format": {"enable": False},
    },
    "http": {"proxy": "", "proxyStrictSSL": False},
    "[yaml]": {},
    "editor": {},
}


def find_server(project: Path) -> str | None:
    """The yaml-language-server executable: $YAML_LANGUAGE_SERVER, then PATH, then
    node_modules/.bin beside the project (where `npm install yaml-language-server` puts it)."""
    named = os.environ.get("YAML_LANGUAGE_SERVER")
    if named:
        return named if Path(named).is_file() else shutil.which(named)
    found = shutil.which("yaml-language-server")
    if found:
        return found
    for folder in (project, project.parent):
        local = folder / "node_modules" / ".bin" / "yaml-language-server"
        if local.is_file():
            return str(local)
    return None


class LanguageServerError(RuntimeError):
    pass


class LanguageServer:
    """One running server; use as a context manager so the process always ends."""

    def __init__(self, executable: str, workspace: Path) -> None:
        self.workspace = workspace
        self._process = subprocess.Popen(
            [executable, "--stdio"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=workspace,
        )
        self._write_lock = threading.Lock()
        self._changed = threading.Condition()
        self._responses: dict[int, dict[str, Any]] = {}
        self._diagnostics: dict[str, list[dict[str, Any]]] = {}
        self._configuration_pulls = 0
        self._next_id = 0
        self._closed = False
        self._stderr: list[bytes] = []
        self._threads = [
            threading.Thread(target=self._read_messages, daemon=True),
            threading.Thread(target=self._read_stderr, daemon=True),
        ]
        for thread in self._threads:
            thread.start()

    def __enter__(self) -> LanguageServer:
        self._initialize()
        return self

    def __exit__(self, *_: object) -> None:
        try:
            if self._process.poll() is None:
                self.request("shutdown", None)
                self._notify("exit", None)
                self._process.wait(timeout=10)
        except (LanguageServerError, OSError, subprocess.TimeoutExpired):
            self._process.kill()
            self._process.wait()
        finally:
            assert self._process.stdin is not None
            self._process.stdin.close()
            for thread in self._threads:
                thread.join(timeout=10)
            for stream in (self._process.stdout, self._process.stderr):
                assert stream is not None
                stream.close()

    # -- the session --------------------------------------------------------------------

    def _initialize(self) -> None:
        uri = self.workspace.as_uri()
        self.request(
            "initialize",
            {
                "processId": os.getpid(),
                "rootUri": uri,
                "workspaceFolders": [{"uri": uri, "name": self.workspace.name}],
                "capabilities": {
                    "workspace": {"configuration": True, "workspaceFolders": True},
                    "textDocument": {"publishDiagnostics": {"relatedInformation": True}},
                },
            },
        )
        self._notify("initialized", {})
        self._await(lambda: self._configuration_pulls >= 1, "the initial configuration request")
        # Settings arrive as an editor sends them; the server pulls them back with
        # workspace/configuration. Files are opened only once it has them, so each file is
        # validated under these settings and published once.
        self._notify("workspace/didChangeConfiguration", {"settings": SETTINGS})
        self._await(lambda: self._configuration_pulls >= 2, "the configuration request after didChangeConfiguration")

    def diagnose(self, files: Iterable[Path]) -> dict[Path, list[dict[str, Any]]]:
        """Open every file and wait for the diagnostics the server publishes for each."""
        uris = {file.resolve().as_uri(): file for file in files}
        for uri, file in uris.items():
            text = file.read_bytes().decode("utf-8")
            self._notify(
                "textDocument/didOpen",
                {"textDocument": {"uri": uri, "languageId": "yaml", "version": 1, "text": text}},
            )
        self._await(lambda: all(uri in self._diagnostics for uri in uris), "diagnostics for every file")
        with self._changed:
            return {file: self._diagnostics[uri] for uri, file in uris.items()}

    def schemas_of(self, file: Path) -> list[str]:
        """The schema URIs the server applies to an open file (what the editor's status bar shows)."""
        found = self.request("yaml/get/jsonSchema", file.resolve().as_uri())
        return [schema["uri"] for schema in found or []]

    # -- JSON-RPC -------------------------------------------------------------------------

    def request(self, method: str, params: Any) -> Any:
        with self._changed:
            self._next_id += 1
            number = self._next_id
        self._send({"jsonrpc": "2.0", "id": number, "method": method, "params": params})
        self._await(lambda: number in self._responses, f"the answer to {method}")
        with self._changed:
            answer = self._responses.pop(number)
        if "error" in answer:
            raise LanguageServerError(f"{method}: {answer['error']}")
        return answer.get("result")

    def _notify(self, method: str, params: Any) -> None:
        self._send({"jsonrpc": "2.0", "method": method, "params": params})

    def _send(self, message: dict[str, Any]) -> None:
        body = json.dumps(message).encode()
        stdin = self._process.stdin
        assert stdin is not None
        with self._write_lock:
            stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
            stdin.flush()

    def _await(self, condition: Any, what: str) -> None:
        deadline = time.monotonic() + TIMEOUT
        with self._changed:
            while not condition():
                left = deadline - time.monotonic()
                if self._closed or left <= 0:
                    stderr = b"".join(self._stderr).decode(errors="replace")[-2000:]
                    state = "exited" if self._closed else f"gave no answer in {TIMEOUT:.0f} s"
                    raise LanguageServerError(f"yaml-language-server {state} while waiting for {what}\n{stderr}")
                self._changed.wait(left)

    def _read_messages(self) -> None:
        stdout = self._process.stdout
        assert stdout is not None
        try:
            while (message := _read_frame(stdout)) is not None:
                self._dispatch(message)
        finally:
            with self._changed:
                self._closed = True
                self._changed.notify_all()

    def _read_stderr(self) -> None:
        stderr = self._process.stderr
        assert stderr is not None
        for line in stderr:
            self._stderr.append(line)

    def _dispatch(self, message: dict[str, Any]) -> None:
        method = message.get("method")
        if method is None:
            with self._changed:
                self._responses[message["id"]] = message
                self._changed.notify_all()
        elif "id" in message:
            self._answer(message)
        elif method == "textDocument/publishDiagnostics":
            with self._changed:
                self._diagnostics[message["params"]["uri"]] = message["params"]["diagnostics"]
                self._changed.notify_all()

    def _answer(self, message: dict[str, Any]) -> None:
        """Answer the server's requests as an editor would: settings when asked, null otherwise."""
        result: Any = None
        if message["method"] == "workspace/configuration":
            result = [SETTINGS.get(item.get("section", ""), {}) for item in message["params"]["items"]]
        try:
            self._send({"jsonrpc": "2.0", "id": message["id"], "result": result})
        except (BrokenPipeError, ValueError):  # the server is exiting
            return
        if message["method"] == "workspace/configuration" and any(
            item.get("section") == "yaml" for item in message["params"]["items"]
        ):
            with self._changed:
                self._configuration_pulls += 1
                self._changed.notify_all()


def _read_frame(stream: IO[bytes]) -> dict[str, Any] | None:
    length = None
    while True:
        line = stream.readline()
        if not line:
            return None
        if line in (b"\r\n", b"\n"):
            break
        name, _, value = line.decode("ascii").partition(":")
        if name.strip().lower() == "content-length":
            length = int(value)
    if length is None:
        raise LanguageServerError("a message from yaml-language-server without Content-Length")
    body = stream.read(length)
    message: dict[str, Any] = json.loads(body)
    return message


def schema_diagnostics(diagnostics: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The diagnostics that come from checking the document against its schema."""
    return [d for d in diagnostics if str(d.get("source", "")).startswith(SCHEMA_SOURCE_PREFIX)]
