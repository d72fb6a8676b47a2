"""A small WebDriver BiDi client for the Firefox tests: Debian's ``firefox-esr``, headless.

Firefox speaks WebDriver BiDi itself (``--remote-debugging-port``), so no geckodriver and
no browser download are needed. ``firefox()`` starts it on a free loopback port with a
temporary profile and always kills it and removes the profile afterwards; ``Tab`` is one
browsing context, driven with real key and pointer actions.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from websockets.sync.client import ClientConnection, connect

from protocol.service.server_process import free_port

__all__ = ["FIREFOX", "WAIT_S", "Bidi", "BidiError", "Tab", "firefox"]

FIREFOX = os.environ.get("TACECHECK_FIREFOX", "/usr/bin/firefox-esr")
WAIT_S = 15.0
# Quiet start: no first-run pages, no updates, no reports, no background services.
PREFS = {
    "app.update.disabledForTesting": True,
    "browser.shell.checkDefaultBrowser": False,
    "browser.startup.homepage_override.mstone": "ignore",
    "datareporting.policy.dataSubmissionEnabled": False,
    "toolkit.telemetry.reportingpolicy.firstRun": False,
    "network.captive-portal-service.enabled": False,
    "network.connectivity-service.enabled": False,
    "browser.safebrowsing.update.enabled": False,
    "extensions.update.enabled": False,
}
KEYS = {"Enter": "\ue007", "Tab": "\ue004", "Home": "\ue011"}


class BidiError(RuntimeError):
    """A command the browser answered with an error."""


class Bidi:
    """One BiDi session: commands by id; the events received meanwhile are kept in order."""

    def __init__(self, connection: ClientConnection) -> None:
        self.connection = connection
        self.received: list[tuple[str, dict[str, Any]]] = []
        self._next = 0

    def command(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        self._next += 1
        sent = self._next
        self.connection.send(json.dumps({"id": sent, "method": method, "params": params or {}}))
        deadline = time.monotonic() + WAIT_S
        while True:
            try:
                text = self.connection.recv(timeout=max(deadline - time.monotonic(), 0))
            except TimeoutError:
                raise BidiError(f"{method}: no answer within {WAIT_S} s") from None
            message = json.loads(text)
            if message.get("type") == "event":
                self.received.append((message["method"], message["params"]))
            elif message.get("id") == sent:
                if message.get("type") == "error":
                    raise BidiError(f"{method}: {message['error']}: {message.get('message')}")
                result: dict[str, Any] = message["result"]
                return result

    def events(self, method: str) -> list[dict[str, Any]]:
        """The events of one kind received so far (a command first fetches the latest)."""
        self.command("session.status")
        return [params for name, params in self.received if name == method]

    def tab(self) -> Tab:
        """The top-level browsing context Firefox opened with."""
        tree = self.command("browsingContext.getTree", {"maxDepth": 0})
        return Tab(self, tree["contexts"][0]["context"])


class Tab:
    """One browsing context: navigate, evaluate, wait, type, click, screenshot."""

    def __init__(self, bidi: Bidi, context: str) -> None:
        self.bidi = bidi
        self.context = context

    def navigate(self, url: str) -> None:
        params = {"context": self.context, "url": url, "wait": "complete"}
        self.bidi.command("browsingContext.navigate", params)

    def set_viewport(self, width: int, height: int) -> None:
        viewport = {"width": width, "height": height}
        self.bidi.command(
            "browsingContext.setViewport", {"context": self.context, "viewport": viewport}
        )

    def _evaluate(self, expression: str) -> dict[str, Any]:
        params = {
            "expression": expression,
            "target": {"context": self.context},
            "awaitPromise": True,
            "resultOwnership": "none",
        }
        answer = self.bidi.command("script.evaluate", params)
        if answer["type"] == "exception":
            raise BidiError(f"{expression}: {answer['exceptionDetails']['text']}")
        result: dict[str, Any] = answer["result"]
        return result

    def evaluate(self, expression: str) -> Any:
        """The JSON value of a JavaScript expression (a promise is awaited; undefined: None)."""
        result = self._evaluate(f"(async () => JSON.stringify(await ({expression})))()")
        return json.loads(result["value"]) if result["type"] == "string" else None

    def wait_for(self, expression: str, what: str) -> Any:
        """Poll until the expression is truthy; its value. Fails saying ``what`` was awaited."""
        deadline = time.monotonic() + WAIT_S
        while True:
            value = self.evaluate(expression)
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError(f"waited {WAIT_S} s for {what}; last value {value!r}")
            time.sleep(0.05)

    def text(self, selector: str) -> str:
        """The rendered text of the first element matching ``selector`` ('' if none)."""
        found = self.evaluate(f"document.querySelector({json.dumps(selector)})?.innerText ?? ''")
        return str(found)

    def _element(self, selector: str) -> dict[str, Any]:
        query = json.dumps(selector)
        node = self._evaluate(
            f"(() => {{ const node = document.querySelector({query});"
            " node?.scrollIntoView({block: 'center'}); return node; })()"
        )
        if node["type"] != "node":
            raise AssertionError(f"no element {selector} on the page")
        return {"sharedId": node["sharedId"]}

    def _act(self, source: dict[str, Any]) -> None:
        self.bidi.command("input.performActions", {"context": self.context, "actions": [source]})

    def click(self, selector: str) -> None:
        """A real mouse click at the centre of the element (scrolled into view first)."""
        origin = {"type": "element", "element": self._element(selector)}
        self._act(
            {
                "type": "pointer",
                "id": "mouse",
                "parameters": {"pointerType": "mouse"},
                "actions": [
                    {"type": "pointerMove", "x": 0, "y": 0, "origin": origin},
                    {"type": "pointerDown", "button": 0},
                    {"type": "pointerUp", "button": 0},
                ],
            }
        )

    def type(self, text: str) -> None:
        """Key presses into the focused element, one character at a time."""
        actions: list[dict[str, str]] = []
        for char in text:
            actions += [{"type": "keyDown", "value": char}, {"type": "keyUp", "value": char}]
        self._act({"type": "key", "id": "keyboard", "actions": actions})

    def press(self, key: str) -> None:
        """One named key: Enter, Tab or Home."""
        self.type(KEYS[key])

    def fill(self, selector: str, text: str) -> None:
        """Click into a text field, empty it, and type ``text``."""
        self.click(selector)
        self.evaluate(f"document.querySelector({json.dumps(selector)}).value = ''")
        self.type(text)

    def select(self, selector: str, value: str) -> None:
        """Choose an option of a select, with the input and change events a user's choice fires."""
        query, chosen = json.dumps(selector), json.dumps(value)
        self.evaluate(
            f"(() => {{ const s = document.querySelector({query}); s.focus(); s.value = {chosen};"
            " for (const kind of ['input', 'change'])"
            " s.dispatchEvent(new Event(kind, {bubbles: true})); return s.value; })()"
        )

    def screenshot(self, path: Path) -> None:
        """The whole document as a PNG."""
        shot = self.bidi.command(
            "browsingContext.captureScreenshot", {"context": self.context, "origin": "document"}
        )
        path.write_bytes(base64.b64decode(shot["data"]))


