"""
The measured clients. Each module has ``prepare(job) -> run``: ``prepare`` does everything that
is outside the timer (imports, generated-code loading), ``run()`` is the timed export and
returns an :class:`~benchmarks._job.Outcome`.
"""
