"""One module per `tanheng` sub-command; each defines register(subparsers)."""
