-- Typo-tolerant tree search matches words by trigram similarity.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
