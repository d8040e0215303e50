"""Learner code that misbehaves, as text for an exercises.py: shared by the checker's and the engine's tests."""

# A child that calls setsid() and forks a sleeping grandchild, then exits (the grandchild is orphaned,
# outside the caller's session); and a `sleep` in a session of its own. Their pids go to `pid_dir`
# ("grandchild", "sleeper"); _spawn returns once both are written.
SPAWNER = """
import os, subprocess, time

def _spawn(pid_dir):
    child = os.fork()
    if child == 0:
        os.setsid()
        if os.fork() == 0:
            with open(os.path.join(pid_dir, "grandchild"), "w") as f:
                f.write(str(os.getpid()))
            time.sleep(300)
        os._exit(0)
    os.waitpid(child, 0)
    p = subprocess.Popen(["sleep", "300"], start_new_session=True)
    with open(os.path.join(pid_dir, "sleeper"), "w") as f:
        f.write(str(p.pid))
    deadline = time.monotonic() + 10
    while not os.path.exists(os.path.join(pid_dir, "grandchild")) and time.monotonic() < deadline:
        time.sleep(0.02)
"""
