"""The public site: the Alliance's published progress, open to everyone without signing in."""
