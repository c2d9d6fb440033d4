"""Chapter-specific helpers, one module per chapter, named after the chapter's notebook."""
