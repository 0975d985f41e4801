#!/usr/bin/env python3
"""Where vsrd's CPU goes in steady state (issue 15: "profile and remove what costs; the
breakdown goes in bench/").

Sets up bench/scale.py's lab (N objects on T vsrd-sim vCenters, the release build), waits
SETTLE seconds for the cold start to end, then records vsrd alone with perf for SECONDS
(`perf record -F 999 --call-graph dwarf`) and prints vsrd's CPU per API request over that
window and the share of samples under each part of the daemon (a sample counts for every part
on its call stack, so the indented rows are parts of the row above them, and rows of different
branches may overlap). Needs perf (Debian's linux-perf) and a release build:

  cmake --build --preset release && bench/profile.py --objects 10000 --settle 150 --seconds 40
"""

import argparse
import collections
import os
import re
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import scale  # noqa: E402

# (label, predicate over a sample's frames, leaf first).
def has(name):
    return lambda frames: any(name in frame for frame in frames)


IO = has("scheduler::run")
PARTS = [
    ("worker threads (Controller::WorkerLoop)", has("Controller::WorkerLoop")),
    ("  waiting for work: WorkQueue::Get (futex wait and wake, promotion of due items)",
     has("WorkQueue::Get")),
    ("  a pass: Controller::Pass", has("Controller::Pass")),
    ("    GuestCustomizationCheck reconcile (its call: hand-off to the I/O thread, wait)",
     has("GuestCustomizationCheckReconciler::Reconcile")),
    ("    StatusStore Get + Put (the status copied out and back)",
     lambda f: has("StatusStore::Get")(f) or has("StatusStore::Put")(f)),
    ("    Metrics (per-object series, reconcile counters, queue depth)",
     lambda f: has("Controller::Pass")(f) and has("daemon::Metrics::")(f)),
    ("    WorkQueue::AddAfter (the next drift check queued)",
     lambda f: has("Controller::Pass")(f) and has("WorkQueue::AddAfter")(f)),
    ("I/O threads (HttpsTransport's io_context: TLS, HTTP, sockets)", IO),
    ("  writing requests (Beast serializer, SSL_write, send)",
     lambda f: IO(f) and has("write_op")(f)),
    ("  reading answers (recv, SSL_read, HTTP parser)", lambda f: IO(f) and has("read_op")(f)),
    ("  ApiMetrics::Record (prometheus-cpp label lookups)", has("ApiMetrics::Record")),
    ("JSON decoding of answers (nlohmann)", has("nlohmann")),
    ("thread switches in the kernel (finish_task_switch, try_to_wake_up)",
     lambda f: any("finish_task_switch" in x or "try_to_wake_up" in x for x in f)),
    ("ObjectKey comparisons (manifests::operator<=>, self)",
     lambda f: f[0].startswith("vsrd::manifests::operator_spaceship")),
    ("malloc and free (self)",
     lambda f: f[0] in ("malloc", "_int_malloc", "cfree@GLIBC_2.2.5", "_int_free",
                        "__GI___libc_malloc", "malloc_consolidate", "__libc_free")),
]


def samples(script):
    """perf script's samples as lists of function names, leaf first (templates cut)."""
    out, frames = [], None
    for line in script.splitlines():
        if not line.strip():
            if frames:
                out.append(frames)
            frames = None
        elif not line[0].isspace():
            frames = []
        elif frames is not None:
            found = re.match(r"\s*[0-9a-f]+ (.+?)(\+0x[0-9a-f]+)? \(", line)
            if found:
                name = found.group(1).replace("operator<=>", "operator_spaceship")
                frames.append(re.sub(r"<.*", "<>", name))
    if frames:
        out.append(frames)
    return out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--vsrd", default="build/release/daemon/vsrd")
    parser.add_argument("--sim", default="build/release/simulator/server/vsrd-sim")
    parser.add_argument("--objects", type=int, default=10000)
    parser.add_argument("--targets", type=int, default=10)
    parser.add_argument("--rate", default="100")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--settle", type=float, default=150)
    parser.add_argument("--seconds", type=float, default=40)
    args = parser.parse_args()
    lab_args = argparse.Namespace(vsrd=args.vsrd, sim=args.sim, targets=args.targets,
                                  interval="30s", rate=args.rate, workers=args.workers,
                                  keep=False)
    lab = scale.Lab(lab_args, args.objects)
    data = os.path.join(tempfile.mkdtemp(prefix="vsrd-profile-"), "perf.data")
    try:
        lab.start_sim()
        lab.start_vsrd()
        time.sleep(args.settle)

        def cpu():
            fields = open("/proc/%d/stat" % lab.vsrd.pid).read().split(")")[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

        before = lab.get("/metrics").decode()
        cpu0, requests0 = cpu(), lab.metric_sum(before, "vsrd_api_requests_total")
        subprocess.run(["perf", "record", "-F", "999", "--call-graph", "dwarf,16384", "-o", data,
                        "-p", str(lab.vsrd.pid), "--", "sleep", str(args.seconds)],
                       check=True, capture_output=True)
        after = lab.get("/metrics").decode()
        used = cpu() - cpu0
        requests = lab.metric_sum(after, "vsrd_api_requests_total") - requests0
    finally:
        lab.stop()
    script = subprocess.run(["perf", "script", "-i", data], check=True, capture_output=True,
                            text=True).stdout
    found = samples(script)
    print("objects %d on %d targets, %d workers, requests_per_second %s" %
          (args.objects, args.targets, args.workers, args.rate))
    print("vsrd CPU over the %.0f s recorded: %.2f s for %d API requests = %.3f ms per request" %
          (args.seconds, used, requests, 1000 * used / max(requests, 1)))
    print("samples: %d (perf record -F 999 --call-graph dwarf, vsrd only)" % len(found))
    for label, predicate in PARTS:
        share = 100 * sum(1 for frames in found if predicate(frames)) / max(len(found), 1)
        print("%5.1f %%  %s" % (share, label))
    leaves = collections.Counter(frames[0] for frames in found if frames)
    print("top functions (self):")
    for name, count in leaves.most_common(12):
        print("%5.1f %%  %s" % (100 * count / len(found), name[:100]))


if __name__ == "__main__":
    sys.exit(main())
