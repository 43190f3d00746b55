"""Unit tests for bench/run's figures and its --check (no processes, no clocks).

  python3 -m unittest bench/run_test.py
"""
import importlib.machinery
import importlib.util
import os
import unittest

_path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "run")
_loader = importlib.machinery.SourceFileLoader("bench_run", _path)
_spec = importlib.util.spec_from_loader("bench_run", _loader)
run = importlib.util.module_from_spec(_spec)
_loader.exec_module(run)


class Percentile(unittest.TestCase):
    def test_nearest_rank_on_a_hundred_values(self):
        v = list(range(1, 101))
        self.assertEqual(run.percentile(v, 0.50), 50)
        self.assertEqual(run.percentile(v, 0.99), 99)
        self.assertEqual(run.percentile(v, 1.0), 100)

    def test_p99_of_a_thousand_is_the_tenth_largest(self):
        v = list(range(1000))
        self.assertEqual(run.percentile(v, 0.99), 989)

    def test_small_samples_and_empty(self):
        self.assertEqual(run.percentile([7], 0.99), 7)
        self.assertEqual(run.percentile([1, 2], 0.5), 1)
        self.assertEqual(run.percentile([1, 2], 0.0), 1)
        with self.assertRaises(ValueError):
            run.percentile([], 0.5)

    def test_summary_sorts_its_input(self):
        s = run.summary_ms([3.0, 1.0, 2.0])
        self.assertEqual((s["min_ms"], s["p50_ms"], s["max_ms"]), (1.0, 2.0, 3.0))


def line(scenario, **kw):
    base = {"scenario": scenario, "cores": 2, "cpu": "x", "commit": "abc", "mode": "quick", "db": "sqlite",
            "load_before": [0, 0, 0]}
    base.update(kw)
    return base


class Check(unittest.TestCase):
    def test_complete_line_passes(self):
        l = line("fanout", hosts=10, seconds=1.0, hosts_per_s=10, last_received_s=0.5)
        self.assertEqual(run.missing_fields(l), [])

    def test_missing_figure_is_named(self):
        l = line("fanout", hosts=10, seconds=1.0, last_received_s=0.5)
        self.assertEqual(run.missing_fields(l), ["hosts_per_s"])

    def test_error_line_fails(self):
        self.assertTrue(run.missing_fields(line("idle", error="boom")))

    def test_skipped_needs_a_reason_only(self):
        self.assertEqual(run.missing_fields(line("vs_ansible", skipped="ansible not installed")), [])
        self.assertTrue(run.missing_fields(line("vs_ansible", skipped="")))

    def test_ibex_poll_needs_its_cpu_and_throughput(self):
        l = line("ibex_poll", agents=200, poll_ms=1000, measured_s=3, server_cpu_pct=2.0, results=200, task_s=2.1,
                 results_per_s=95)
        self.assertEqual(run.missing_fields(l), [])
        del l["server_cpu_pct"]
        self.assertEqual(run.missing_fields(l), ["server_cpu_pct"])

    def test_every_scenario_has_required_fields(self):
        self.assertEqual(sorted(run.REQUIRED), sorted(run.SCENARIOS))


class Databases(unittest.TestCase):
    def test_postgres_urls_are_recognised(self):
        self.assertTrue(run.is_postgres_url("postgresql://mend@127.0.0.1:5432/postgres"))
        self.assertTrue(run.is_postgres_url("postgres://u:p@db/x"))
        self.assertFalse(run.is_postgres_url("sqlite"))
        self.assertFalse(run.is_postgres_url("host=db dbname=x"))

    def test_database_url_replaces_only_the_database(self):
        self.assertEqual(run.database_url("postgresql://mend@127.0.0.1:5432/postgres", "b1"),
                         "postgresql://mend@127.0.0.1:5432/b1")
        self.assertEqual(run.database_url("postgresql://u:p@db:5/x?sslmode=disable", "b2"),
                         "postgresql://u:p@db:5/b2?sslmode=disable")
        self.assertEqual(run.database_url("postgresql://u@db", "b3"), "postgresql://u@db/b3")

    def test_an_unknown_db_is_refused(self):
        with self.assertRaises(SystemExit) as e:
            run.main(["--db", "mysql://x", "--bin", "/nonexistent"])
        self.assertEqual(e.exception.code, 2)


if __name__ == "__main__":
    unittest.main()
