"""The network layer: every remote service SCALAR reads, behind one polite, cached HTTP client.

- :mod:`scalar.sources.http` — ``make_session(cache_path, mode)``: SQLite response cache
  (record | replay | refresh), per-host rate limits, retries, typed errors.
- :mod:`scalar.sources.openreview` — ``list_accepted_papers(venue_id, session)``.
- :mod:`scalar.sources.arxiv` — ``client_for(session)``, ``match_title``, ``fetch_metadata``.
- :mod:`scalar.sources.references` — ``resolve_references(paper, session, arxiv_client)``.
- :mod:`scalar.sources.fulltext` — ``fetch_fulltext(arxiv_id, version, session)``.
- :mod:`scalar.sources.titles` — title normalisation and similarity.

Modules are imported on use (openreview-py and arxiv are heavy); nothing here imports higher
layers.
"""
