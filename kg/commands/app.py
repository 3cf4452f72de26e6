"""tanheng app — start the Streamlit advisory interface on the embedded store.

Streamlit is always started headless: otherwise, on a machine where it never ran (no
~/.streamlit/credentials.toml), it first asks for an e-mail address on the terminal and, started
without one (a service, `./run app` from a script), waits there forever. Without --headless this
command opens the browser itself once the app answers, where there is a display to open it on.
Usage statistics are off."""
import os
import subprocess
import sys

from kg.paths import ROOT

# Opens the browser once the app is up; detached, so that it outlives the exec below.
_OPENER = """
import sys, time, urllib.request, webbrowser
url = sys.argv[1]
for _ in range(240):
    try:
        urllib.request.urlopen(url + "/_stcore/health", timeout=1)
        webbrowser.open(url)
        break
    except OSError:
        time.sleep(0.25)
"""


def register(sub):
    p = sub.add_parser("app", help="start the advisory app (Streamlit)")
    p.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default 127.0.0.1: this machine only; 0.0.0.0 to share on a network)")
    p.add_argument("--port", type=int, default=8501)
    p.add_argument("--headless", action="store_true", help="do not open a browser")
    p.set_defaults(func=run)


def streamlit_command(host: str, port: int) -> list[str]:
    return [sys.executable, "-m", "streamlit", "run", str(ROOT / "app" / "main.py"),
            "--server.address", host, "--server.port", str(port),
            "--server.headless", "true",                 # never the onboarding e-mail prompt
            "--browser.gatherUsageStats", "false",
            "--client.toolbarMode", "minimal"]           # no developer menu (English only) for planners


def _has_display() -> bool:
    return sys.platform in ("darwin", "win32") or bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def run(args):
    shown = "localhost" if args.host in ("127.0.0.1", "localhost", "::1") else args.host
    url = f"http://{shown}:{args.port}"
    print(f"Tanheng 碳衡: {url}", file=sys.stderr)
    sys.stderr.flush()
    if not args.headless and _has_display():
        subprocess.Popen([sys.executable, "-c", _OPENER, url], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL, start_new_session=True)
    # replace this process, so one signal (Ctrl-C, SIGTERM) stops the app with nothing left behind
    os.execv(sys.executable, streamlit_command(args.host, args.port))