def _wait_for_port(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + WAIT_S * 2
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = log.read_text(errors="replace")[-2000:]
            raise RuntimeError(f"firefox-esr exited with {process.returncode}: {output}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"firefox-esr did not listen on port {port} within {WAIT_S * 2} s")


def _end(process: subprocess.Popen[bytes]) -> None:
    """Kill Firefox and every process it started (its own process group)."""
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(10)


@contextmanager
def firefox(binary: str = FIREFOX) -> Iterator[Bidi]:
    """Headless Firefox with a fresh profile, and a BiDi session on it; always cleaned up."""
    if shutil.which(binary) is None:
        raise FileNotFoundError(f"no Firefox at {binary}")
    folder = Path(tempfile.mkdtemp(prefix="tacecheck-firefox-"))
    profile = folder / "profile"
    profile.mkdir()
    lines = [f"user_pref({json.dumps(k)}, {json.dumps(v)});" for k, v in PREFS.items()]
    (profile / "user.js").write_text("\n".join(lines) + "\n", encoding="utf-8")
    port = free_port()
    log = folder / "firefox.log"
    command = [
        binary,
        "--headless",
        "--no-remote",
        "--profile",
        str(profile),
        "--remote-debugging-port",
        str(port),
    ]
    env = dict(os.environ, MOZ_CRASHREPORTER_DISABLE="1")
    try:
        with open(log, "wb") as output:
            process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                env=env,
                start_new_session=True,
            )
        try:
            _wait_for_port(port, process, log)
            with connect(f"ws://127.0.0.1:{port}/session", max_size=None) as connection:
                bidi = Bidi(connection)
                bidi.command("session.new", {"capabilities": {}})
                yield bidi
        finally:
            _end(process)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
