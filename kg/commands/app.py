"""tanheng app — start the Streamlit advisory interface on the embedded store."""
import os
import sys

from ..paths import ROOT


def register(sub):
    p = sub.add_parser("app", help="start the advisory app (Streamlit)")
    p.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default 127.0.0.1: this machine only; 0.0.0.0 to share on a network)")
    p.add_argument("--port", type=int, default=8501)
    p.add_argument("--headless", action="store_true", help="do not open a browser")
    p.set_defaults(func=run)


def run(args):
    cmd = [sys.executable, "-m", "streamlit", "run", str(ROOT / "app" / "main.py"),
           "--server.address", args.host, "--server.port", str(args.port), "--browser.gatherUsageStats", "false",
           "--server.headless", "true" if args.headless else "false"]
    shown = "localhost" if args.host in ("127.0.0.1", "localhost", "::1") else args.host
    print(f"Tanheng 碳衡: http://{shown}:{args.port}", file=sys.stderr)
    sys.stderr.flush()
    # replace this process, so one signal (Ctrl-C, SIGTERM) stops the app with nothing left behind
    os.execv(sys.executable, cmd)
