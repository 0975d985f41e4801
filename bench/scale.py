#!/usr/bin/env python3
"""vsrd at scale (issue 15), driven by bench/scale.sh: N objects on T simulated vCenters.

For each N, on T vsrd-sim vCenter personas (clock following real time), each with a degraded
VCHA cluster, two hosts to extract depots from, an appliance update to install and an appliance
install running for an hour; and N objects: per target one VchaPassiveNode, two
OfflineDepotFromHost, one ApplianceUpdate and one ApplianceInstall guard, the rest
GuestCustomizationCheck (one VM each). Measures, one after the other:

1. cold start: `vsrd run` start -> every object Ready (or Degraded), against the critical path:
   one target's mutations in a row (one mutation slot per target), from the scenario's durations;
2. steady state over STEADY seconds, one interval after that: RSS, CPU of the vsrd process per
   object and per API request (/proc/PID/stat; requests from vsrd_api_requests_total), and
   drift checks per object per interval (vsrd_reconcile_total);
3. GET /metrics and GET /status: size and time (median of 5);
4. manifest edit -> first API call of the changed spec (EDITS edits of one object's file,
   replaced as git does), from vsrd-sim's request log, with N objects loaded.

Prints a plain-text report; bench/scale.sh adds the command, commit and machine and writes it to
bench/results/.
"""

import argparse
import datetime
import json
import os
import re
import shutil
import signal
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

# Simulated durations in seconds (the clock follows real time). One target's mutations run one
# at a time, so they make the critical path: redeploy, two extractions, stage + install + the
# restart after it; the install guard's cancel is immediate.
REDEPLOY = 20
EXTRACT = 10
STAGE = 10
INSTALL = 30
RESTART = 1
CRITICAL_PATH = REDEPLOY + 2 * EXTRACT + STAGE + INSTALL + RESTART
PASSWORD = "bench-only-password"
# POSTs that change nothing (vsrd-sim's operation names): left out of the mutation timeline.
READ_ONLY_POST = re.compile(r"\.(get|check|list|precheck)$")


def persona(name, vms):
    vm_lines = "\n".join(
        "          %s: {name: %s, guest_OS: RHEL_8_64, power_state: POWERED_OFF}" % (vm, vm)
        for vm in vms)
    return f"""  {name}:
    type: vcenter
    listen: 127.0.0.1:0
    users: {{administrator@vsphere.local: {{password: {PASSWORD}}}}}
    sessions: {{idle_timeout: 30m, max_lifetime: 24h}}
    state:
      inventory:
        hosts:
          host-1: {{name: esx-a.{name}.example.com}}
          host-2: {{name: esx-b.{name}.example.com}}
          host-3: {{name: esx-c.{name}.example.com}}
        folders: {{group-v4: {{name: vm}}}}
        datastores: {{datastore-15: {{name: ds01}}, datastore-16: {{name: ds02}}}}
        networks: {{network-11: {{name: VM Network}}, network-13: {{name: vcha-ha}}}}
        resource_pools: {{resgroup-8: {{name: Resources}}}}
        vms:
{vm_lines}
      vcha:
        config_state: CONFIGURED
        mode: ENABLED
        node1:
          ha_ip: {{ip_family: IPV4, ipv4: {{address: 192.0.2.11, prefix: 24}}}}
          failover_ip:
            ip_family: IPV4
            ipv4: {{address: 192.0.2.10, subnet_mask: 255.255.255.0}}
            gateway_ip: 192.0.2.1
          state: UP
          placement: {{vm_name: {name}, host: host-3, management_network: network-11,
                      ha_network: network-13, storage: {{datastore: datastore-16}}}}
        node2:
          ha_ip: {{ip_family: IPV4, ipv4: {{address: 192.0.2.12, prefix: 24}}}}
          state: DOWN
          placement: {{vm_name: {name}-passive, host: host-3, management_network: network-11,
                      ha_network: network-13, storage: {{datastore: datastore-15}}}}
        witness:
          ha_ip: {{ip_family: IPV4, ipv4: {{address: 192.0.2.13, prefix: 24}}}}
          placement: {{vm_name: {name}-witness, host: host-3, management_network: network-11,
                      ha_network: network-13, storage: {{datastore: datastore-16}}}}
        redeploy: {{duration: {REDEPLOY}s}}
      depots:
        offline: {{}}
        host_software:
          host-1: {{base_image: {{version: 8.0.3-0.0.24022510}}}}
          host-2: {{base_image: {{version: 8.0.2-0.0.22380479}}}}
        create_from_host: {{duration: {EXTRACT}s}}
      appliance:
        version: {{version: "8.0.1.00000", build: "21560480"}}
        restart: {{duration: {RESTART}s, answer: refuse}}
        updates:
          "8.0.2.00100":
            name: vCenter Server 8.0 Update 2b
            description: Security and bug fixes
            update_type: UPDATE
            severity: CRITICAL
            stage_duration: {STAGE}s
            install_duration: {INSTALL}s
      deployment:
        install: {{start: "-1h", duration: 8h}}
"""


