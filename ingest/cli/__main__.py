"""`python -m ingest.cli`: the `ingest` command."""
from ingest.cli import main

main()
