"""The head's watch without Ray: a port that stops answering ends the process in one line, exit code 3."""

import socket
import subprocess
import sys
import textwrap
import threading
import time

from nasx.ray import health
from tests.helpers.paths import ROOT

WATCHED = textwrap.dedent("""
    import sys, threading, time
    from nasx import log
    from nasx.ray import health
    with log.command("nasx search"):
        health.Watch(sys.argv[1], lambda: "the head is gone", terminal=2, record_lock=threading.Lock(),
                     program=log.program(), lost_after_s=2.0)
    print("watching", flush=True)
    time.sleep(60)
""")


def test_a_port_that_stops_answering_ends_the_process_in_one_line_with_exit_code_3():
    server = socket.create_server(("127.0.0.1", 0))
    address = f"127.0.0.1:{server.getsockname()[1]}"
    assert health.answers(address)
    watched = subprocess.Popen(
        [sys.executable, "-c", WATCHED, address], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert watched.stdout.readline() == "watching\n"
        time.sleep(3.0)  # answering: the watch leaves it alone
        assert watched.poll() is None
        server.close()
        closed_at = time.monotonic()
        out, err = watched.communicate(timeout=30)
    finally:
        if watched.poll() is None:
            watched.kill()
    assert watched.returncode == health.CLUSTER_LOST == 3
    assert err == "nasx search: error: the head is gone\n" and out == ""
    assert time.monotonic() - closed_at < 20  # lost after 2 s of checks once a second, on a loaded machine
    assert not health.answers(address)


def test_a_stopped_watch_never_fires():
    server = socket.create_server(("127.0.0.1", 0))
    address = f"127.0.0.1:{server.getsockname()[1]}"
    fired = []
    lock = threading.Lock()
    watch = health.Watch(address, lambda: fired.append(1) or "x", terminal=2, record_lock=lock, program="nasx")
    watch.stop()
    server.close()
    time.sleep(health.CHECK_S * 2)
    assert not watch.thread.is_alive() and fired == []
