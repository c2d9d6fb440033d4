"""``python -m osl_helpers``: fetch and verify every pinned data table."""

from osl_helpers.data import main

raise SystemExit(main())
