"""Start, check or stop the local AI model server (llama.cpp on 127.0.0.1).

`serve` starts it in the background and waits until it answers (`--no-wait`:
returns at once while the model loads); `status` says
whether it answers (exit code 0 if it does, 1 if not); `stop` stops the server
this course folder started. The model runs on this computer only: nothing typed
into it leaves the machine.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from campaign_lab.errors import EXIT_FAILED, EXIT_OK

HELP = "start, check or stop the local AI model server"


def add_arguments(parser) -> None:
    parser.add_argument("action", choices=("serve", "status", "stop"), help="what to do")
    parser.add_argument("--port", type=int, help="port on 127.0.0.1 (serve; default 8765, or a free one)")
    parser.add_argument(
        "--model", type=Path, metavar="FILE", help="GGUF model file (serve; default CAMPAIGN_LAB_MODEL_PATH or SmolLM2-135M)"
    )
    parser.add_argument("--n-ctx", type=int, default=None, metavar="TOKENS", help="context window in tokens (serve; default 2048)")
    parser.add_argument("--slots", type=int, default=None, metavar="N", help="requests answered at once (serve; default 4, 20 for a room)")
    parser.add_argument("--threads", type=int, default=None, metavar="N",
                        help="threads for the model (serve; default one less than the usable CPUs; all of them when nothing else runs there)")
    parser.add_argument("--no-wait", action="store_true", help="return at once while the model loads (serve)")
    parser.add_argument("--logprobs", action="store_true", help=argparse.SUPPRESS)  # always on with llama-server


def run(args) -> int:
    from campaign_lab.ai import server  # imported here so other commands start fast

    if args.action == "serve":
        options = {"model_path": args.model, "slots": args.slots, "threads": args.threads, "wait": not args.no_wait}
        if args.n_ctx:
            options["n_ctx"] = args.n_ctx
        print(server.serve(args.port, **options).describe())
        return EXIT_OK
    if args.action == "stop":
        print(server.stop())
        return EXIT_OK
    current = server.status()
    print(current.describe())
    return EXIT_OK if current.answering else EXIT_FAILED
