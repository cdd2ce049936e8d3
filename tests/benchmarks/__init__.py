"""Pieces of the served benchmark (`make bench`, tests/bench.py): the peers it is measured against,
the servers, the database it builds, the measuring clients and the printed tables."""
