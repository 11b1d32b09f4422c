#!/usr/bin/env python3
"""The deploy/ files carry what matters (issue 15, docs/scaling.md).

    check_deploy.py fields SOURCE_DIR DRIFTWARD_BINARY
    check_deploy.py kubectl SOURCE_DIR

fields: the Kubernetes CronJob runs Indexed Jobs whose shard argument is the
completion index (auto/N with N = completions = parallelism), concurrencyPolicy
Forbid, every Secret mounted read-only with no group or other access, requests
and a memory limit on every container, non-root and no privilege escalation;
the key and tenant secrets driftward.ini names lie on those mounts. The Nomad
job is periodic with prohibit_overlap, its shard is NOMAD_ALLOC_INDEX of count,
its secrets are templated 0600/0400 into secrets/. The Containerfile's final
stage is bookworm-slim with exactly the runtime packages, and they provide
every library the built binary needs (readelf + dpkg -S on this machine).

kubectl: `kubectl apply --dry-run=client` accepts the manifests against a stub
API server that serves discovery only (exit 77, skipped, without kubectl).
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

RUNTIME = {"libcurl4", "libssl3", "libgit2-1.5", "libyaml-0-2", "libinih1", "ca-certificates"}
BASE = {"libc6"}  # in debian:bookworm-slim already
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)


def k8s_docs(src):
    import yaml  # python3-yaml (scripts/install-deps.sh)
    with open(os.path.join(src, "deploy", "kubernetes", "driftward.yaml"), encoding="utf-8") as f:
        return [d for d in yaml.safe_load_all(f) if d]


def pod_checks(name, pod):
    check(pod.get("restartPolicy") == "Never", "%s: restartPolicy Never" % name)
    sc = pod.get("securityContext") or {}
    check(sc.get("runAsNonRoot") is True and sc.get("runAsUser", 0) != 0,
          "%s: runs as a non-root user" % name)
    check(pod.get("automountServiceAccountToken") is False,
          "%s: no service account token (driftward never talks to the API)" % name)
    volumes = {v["name"]: v for v in pod.get("volumes", [])}
    secrets = {n for n, v in volumes.items() if "secret" in v}
    for n in secrets:
        mode = volumes[n]["secret"].get("defaultMode", 0o644)
        check(mode & 0o077 == 0, "%s: secret volume %s mode %o has group/other bits"
              % (name, n, mode))
    mounts = {}
    for c in pod.get("initContainers", []) + pod["containers"]:
        cname = "%s/%s" % (name, c["name"])
        res = c.get("resources") or {}
        req = res.get("requests") or {}
        check("cpu" in req and "memory" in req, "%s: cpu and memory requests" % cname)
        check("memory" in (res.get("limits") or {}), "%s: a memory limit" % cname)
        csc = c.get("securityContext") or {}
        check(csc.get("allowPrivilegeEscalation") is False, "%s: no privilege escalation" % cname)
        check(csc.get("readOnlyRootFilesystem") is True, "%s: read-only root" % cname)
        check("ALL" in ((csc.get("capabilities") or {}).get("drop") or []),
              "%s: drops all capabilities" % cname)
        for m in c.get("volumeMounts", []):
            check(m["name"] in volumes, "%s: mounts unknown volume %s" % (cname, m["name"]))
            if m["name"] in secrets:
                check(m.get("readOnly") is True, "%s: secret %s mounted read-only"
                      % (cname, m["name"]))
            if c in pod["containers"]:
                mounts[m["mountPath"]] = (m["name"], m.get("readOnly") is True)
    return volumes, mounts


def under(path, mounts):
    """The mount (volume name, read-only) that holds @path, the longest match."""
    best = None
    for mp, info in mounts.items():
        if path.startswith(mp.rstrip("/") + "/") and (best is None or len(mp) > len(best[0])):
            best = (mp, info)
    return best[1] if best else None


def ini_values(text):
    out = {}
    for line in text.splitlines():
        m = re.match(r"\s*([a-z_]+)\s*=\s*(\S.*?)\s*$", line)
        if m:
            out.setdefault(m.group(1), []).append(m.group(2))
    return out


def check_kubernetes(src):
    docs = k8s_docs(src)
    kinds = {d["kind"]: d for d in docs}
    check("CronJob" in kinds, "kubernetes: a CronJob")
    cron = kinds["CronJob"]["spec"]
    check(cron.get("concurrencyPolicy") == "Forbid", "kubernetes: concurrencyPolicy Forbid")
    job = cron["jobTemplate"]["spec"]
    check(job.get("completionMode") == "Indexed", "kubernetes: completionMode Indexed")
    n = job.get("completions")
    check(isinstance(n, int) and n > 0 and job.get("parallelism") == n,
          "kubernetes: completions = parallelism (every shard at once)")
    pod = job["template"]["spec"]
    volumes, mounts = pod_checks("cronjob", pod)
    main = pod["containers"][0]
    args = main.get("args") or []
    check("--shard" in args and args[args.index("--shard") + 1] == "auto/%s" % n,
          "kubernetes: --shard auto/%s, the index from JOB_COMPLETION_INDEX" % n)
    check(not any(e.get("name") == "JOB_COMPLETION_INDEX" for e in main.get("env") or []),
          "kubernetes: JOB_COMPLETION_INDEX is the Job controller's, not overridden")
    ini = ini_values(kinds["ConfigMap"]["data"]["driftward.ini"])
    key = under(ini["key_file"][0], mounts)
    check(key is not None and key[1], "kubernetes: key_file on a read-only mount")
    check(key is not None and volumes[key[0]].get("emptyDir", {}).get("medium") == "Memory",
          "kubernetes: the key's copy lives in memory")
    for path in ini.get("secret_file", []) + ini.get("remote_ssh_key", []):
        m = under(path, mounts)
        check(m is not None and m[1] and "secret" in volumes[m[0]],
              "kubernetes: %s on a read-only Secret mount" % path)
    state = under(ini["state_repo"][0], mounts)
    check(state is not None and "persistentVolumeClaim" in volumes[state[0]],
          "kubernetes: the state repository on the persistent volume")
    # the roll-up a run of many tenants leaves: gc --auto before the run, on the same volume
    gc = [c for c in pod.get("initContainers", []) if (c.get("args") or [])[-2:] == ["gc", "--auto"]]
    check(len(gc) == 1 and state is not None and any(
        m["name"] == state[0] and ini["state_repo"][0].startswith(m["mountPath"].rstrip("/") + "/")
        for m in gc[0].get("volumeMounts", [])),
        "kubernetes: an init container runs gc --auto on the state volume before the run")
    if "Job" in kinds:
        pod_checks("init job", kinds["Job"]["spec"]["template"]["spec"])


def check_nomad(src):
    with open(os.path.join(src, "deploy", "nomad", "driftward.nomad.hcl"), encoding="utf-8") as f:
        text = f.read()
    body = re.sub(r"(?m)^\s*#.*$", "", text)
    check(re.search(r'\btype\s*=\s*"batch"', body), "nomad: a batch job")
    check(re.search(r"periodic\s*{[^}]*prohibit_overlap\s*=\s*true", body, re.S),
          "nomad: periodic with prohibit_overlap")
    count = re.search(r"\bcount\s*=\s*(\d+)", body)
    check(count and re.search(r'"--shard",\s*"\$\{NOMAD_ALLOC_INDEX\}/%s"' % count.group(1), body),
          "nomad: --shard ${NOMAD_ALLOC_INDEX}/count")
    check(re.search(r"resources\s*{[^}]*\bcpu\s*=\s*\d+[^}]*\bmemory\s*=\s*\d+", body, re.S),
          "nomad: cpu and memory resources")
    check(re.search(r"readonly_rootfs\s*=\s*true", body), "nomad: read-only root")
    tasks = re.findall(r'(?ms)^    task\s+"[^"]+"\s*{(.*?)^    }', body)
    check(any(re.search(r'hook\s*=\s*"prestart"', t) and re.search(r'"gc",\s*"--auto"\]', t) and
              re.search(r'volume_mount\s*{[^}]*volume\s*=\s*"state"', t, re.S) for t in tasks),
          "nomad: a prestart task runs gc --auto on the state volume before the run")
    for name, perms in (("key.txt", "0600"), ("remote_key", "0600"), ("contoso.age", "0400")):
        m = re.search(r'destination\s*=\s*"secrets/%s"\s*perms\s*=\s*"(\d+)"' % re.escape(name),
                      body)
        check(m and m.group(1) == perms, "nomad: secrets/%s templated with perms %s"
              % (name, perms))
    for path in re.findall(r"(?m)(?:key_file|secret_file|remote_ssh_key) = (.+)$", body):
        check(path.startswith('{{ env "NOMAD_SECRETS_DIR" }}/'),
              "nomad: %s in the task's secrets directory" % path)


def final_stage(src):
    with open(os.path.join(src, "deploy", "Containerfile"), encoding="utf-8") as f:
        text = re.sub(r"\\\n", " ", f.read())
    stages = re.split(r"(?m)^FROM\s+", text)
    return stages[-1]


def check_container(src, binary):
    stage = final_stage(src)
    check(re.match(r"\S*debian:bookworm-slim\b", stage), "Containerfile: runs on bookworm-slim")
    pkgs = set()
    for cmd in re.findall(r"apt-get install ([^&\n]*)", stage):
        pkgs |= {w for w in cmd.split() if not w.startswith("-")}
    check(pkgs == RUNTIME, "Containerfile: installs exactly %s, not %s"
          % (sorted(RUNTIME), sorted(pkgs)))
    check(not any(p.endswith("-dev") for p in pkgs), "Containerfile: no -dev package at run time")
    user = re.search(r"(?m)^USER\s+(\S+)", stage)
    check(user and not user.group(1).startswith(("0", "root")), "Containerfile: a non-root USER")
    check(re.search(r"(?m)^ENTRYPOINT\s+\[\"/usr/bin/driftward\"\]", stage),
          "Containerfile: driftward is the entry point")
    if binary == "-":
        print("not compared: the libraries of a sanitizer build (the image's binary is gcc's)")
        return
    for pkg in needed_packages(binary):
        check(pkg in RUNTIME | BASE, "Containerfile: the binary needs %s" % pkg)


def needed_packages(binary):
    """Debian packages of the shared libraries @binary links to directly."""
    dyn = subprocess.run(["readelf", "-d", binary], capture_output=True, text=True, check=True)
    needed = re.findall(r"\(NEEDED\).*\[(.+)\]", dyn.stdout)
    ldd = subprocess.run(["ldd", binary], capture_output=True, text=True, check=True).stdout
    out = set()
    for so in needed:
        m = re.search(r"^\s*%s => (\S+)" % re.escape(so), ldd, re.M)
        if not m:
            failures.append("%s: %s not found by ldd" % (binary, so))
            continue
        real = os.path.realpath(m.group(1))
        owner = None
        for path in (m.group(1), real, real.replace("/usr/lib/", "/lib/"),
                     real.replace("/lib/", "/usr/lib/", 1)):
            res = subprocess.run(["dpkg", "-S", path], capture_output=True, text=True)
            if res.returncode == 0:
                owner = res.stdout.split(":")[0]
                break
        check(owner is not None, "no Debian package owns %s" % real)
        if owner:
            out.add(owner)
    return out


def run_kubectl(src):
    kubectl = shutil.which("kubectl")
    if not kubectl:
        print("skipped: kubectl is not installed (the field checks still ran in deploy/fields)")
        return 77
    import kube_stub
    server = kube_stub.start()
    work = tempfile.mkdtemp(prefix="dw-kubectl-")
    try:
        kubeconfig = os.path.join(work, "config")
        with open(kubeconfig, "w", encoding="utf-8") as f:
            f.write("apiVersion: v1\nkind: Config\n"
                    "clusters: [{name: stub, cluster: {server: 'http://127.0.0.1:%d'}}]\n"
                    "users: [{name: stub, user: {}}]\n"
                    "contexts: [{name: stub, context: {cluster: stub, user: stub}}]\n"
                    "current-context: stub\n" % server.server_address[1])
        # the stub has no OpenAPI schema: kubectl checks kinds, versions and
        # structure; the fields that matter are deploy/fields' to check
        res = subprocess.run([kubectl, "--kubeconfig", kubeconfig, "--cache-dir",
                              os.path.join(work, "cache"), "apply", "--dry-run=client",
                              "--validate=false", "-f",
                              os.path.join(src, "deploy", "kubernetes", "driftward.yaml")],
                             capture_output=True, text=True, timeout=120)
        print(res.stdout, res.stderr, sep="")
        created = re.findall(r"created \(dry run\)", res.stdout)
        check(res.returncode == 0, "kubectl apply --dry-run=client exited %d" % res.returncode)
        check(len(created) == len(k8s_docs(src)), "kubectl: every object would be created")
        check("/apis/batch/v1" in server.paths, "kubectl: asked the stub for discovery")
    finally:
        server.shutdown()
        shutil.rmtree(work, ignore_errors=True)
    return report()


def report():
    for f in failures:
        print("FAIL: " + f, file=sys.stderr)
    if not failures:
        print("deploy: all checks passed")
    return 1 if failures else 0


def main(argv):
    if argv[1] == "kubectl":
        return run_kubectl(argv[2])
    src, binary = argv[2], argv[3]
    check_kubernetes(src)
    check_nomad(src)
    check_container(src, binary)
    return report()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
