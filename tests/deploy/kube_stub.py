"""A Kubernetes API server that knows only discovery, for kubectl's client-side
dry run (which asks for discovery and for the live object, then changes
nothing). Every object is absent: kubectl reports it would be created."""

import http.server
import json
import threading

CORE = [("configmaps", "ConfigMap"), ("persistentvolumeclaims", "PersistentVolumeClaim"),
        ("secrets", "Secret"), ("serviceaccounts", "ServiceAccount"),
        ("namespaces", "Namespace")]
BATCH = [("cronjobs", "CronJob"), ("jobs", "Job")]
VERBS = ["create", "delete", "get", "list", "patch", "update", "watch"]


def resources(group_version, kinds):
    return {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": group_version,
            "resources": [{"name": name, "singularName": "", "namespaced": name != "namespaces",
                           "kind": kind, "verbs": VERBS} for name, kind in kinds]}


ANSWERS = {
    "/version": {"major": "1", "minor": "28", "gitVersion": "v1.28.0", "platform": "linux/amd64"},
    "/api": {"kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": [
        {"clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1"}]},
    "/apis": {"kind": "APIGroupList", "apiVersion": "v1", "groups": [
        {"name": "batch", "versions": [{"groupVersion": "batch/v1", "version": "v1"}],
         "preferredVersion": {"groupVersion": "batch/v1", "version": "v1"}}]},
    "/api/v1": resources("v1", CORE),
    "/apis/batch/v1": resources("batch/v1", BATCH),
}


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):  # noqa: N802 - http.server's name
        path = self.path.split("?")[0]
        self.server.paths.append(path)
        doc = ANSWERS.get(path)
        status = 200
        if doc is None:
            status = 404
            doc = {"kind": "Status", "apiVersion": "v1", "status": "Failure",
                   "reason": "NotFound", "code": 404, "message": "%s not found" % path}
        body = json.dumps(doc).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def start():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.paths = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server
