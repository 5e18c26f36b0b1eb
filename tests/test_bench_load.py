"""The benchmarks' load generator (bench/load.py): which generator a cell gets, and how wrk's
output is read. The smoke runs (tests/test_bench_smoke.py) use cells of 0.1 s, so they go to the
Python client; wrk's reading is checked here on outputs wrk printed."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

#: ``wrk -t1 -c1 -d1s --timeout 10s --latency`` against a local server, as printed
WRK_OK = """Running 1s test @ http://127.0.0.1:8799/
  1 threads and 1 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     3.33ms  513.90us   8.23ms   90.34%
    Req/Sec   289.60     14.30   313.00     60.00%
  Latency Distribution
     50%    3.19ms
     75%    3.39ms
     90%    3.82ms
     99%    5.46ms
  289 requests in 1.00s, 7.97MB read
Requests/sec:    288.46
Transfer/sec:      7.95MB
"""

#: the same run with failures: wrk adds these lines, and a latency may be in µs or seconds
WRK_FAILING = """Running 1s test @ http://127.0.0.1:8799/
  2 threads and 2 connections
  Latency Distribution
     50%  812.00us
     75%    1.01ms
     90%    1.20ms
     99%    1.05s
  1204 requests in 1.00s, 1.20MB read
  Socket errors: connect 0, read 2, write 0, timeout 1
  Non-2xx or 3xx responses: 4
Requests/sec:   1203.10
Transfer/sec:      1.20MB
"""


@pytest.fixture
def load(monkeypatch):
    spec = importlib.util.spec_from_file_location("bench_load", ROOT / "bench" / "load.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "bench_load", module)
    spec.loader.exec_module(module)
    return module


def test_wrk_figures_are_read_in_milliseconds(load):
    assert load.read_wrk(WRK_OK) == {"rps": 288.46, "p50_ms": 3.19, "p99_ms": 5.46, "errors": 0}


def test_wrk_failures_count_socket_errors_and_bad_statuses(load):
    figures = load.read_wrk(WRK_FAILING)
    assert figures["errors"] == 2 + 1 + 4
    assert figures["p50_ms"] == pytest.approx(0.812) and figures["p99_ms"] == pytest.approx(1050.0)


def test_output_that_is_not_wrks_is_an_error(load):
    with pytest.raises(ValueError, match="not wrk's output"):
        load.read_wrk("unable to connect to 127.0.0.1:1 Connection refused\n")


def test_a_cell_shorter_than_wrk_can_count_goes_to_the_python_client(load, monkeypatch):
    monkeypatch.setattr(load, "WRK", "/usr/bin/wrk")
    assert load.generator(0.1) == "python (httpx)"
    assert load.generator(1) == load.generator(3) == "wrk"
    monkeypatch.setattr(load, "WRK", None)
    assert load.generator(3) == "python (httpx)"
