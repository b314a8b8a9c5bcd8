"""Demo data too big for the app package: the large believable site the benchmarks run on (``large``).

Outside ``copractice/`` so that the site's code does not carry it; installed beside it so that the
``copractice demo-data --scale large`` command (copractice/cli.py) and ``make bench`` can use it.
"""
