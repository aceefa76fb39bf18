"""A few lines of W3C WebDriver over one keep-alive HTTP connection.

WebKitWebDriver (Debian's webkit2gtk-driver) drives the Tauri app's webview
directly when the app runs with TAURI_WEBVIEW_AUTOMATION=true. A keep-alive
client matters: clients that close the connection after every request made the
driver reset connections at random (RECIPES.md).
"""

import base64
import http.client
import json
import os
import subprocess
import time

ELEMENT = "element-6066-11e4-a52e-4f735466cecf"


class WebDriverError(Exception):
    pass


class Driver:
    """The WebKitWebDriver process and one HTTP connection to it."""

    def __init__(self, port=4445, env=None):
        self.port = port
        self.proc = subprocess.Popen(
            ["WebKitWebDriver", f"--port={port}"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        deadline = time.time() + 20
        while True:
            try:
                self.request("GET", "/status")
                return
            except (OSError, http.client.HTTPException):
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                if time.time() > deadline:
                    raise WebDriverError("WebKitWebDriver did not answer /status within 20 s")
                time.sleep(0.2)

    def request(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        headers = {"Content-Type": "application/json", "Connection": "keep-alive"}
        self.conn.request(method, path, body=data, headers=headers)
        resp = self.conn.getresponse()
        payload = json.loads(resp.read() or b"{}")
        value = payload.get("value")
        if resp.status >= 400:
            msg = value.get("message") if isinstance(value, dict) else value
            err = value.get("error") if isinstance(value, dict) else ""
            raise WebDriverError(f"{method} {path}: {resp.status} {err}: {msg}")
        return value

    def session(self, binary, args=()):
        caps = {"capabilities": {"alwaysMatch": {"webkitgtk:browserOptions": {"binary": binary, "args": list(args)}}}}
        value = self.request("POST", "/session", caps)
        return Session(self, value["sessionId"])

    def quit(self):
        try:
            self.conn.close()
        finally:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()


class Session:
    def __init__(self, driver, sid):
        self.d = driver
        self.sid = sid

    def _p(self, path):
        return f"/session/{self.sid}{path}"

    def delete(self):
        try:
            self.d.request("DELETE", self._p(""))
        except (WebDriverError, OSError, http.client.HTTPException):
            pass

    def js(self, script, *args):
        return self.d.request("POST", self._p("/execute/sync"), {"script": script, "args": list(args)})

    def find_all(self, css):
        return [Element(self, e[ELEMENT]) for e in self.d.request("POST", self._p("/elements"), {"using": "css selector", "value": css})]

    def find(self, css):
        found = self.find_all(css)
        return found[0] if found else None

    def wait(self, css, timeout=10.0, what=None):
        """The first element matching `css`, waiting for it to exist."""
        deadline = time.time() + timeout
        while True:
            el = self.find(css)
            if el is not None:
                return el
            if time.time() > deadline:
                raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what or css}")
            time.sleep(0.1)

    def click(self, css, timeout=10.0, what=None, within=None):
        """Clicks the first element matching `css` (inside `within` if given),
        retrying while the page re-renders it (stale) or something still covers
        it (an animation, a closing dialog)."""
        deadline = time.time() + timeout
        while True:
            try:
                el = within.find(css) if within is not None else self.find(css)
                if el is not None:
                    el.click()
                    return el
            except WebDriverError as e:
                transient = any(k in str(e) for k in ("stale element", "intercepted", "not interactable"))
                if not transient or time.time() > deadline:
                    raise
            if time.time() > deadline:
                raise AssertionError(f"timed out after {timeout:.0f} s waiting to click {what or css}")
            time.sleep(0.1)

    def wait_gone(self, css, timeout=10.0, what=None):
        deadline = time.time() + timeout
        while self.find(css) is not None:
            if time.time() > deadline:
                raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what or css} to go away")
            time.sleep(0.1)

    def wait_until(self, predicate, timeout=10.0, what="condition", interval=0.1):
        deadline = time.time() + timeout
        while True:
            try:
                value = predicate()
            except WebDriverError as e:
                # An element found a moment ago was re-rendered (toasts animate in and
                # re-stack): look again rather than fail.
                if "stale element" not in str(e):
                    raise
                value = None
            if value:
                return value
            if time.time() > deadline:
                raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
            time.sleep(interval)

    def screenshot(self, path):
        png = base64.b64decode(self.d.request("GET", self._p("/screenshot")))
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(png)
        return path

    def key(self, key):
        """Presses one key (WebDriver key code, e.g. "\\ue00c" for Escape) on the focused element."""
        actions = {
            "actions": [
                {"type": "key", "id": "keyboard", "actions": [{"type": "keyDown", "value": key}, {"type": "keyUp", "value": key}]}
            ]
        }
        self.d.request("POST", self._p("/actions"), actions)
        self.d.request("DELETE", self._p("/actions"))


class Element:
    def __init__(self, session, eid):
        self.s = session
        self.eid = eid

    def _p(self, path):
        return self.s._p(f"/element/{self.eid}{path}")

    def ref(self):
        """This element as a script argument."""
        return {ELEMENT: self.eid}

    def click(self):
        self.s.d.request("POST", self._p("/click"), {})

    def attr(self, name):
        return self.s.d.request("GET", self._p(f"/attribute/{name}"))

    def text(self):
        return self.s.d.request("GET", self._p("/text"))

    def type(self, text):
        self.s.d.request("POST", self._p("/value"), {"text": text})

    def clear(self):
        self.s.d.request("POST", self._p("/clear"), {})

    def find(self, css):
        found = self.s.d.request("POST", self._p("/elements"), {"using": "css selector", "value": css})
        return Element(self.s, found[0][ELEMENT]) if found else None