def target_manifests(name):
    return f"""apiVersion: vsrd/v1
kind: VchaPassiveNode
metadata: {{name: {name}-passive}}
spec:
  target: {name}
  placement:
    name: {name}-passive
    folder: group-v4
    host: host-3
    resource_pool: resgroup-8
    ha_network_type: STANDARD_PORTGROUP
    ha_network: network-13
    management_network_type: STANDARD_PORTGROUP
    management_network: network-11
    storage: {{datastore: datastore-15}}
  ha_ip: {{ip_family: IPV4, ipv4: {{address: 192.0.2.12, prefix: 24}}}}
  failover_ip:
    ip_family: IPV4
    ipv4: {{address: 192.0.2.10, subnet_mask: 255.255.255.0}}
    default_gateway: 192.0.2.1
---
apiVersion: vsrd/v1
kind: OfflineDepotFromHost
metadata: {{name: {name}-golden-a}}
spec: {{target: {name}, host: host-1}}
---
apiVersion: vsrd/v1
kind: OfflineDepotFromHost
metadata: {{name: {name}-golden-b}}
spec: {{target: {name}, host: host-2}}
---
apiVersion: vsrd/v1
kind: ApplianceUpdate
metadata: {{name: {name}-update}}
spec: {{target: {name}, version: "8.0.2.00100"}}
---
apiVersion: vsrd/v1
kind: ApplianceInstall
metadata: {{name: {name}-install-guard}}
spec: {{target: {name}, max_duration: 30m}}
"""


SPECIAL_PER_TARGET = 5


def check(name, target, vms):
    return ("apiVersion: vsrd/v1\nkind: GuestCustomizationCheck\nmetadata: {name: %s}\n"
            "spec: {target: %s, vms: [%s]}\n" % (name, target, ", ".join(vms)))


