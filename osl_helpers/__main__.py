"""``python -m osl_helpers``: fetch and verify every pinned data table."""

from osl_helpers.data import main

# Guarded so that importing the module (as documentation tools do) fetches nothing.
if __name__ == "__main__":
    raise SystemExit(main())
