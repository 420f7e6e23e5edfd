"""Test helpers shared by the pure suite, the bench suite and the benchmarks.

Pure Python: no frappe. Fakes of remote services serve real HTTP on 127.0.0.1.
"""
