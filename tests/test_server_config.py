"""The project's Streamlit settings (.streamlit/config.toml) apply however the app is started: a private server that
shows visitors no tracebacks, even from another folder whose own config (or the user's) says otherwise."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib

import psutil

from devtools.browser import free_port, start_server, stop_server
from tests.conftest import PROJECT

SETTINGS = tomllib.loads((PROJECT / ".streamlit" / "config.toml").read_text())
HOSTILE = """[server]\naddress = "0.0.0.0"\nmaxUploadSize = 1000\n[client]\nshowErrorDetails = "full"\n
[browser]\ngatherUsageStats = true\n"""


def _elsewhere(tmp_path):
    """A working folder and a home folder whose Streamlit configs expose the server and show tracebacks."""
    for folder in (tmp_path / "cwd", tmp_path / "home"):
        (folder / ".streamlit").mkdir(parents=True)
        (folder / ".streamlit" / "config.toml").write_text(HOSTILE)
    return tmp_path / "cwd", {**os.environ, "HOME": str(tmp_path / "home")}


def _options_as_streamlit_run_loads_them(cwd, env, script):
    """The config options `streamlit run <script>` would load (its CLI sets the script path, then parses)."""
    code = ("import json, sys; from streamlit import config\n"
            "config._main_script_path = sys.argv[1] or None\n"
            "config.get_config_options(force_reparse=True)\n"
            "print(json.dumps({k: config.get_option(k) for k in json.loads(sys.argv[2])}))")
    keys = [f"{section}.{name}" for section, values in SETTINGS.items() for name in values]
    out = subprocess.run([sys.executable, "-c", code, script, json.dumps(keys)], cwd=cwd, env=env,
                         capture_output=True, text=True, timeout=120, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_the_defaults_are_private():
    assert SETTINGS["server"]["address"] in ("127.0.0.1", "localhost")
    assert SETTINGS["client"]["showErrorDetails"] == "none"
    assert SETTINGS["server"]["maxUploadSize"] <= 10


def test_project_settings_win_over_the_working_folder_and_home(tmp_path):
    cwd, env = _elsewhere(tmp_path)
    loaded = _options_as_streamlit_run_loads_them(cwd, env, str(PROJECT / "app.py"))
    expected = {f"{section}.{name}": value for section, values in SETTINGS.items() for name, value in values.items()}
    assert loaded == expected
    # the check can fail: without the project's file the folder's hostile settings would apply
    other = tmp_path / "elsewhere" / "app.py"
    other.parent.mkdir()
    other.write_text("")
    assert _options_as_streamlit_run_loads_them(cwd, env, str(other))["server.address"] == "0.0.0.0"


def test_a_server_started_from_another_folder_listens_on_loopback_only(tmp_path):
    cwd, env = _elsewhere(tmp_path)
    (tmp_path / "models").mkdir()
    port = free_port()
    process = start_server(tmp_path / "models", port, tmp_path / "server.log", cwd=cwd, env=env)
    try:
        listening = [c.laddr for c in psutil.Process(process.pid).net_connections(kind="inet")
                     if c.status == psutil.CONN_LISTEN]
    finally:
        stop_server(process)
    assert [a.port for a in listening] == [port], listening
    assert all(a.ip in ("127.0.0.1", "::1") for a in listening), listening
