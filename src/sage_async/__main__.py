"""``python -m sage_async``: the ``sage-async`` command line."""

from sage_async.cli import main


raise SystemExit(main())
