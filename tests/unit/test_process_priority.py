"""The background services lower their own CPU priority at start; the rest keep theirs (each case runs in a
child process, as lowering a priority cannot be undone without privilege)."""
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def niceness_after(code):
    """Run `code` in a fresh interpreter and answer its niceness afterwards, beside the one it started with."""
    script = "import os\nbefore = os.nice(0)\n" + textwrap.dedent(code) + "\nprint(before, os.nice(0))\n"
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True)
    before, after = out.stdout.split()[-2:]
    return int(before), int(after)


def test_a_background_service_lowers_its_priority_by_the_niceness():
    before, after = niceness_after("""
        from shared.process_priority import lower_if_background
        assert lower_if_background(7, {"search": object}, frozenset({"notification", "search"}))
    """)
    assert after == min(before + 7, 19)


def test_a_service_on_the_filing_path_keeps_its_priority():
    before, after = niceness_after("""
        from shared.process_priority import lower_if_background
        assert not lower_if_background(7, {"intake": object}, frozenset({"notification", "search"}))
    """)
    assert after == before


def test_niceness_zero_leaves_a_background_service_as_it_is():
    before, after = niceness_after("""
        from shared.process_priority import lower_if_background
        assert not lower_if_background(0, {"search": object}, frozenset({"search"}))
    """)
    assert after == before


def test_nameko_runs_the_registrys_background_services_lowered_by_the_configured_niceness():
    """Through `nameko run`'s own runner, as services/run.py installs it: the setting comes from the config."""
    before, after = niceness_after("""
        from shared import process_priority
        from services.registry import BACKGROUND
        process_priority.install(BACKGROUND)
        import nameko.cli.run

        class Search:
            name = "search"

        runner = nameko.cli.run.ServiceRunner({"BACKGROUND_NICENESS": "5"})
        runner.add_service(Search)
        runner.start()
        runner.stop()
    """)
    assert after == min(before + 5, 19)