class Lab:
    """vsrd-sim and `vsrd run` for one N, in a scratch directory."""

    def __init__(self, args, n):
        self.args = args
        self.n = n
        self.work = tempfile.mkdtemp(prefix="vsrd-scale-")
        self.processes = []
        self.targets = ["vc%02d" % i for i in range(args.targets)]
        checks = n - SPECIAL_PER_TARGET * len(self.targets) - 1  # one more: the edited object
        if checks < 0:
            raise SystemExit("scale: N=%d is below %d (the per-target objects and the edited one)"
                             % (n, SPECIAL_PER_TARGET * len(self.targets) + 1))
        per_target = [checks // len(self.targets) + (1 if i < checks % len(self.targets) else 0)
                      for i in range(len(self.targets))]
        self.checks = checks
        with open(os.path.join(self.work, "scenario.yaml"), "w") as out:
            out.write("clock: {start: \"2026-01-01T00:00:00Z\"}\npersonas:\n")
            for i, target in enumerate(self.targets):
                vms = ["vm-%d" % v for v in range(1, per_target[i] + 1)]
                if i == 0:
                    vms += ["vm-e1", "vm-e2"]
                out.write(persona(target, vms))
        manifests = os.path.join(self.work, "manifests")
        os.makedirs(manifests)
        for i, target in enumerate(self.targets):
            with open(os.path.join(manifests, target + ".yaml"), "w") as out:
                out.write(target_manifests(target))
            # GuestCustomizationChecks in files of 100 objects, as a large repository has them.
            for start in range(0, per_target[i], 100):
                with open(os.path.join(manifests, "%s-checks-%05d.yaml" % (target, start)),
                          "w") as out:
                    for v in range(start + 1, min(per_target[i], start + 100) + 1):
                        out.write(check("%s-check-%d" % (target, v), target, ["vm-%d" % v]))
                        out.write("---\n")
        self.edited = os.path.join(manifests, "edited.yaml")
        with open(self.edited, "w") as out:
            out.write(check("edited", self.targets[0], ["vm-e1"]))

    def start_sim(self):
        out = open(os.path.join(self.work, "sim.out"), "w")
        err = open(os.path.join(self.work, "sim.err"), "w")
        sim = subprocess.Popen(
            [self.args.sim, "--scenario", os.path.join(self.work, "scenario.yaml"),
             "--clock-start", "now", "--time-scale", "1", "--admin-listen", "127.0.0.1:0",
             "--cert-out", os.path.join(self.work, "ca.pem")], stdout=out, stderr=err)
        self.processes.append(sim)
        self.sim = sim
        self.urls = {}
        deadline = time.time() + 60
        while time.time() < deadline:
            text = open(os.path.join(self.work, "sim.out")).read()
            self.urls = dict(re.findall(r"vsrd-sim: (\S+) \(vcenter\) listening on (\S+)", text))
            admin = re.search(r"vsrd-sim: admin .*listening on (\S+)", text)
            if admin and len(self.urls) == len(self.targets):
                self.admin = admin.group(1)
                break
            if sim.poll() is not None:
                break
            time.sleep(0.1)
        else:
            pass
        if len(self.urls) != len(self.targets) or sim.poll() is not None:
            raise SystemExit("scale: vsrd-sim did not start:\n" +
                             open(os.path.join(self.work, "sim.err")).read())
        self.context = ssl.create_default_context(cafile=os.path.join(self.work, "ca.pem"))

    def sim_call(self, method, path):
        request = urllib.request.Request(self.admin + path, method=method)
        with urllib.request.urlopen(request, context=self.context, timeout=60) as response:
            body = response.read()
            return json.loads(body) if body else None

    def start_vsrd(self):
        with open(os.path.join(self.work, "password"), "w") as out:
            out.write(PASSWORD + "\n")
        lines = ["manifests: manifests", "state_dir: state", "listen: 127.0.0.1:0",
                 "workers: %d" % self.args.workers, "log: {level: info, format: text}",
                 "defaults: {interval: %s}" % self.args.interval, "targets:"]
        for target in self.targets:
            lines += ["  %s:" % target, "    api: vcenter", "    url: %s" % self.urls[target],
                      "    username: administrator@vsphere.local", "    password_file: password",
                      "    tls: {ca_file: ca.pem}",
                      "    requests_per_second: %s" % self.args.rate]
        with open(os.path.join(self.work, "vsrd.yaml"), "w") as out:
            out.write("\n".join(lines) + "\n")
        self.log = os.path.join(self.work, "vsrd.log")
        self.started = time.time()
        self.vsrd = subprocess.Popen(
            [self.args.vsrd, "run", "--config", os.path.join(self.work, "vsrd.yaml")],
            stdout=subprocess.DEVNULL, stderr=open(self.log, "w"))
        self.processes.append(self.vsrd)
        deadline = time.time() + 120
        self.api = None
        while time.time() < deadline and self.vsrd.poll() is None:
            found = re.search(r"listening on (http://127\.0\.0\.1:\d+)", open(self.log).read())
            if found:
                self.api = found.group(1)
                break
            time.sleep(0.05)
        if not self.api:
            raise SystemExit("scale: vsrd run did not start:\n" + open(self.log).read()[-4000:])

    def mutation_timeline(self, say):
        """Where one target's cold start went: its mutating calls (POST and PATCH but the login
        and the read-only POSTs) in seconds since vsrd started, for the target whose last
        mutation came latest."""
        offsets = []
        for _ in range(5):
            before = time.time()
            now = sim_time(self.sim_call("GET", "/sim/clock")["now"])
            offsets.append(now - (before + time.time()) / 2)
        start = self.started + statistics.median(offsets)
        worst = None
        for target in self.targets:
            calls = [entry for entry in self.sim_call("GET", "/sim/requests?persona=" + target)
                     if entry["method"] in ("POST", "PATCH") and entry["path"] != "/api/session"
                     and not READ_ONLY_POST.search(entry["operation"])]
            if calls and (worst is None or calls[-1]["time"] > worst[1][-1]["time"]):
                worst = (target, calls)
        if worst is None:
            return
        target, calls = worst
        say("  %s's mutating calls, s after start: " % target + "; ".join(
            "%.1f %s %s" % (sim_time(c["time"]) - start, c["operation"], c["status"])
            for c in calls))

    def get(self, path):
        with urllib.request.urlopen(self.api + path, timeout=120) as response:
            return response.read()

    def status(self):
        return json.loads(self.get("/status"))["objects"]

    def metric_sum(self, text, name, where=""):
        total = 0.0
        for line in text.splitlines():
            if line.startswith(name + "{") or line.startswith(name + " "):
                if where and where not in line:
                    continue
                total += float(line.rsplit(" ", 1)[1])
        return total

    def cpu_seconds(self, pid=None):
        pid = self.vsrd.pid if pid is None else pid
        fields = open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()
        # utime and stime are fields 14 and 15 of stat(5); fields[0] here is field 3.
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def rss_mb(self):
        for line in open("/proc/%d/status" % self.vsrd.pid):
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return 0.0

    def stop(self):
        for process in reversed(self.processes):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
        if self.args.keep:
            print("scale: kept %s" % self.work, file=sys.stderr)
        else:
            shutil.rmtree(self.work, ignore_errors=True)


