"""Operations on the database: they flush, the request or job wrapper commits (Indico's rule)."""
