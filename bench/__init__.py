"""govwatch's benchmarks (``make bench`` / ``python -m bench``): never run by the test suite.

Each benchmark module measures one thing against a baseline in the same run and returns a
:class:`bench.common.Result`; ``bench/results/<name>.json`` keeps the latest numbers.
"""
