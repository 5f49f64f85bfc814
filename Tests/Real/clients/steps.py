"""Step bookkeeping shared by the tier's Python clients.

Each step is recorded as `PASS <scenario>/<prefix>.<step>` or `FAIL ...` in $PRESSO_OUT/results.txt
(the guest runner counts these lines), with its duration in step-times.txt. Steps depend on the
ones before them (no read without a connection), so the first failure ends the client run."""
import os
import sys
import time
import traceback


class StepFailed(Exception):
    pass


class Steps:
    def __init__(self, prefix):
        self.prefix = prefix
        self.scenario = os.environ.get('PRESSO_SCENARIO', 'adhoc')
        out = os.environ.get('PRESSO_OUT', '.')
        self.results = os.path.join(out, 'results.txt')
        self.times = os.path.join(out, 'step-times.txt')
        self.failed = False

    def _record(self, line):
        with open(self.results, 'a') as f:
            f.write(line + '\n')

    def run(self, name, fn, *args):
        """Runs fn(*args) as step `name`; returns its result, raises StepFailed on failure."""
        t0 = time.monotonic()
        try:
            value = fn(*args)
        except Exception as e:  # every failure of a step is a test failure, reported as such
            self._failed(name, t0, e)
        self._passed(name, t0)
        return value

    async def arun(self, name, coroutine_fn, *args):
        """run() for a coroutine function."""
        t0 = time.monotonic()
        try:
            value = await coroutine_fn(*args)
        except Exception as e:
            self._failed(name, t0, e)
        self._passed(name, t0)
        return value

    def _passed(self, name, t0):
        full = f'{self.scenario}/{self.prefix}.{name}'
        self._record(f'PASS {full}')
        with open(self.times, 'a') as f:
            f.write(f'{full} {time.monotonic() - t0:.2f}s\n')
        print(f'PASS {full} ({time.monotonic() - t0:.1f}s)', flush=True)

    def _failed(self, name, t0, error):
        full = f'{self.scenario}/{self.prefix}.{name}'
        self.failed = True
        detail = str(error).splitlines()[0] if str(error) else ''
        self._record(f'FAIL {full}: {type(error).__name__} {detail}')
        print(f'FAIL {full} ({time.monotonic() - t0:.1f}s): {type(error).__name__} {detail}', flush=True)
        traceback.print_exception(error, file=sys.stdout)
        raise StepFailed(full) from error


def expect(condition, message):
    if not condition:
        raise AssertionError(message)