def seconds(text):
    """Seconds of a duration such as 30s, 5m."""
    unit = {"s": 1, "m": 60, "h": 3600}[text[-1]]
    return float(text[:-1]) * unit


def sim_time(text):
    text = text.rstrip("Z")
    if "." not in text:
        text += ".0"
    return datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%f").replace(
        tzinfo=datetime.timezone.utc).timestamp()


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def run(args, n, report):
    lab = Lab(args, n)
    try:
        lab.start_sim()
        lab.start_vsrd()
        say = lambda text: (report.append(text), print(text, flush=True))  # noqa: E731
        say("## N=%d objects on %d targets (%d GuestCustomizationCheck)" %
            (n, len(lab.targets), lab.checks + 1))

        # 1. Cold start.
        deadline = lab.started + args.cold_timeout
        done_at = None
        phases = {}
        while time.time() < deadline:
            objects = lab.status()
            phases = {}
            for item in objects:
                phases[item["phase"]] = phases.get(item["phase"], 0) + 1
            if len(objects) == n and all(o["phase"] in ("Ready", "Degraded") for o in objects):
                done_at = time.time()
                break
            # GET /status of 10,000 objects costs vsrd some 200 ms: poll less often as N grows,
            # so that the benchmark does not slow down what it measures (resolution N/5000 s).
            time.sleep(max(0.5, n / 5000))
        if done_at is None:
            say("cold start: not all Ready within %d s: %s" % (args.cold_timeout, phases))
        else:
            cold = done_at - lab.started
            say("cold start -> all Ready: %.1f s; critical path %d s; ratio %.2f (phases %s)" %
                (cold, CRITICAL_PATH, cold / CRITICAL_PATH, phases))
        lab.mutation_timeline(say)

        # 2. Steady state: one interval to settle, then STEADY seconds.
        interval = seconds(args.interval)
        time.sleep(interval)
        metrics = lab.get("/metrics").decode()
        cpu0, requests0 = lab.cpu_seconds(), lab.metric_sum(metrics, "vsrd_api_requests_total")
        sim_cpu0 = lab.cpu_seconds(lab.sim.pid)
        latency0 = (lab.metric_sum(metrics, "vsrd_api_request_duration_seconds_sum"),
                    lab.metric_sum(metrics, "vsrd_api_request_duration_seconds_count"))
        passes0 = lab.metric_sum(metrics, "vsrd_reconcile_total", 'result="success"')
        t0 = time.time()
        rss = []
        while time.time() - t0 < args.steady:
            rss.append(lab.rss_mb())
            lab.sim_call("DELETE", "/sim/requests")  # the simulator's log is not what we measure
            time.sleep(5)
        metrics = lab.get("/metrics").decode()
        elapsed = time.time() - t0
        cpu = lab.cpu_seconds() - cpu0
        requests = lab.metric_sum(metrics, "vsrd_api_requests_total") - requests0
        passes = lab.metric_sum(metrics, "vsrd_reconcile_total", 'result="success"') - passes0
        sim_cpu = lab.cpu_seconds(lab.sim.pid) - sim_cpu0
        latency = ((lab.metric_sum(metrics, "vsrd_api_request_duration_seconds_sum") - latency0[0])
                   / max(lab.metric_sum(metrics, "vsrd_api_request_duration_seconds_count")
                         - latency0[1], 1))
        say("steady state over %.0f s (interval %s): RSS %.1f MB (max %.1f), CPU %.1f %% of a core"
            % (elapsed, args.interval, statistics.median(rss), max(rss), 100 * cpu / elapsed))
        say("  %.0f API requests (%.2f per object per interval), %.3f ms CPU per request, "
            "%.3f ms CPU per object per interval" %
            (requests, requests / n / (elapsed / interval), 1000 * cpu / max(requests, 1),
             1000 * cpu / n / (elapsed / interval)))
        say("  drift checks: %.2f per object per interval; RSS per object %.1f kB" %
            (passes / n / (elapsed / interval), 1024 * statistics.median(rss) / n))
        # What bounds the drift checks: each worker makes one request at a time, so with W
        # workers at most W / latency requests per second.
        say("  API request latency (mean, as vsrd sees it) %.1f ms with %d workers; vsrd-sim CPU "
            "%.1f %% of a core, %.3f ms per request" %
            (1000 * latency, args.workers, 100 * sim_cpu / elapsed,
             1000 * sim_cpu / max(requests, 1)))

        # 3. /metrics and /status.
        for path in ("/metrics", "/status"):
            times = []
            size = 0
            for _ in range(5):
                start = time.time()
                size = len(lab.get(path))
                times.append(1000 * (time.time() - start))
            say("GET %s: %.1f MB, median %.0f ms (min %.0f, max %.0f)" %
                (path, size / 1e6, statistics.median(times), min(times), max(times)))

        # 4. Manifest edit -> first API call of the new spec.
        offsets = []
        for _ in range(20):
            before = time.time()
            now = lab.sim_call("GET", "/sim/clock")["now"]
            after = time.time()
            offsets.append(sim_time(now) - (before + after) / 2)
        offset = statistics.median(offsets)
        latencies = []
        misses = 0
        for i in range(args.edits):
            time.sleep(args.edit_gap)
            vm = "vm-e2" if i % 2 == 0 else "vm-e1"
            lab.sim_call("DELETE", "/sim/requests")
            with open(lab.edited + ".tmp", "w") as out:
                out.write(check("edited", lab.targets[0], [vm]))
            landed = time.time()
            os.replace(lab.edited + ".tmp", lab.edited)
            path = "/sim/requests?persona=%s&path=/api/vcenter/vm/%s/guest/customization" % (
                lab.targets[0], vm)
            first = None
            while first is None and time.time() < landed + 15:
                entries = lab.sim_call("GET", path)
                if entries:
                    first = sim_time(entries[0]["time"]) - offset
                else:
                    time.sleep(0.005)
            if first is None:
                misses += 1
            else:
                latencies.append(1000 * (first - landed))
        if latencies:
            say("edit -> first API call (%d edits, %d without a call within 15 s): p50 %.0f ms, "
                "p99 %.0f ms, max %.0f ms" % (args.edits, misses, percentile(latencies, 50),
                                             percentile(latencies, 99), max(latencies)))
            say("  raw ms: " + " ".join("%.0f" % value for value in latencies))
        else:
            say("edit -> first API call: none of %d edits got a call within 15 s" % args.edits)
        say("")
    finally:
        lab.stop()


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--vsrd", required=True)
    parser.add_argument("--sim", required=True)
    parser.add_argument("--sizes", default="100,1000,10000")
    parser.add_argument("--targets", type=int, default=10)
    parser.add_argument("--interval", default="30s")
    parser.add_argument("--rate", default="100", help="requests_per_second of each target")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--steady", type=float, default=90)
    parser.add_argument("--edits", type=int, default=20)
    parser.add_argument("--edit-gap", type=float, default=1.0)
    parser.add_argument("--cold-timeout", type=float, default=900)
    parser.add_argument("--keep", action="store_true",
                        help="keep the scratch directory (scenario, manifests, vsrd.log)")
    args = parser.parse_args()
    report = []
    print("critical path of one target: redeploy %ds + 2 x extract %ds + stage %ds + install %ds "
          "+ restart %ds = %ds" % (REDEPLOY, EXTRACT, STAGE, INSTALL, RESTART, CRITICAL_PATH))
    for n in [int(size) for size in args.sizes.split(",")]:
        run(args, n, report)


if __name__ == "__main__":
    sys.exit(main())
