"""`tanheng app` (and so `./run app`) on a fresh machine: no Streamlit onboarding prompt, no waiting
for a terminal, usage statistics off (issue 16)."""
import os
import signal
import subprocess
import time
import urllib.request

from conftest import VENV_BIN, free_port


def test_app_starts_on_a_fresh_home_without_a_terminal(tmp_path):
    home = tmp_path / "home"
    home.mkdir()                     # no ~/.streamlit: Streamlit has never run here
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.update(HOME=str(home), TANHENG_STORE=str(tmp_path / "store"))
    port = free_port()
    proc = subprocess.Popen([str(VENV_BIN / "tanheng"), "app", "--port", str(port)],   # no --headless
                            env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            start_new_session=True)
    try:
        deadline, up = time.time() + 90, False
        while time.time() < deadline and proc.poll() is None:
            try:
                up = urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2).status == 200
                break
            except OSError:
                time.sleep(0.3)
        assert up, "the app did not answer within 90 s"
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        out = proc.communicate(timeout=20)[0].decode("utf-8", "replace")
    assert "Email" not in out and "email" not in out.lower()
    assert "Collecting usage statistics" not in out          # Streamlit says so when they are on
    assert not (home / ".streamlit" / "credentials.toml").exists()
