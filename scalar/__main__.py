"""`python -m scalar`: the same command line as the `scalar` console script, and the spelling to use
where git's own `scalar` command (Debian's /usr/bin/scalar) may come first on PATH."""

from scalar.cli import main

main()
