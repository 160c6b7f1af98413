"""Work that waits for Redis: Celery messages kept in PostgreSQL until the broker takes them (the
outbox), and cache keys whose writes Redis missed, forgotten once it is back (see alliance.cache)."""
