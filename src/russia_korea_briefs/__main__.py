"""``python -m russia_korea_briefs``: see :mod:`russia_korea_briefs.cli`."""

from russia_korea_briefs.cli import main

raise SystemExit(main())
