"""The emulator's fleet mode: many tenants from one template, with per-tenant
variations, copy-on-write, a configurable latency, and memory that stays small."""

import json
import os
import shutil
import signal
import ssl
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
TEMPLATE = "6f0e1c2a-3b4d-4e5f-8a9b-0c1d2e3f4a5b"
READER = "2b7c9d1e-4f5a-4b6c-9d8e-7f6a5b4c3d2e"
READER_SECRET = "demo-secret-not-real"
WRITER = "8d4e2f1a-6b3c-4d5e-9f8a-1b2c3d4e5f6a"
WRITER_SECRET = "demo-writer-secret-not-real"
CA_POLICIES = "/v1.0/identity/conditionalAccess/policies"
LATENCY_MS = 150


def fleet_id(i):
    return "f1ee7000-0000-4000-8000-%012d" % i


class Emulator:
    def __init__(self, work, *args):
        self.port_file = os.path.join(work, "port")
        self.proc = subprocess.Popen(
            [sys.executable, os.path.join(HERE, "emulator.py"), "--state",
             os.path.join(HERE, "sample"), "--port-file", self.port_file, "--ca-dir",
             os.path.join(work, "ca"), *args], stdout=subprocess.DEVNULL)
        for _ in range(1200):
            if os.path.exists(self.port_file):
                break
            if self.proc.poll() is not None:
                raise RuntimeError("emulator exited with %s" % self.proc.returncode)
            time.sleep(0.05)
        with open(self.port_file) as f:
            self.base = "https://127.0.0.1:%d" % int(f.read())
        self.ctx = ssl.create_default_context(cafile=os.path.join(work, "ca", "ca.pem"))

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(10)

    def rss_kib(self):
        with open("/proc/%d/status" % self.proc.pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        return 0

    def request(self, method, url, data=None, headers=None):
        req = urllib.request.Request(self.base + url, data=data, method=method,
                                     headers=headers or {})
        try:
            with urllib.request.urlopen(req, context=self.ctx, timeout=30) as resp:
                body = resp.read()
                return resp.status, json.loads(body) if body else None
        except urllib.error.HTTPError as err:
            return err.code, json.loads(err.read() or b"null")

    def token(self, tenant, client=READER, secret=READER_SECRET):
        form = urllib.parse.urlencode({"grant_type": "client_credentials", "client_id": client,
                                       "client_secret": secret,
                                       "scope": "https://graph.microsoft.com/.default"})
        status, doc = self.request("POST", "/%s/oauth2/v2.0/token" % tenant, form.encode(),
                                   {"Content-Type": "application/x-www-form-urlencoded"})
        if status != 200:
            raise AssertionError("token for %s: %s %s" % (tenant, status, doc))
        return doc["access_token"]

    def graph(self, tenant, method, path, body=None, client=READER, secret=READER_SECRET):
        headers = {"Authorization": "Bearer " + self.token(tenant, client, secret)}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        return self.request(method, path, data, headers)

    def names(self, tenant, path):
        out, url = [], path
        while url:
            status, doc = self.graph(tenant, "GET", url)
            if status != 200:
                raise AssertionError("GET %s in %s: %s %s" % (url, tenant, status, doc))
            out += [o.get("displayName") for o in doc["value"]]
            url = doc.get("@odata.nextLink", "").replace(self.base, "") or None
        return out


class FleetTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.work = tempfile.mkdtemp(prefix="graph-emulator-fleet-")
        cls.emu = Emulator(cls.work, "--fleet", "40", "--fleet-vary", "3")

    @classmethod
    def tearDownClass(cls):
        cls.emu.stop()
        shutil.rmtree(cls.work, ignore_errors=True)

    def every_list(self, tenant):
        """displayName lists of the template's list routes (those with one)."""
        out = {}
        for path in (CA_POLICIES, "/v1.0/identity/conditionalAccess/namedLocations",
                     "/beta/deviceManagement/deviceCompliancePolicies",
                     "/beta/deviceManagement/deviceConfigurations",
                     "/beta/deviceManagement/configurationPolicies",
                     "/v1.0/groups", "/beta/deviceManagement/roleScopeTags",
                     "/beta/deviceManagement/assignmentFilters", "/v1.0/organization"):
            out[path] = self.emu.names(tenant, path)
        return out

    def test_fleet_tenants_sign_in_with_the_templates_app_and_read_its_data(self):
        status, doc = self.emu.graph(fleet_id(7), "GET", "/v1.0/organization")
        self.assertEqual(status, 200, doc)
        # the domain name works in place of the id, as for any tenant
        self.emu.token("fleet00007.onmicrosoft.com")
        status, doc = self.emu.request("POST", "/%s/oauth2/v2.0/token" % fleet_id(40),
                                       b"grant_type=client_credentials",
                                       {"Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual(status, 400, "tenant 40 of a fleet of 40 does not exist")

    def test_each_tenant_varies_by_its_index_and_nowhere_else(self):
        template = self.every_list(TEMPLATE)
        seen = []
        for i in (0, 1, 2, 39):
            lists = self.every_list(fleet_id(i))
            self.assertEqual(lists, self.every_list(fleet_id(i)), "same index, same data")
            self.assertEqual({k: len(v) for k, v in lists.items()},
                             {k: len(v) for k, v in template.items()})
            self.assertEqual(lists["/v1.0/organization"], ["fleet%05d" % i])
            renamed = [n for v in lists.values() for n in v if n and "(fleet%05d)" % i in n]
            other = [n for v in lists.values() for n in v if n and "fleet" in n
                     and "fleet%05d" % i not in n]
            self.assertEqual(other, [])
            seen.append(json.dumps(lists, sort_keys=True))
            self.assertLessEqual(len(renamed), 3)
        self.assertEqual(len(set(seen)), len(seen), "two fleet tenants read the same data")
        self.assertNotIn("fleet", json.dumps(self.every_list(TEMPLATE)))

    def test_a_write_changes_one_tenant_only(self):
        status, doc = self.emu.graph(fleet_id(3), "GET", CA_POLICIES)
        policy = doc["value"][0]
        status, _ = self.emu.graph(fleet_id(3), "PATCH", "%s/%s" % (CA_POLICIES, policy["id"]),
                                   {"displayName": "changed in three"}, WRITER, WRITER_SECRET)
        self.assertEqual(status, 204)
        status, doc = self.emu.graph(fleet_id(3), "POST", CA_POLICIES,
                                     {"displayName": "added in three", "state": "disabled",
                                      "conditions": {}, "grantControls": None},
                                     WRITER, WRITER_SECRET)
        self.assertEqual(status, 201, doc)
        self.assertIn("changed in three", self.emu.names(fleet_id(3), CA_POLICIES))
        self.assertIn("added in three", self.emu.names(fleet_id(3), CA_POLICIES))
        for tenant in (TEMPLATE, fleet_id(4), fleet_id(2)):
            names = self.emu.names(tenant, CA_POLICIES)
            self.assertNotIn("changed in three", names, tenant)
            self.assertNotIn("added in three", names, tenant)
        # the audit record is the writing tenant's alone
        status, doc = self.emu.graph(fleet_id(4), "GET", "/v1.0/auditLogs/directoryAudits")
        self.assertNotIn("changed in three", json.dumps(doc))
        status, doc = self.emu.graph(fleet_id(3), "GET", "/v1.0/auditLogs/directoryAudits")
        self.assertIn("changed in three", json.dumps(doc))


class LatencyAndMemoryTests(unittest.TestCase):
    def setUp(self):
        self.work = tempfile.mkdtemp(prefix="graph-emulator-fleet-")

    def tearDown(self):
        shutil.rmtree(self.work, ignore_errors=True)

    def test_every_answer_waits_the_configured_latency(self):
        emu = Emulator(self.work, "--fleet", "2", "--latency", str(LATENCY_MS))
        try:
            token = emu.token(fleet_id(1))
            start = time.monotonic()
            for _ in range(3):
                status, _ = emu.request("GET", CA_POLICIES, None,
                                        {"Authorization": "Bearer " + token})
                self.assertEqual(status, 200)
            self.assertGreaterEqual(time.monotonic() - start, 3 * LATENCY_MS / 1000.0)
        finally:
            emu.stop()

    def test_ten_thousand_tenants_cost_little_memory(self):
        one = Emulator(self.work, "--fleet", "1")
        try:
            base = one.rss_kib()
        finally:
            one.stop()
        shutil.rmtree(os.path.join(self.work, "ca"), ignore_errors=True)
        many = Emulator(self.work, "--fleet", "10000")
        try:
            # every one of them answers, the last as well as the first
            for i in (0, 9999):
                status, _ = many.graph(fleet_id(i), "GET", CA_POLICIES)
                self.assertEqual(status, 200)
            grown = many.rss_kib() - base
            print("fleet of 10,000: %d KiB more than a fleet of one" % grown, file=sys.stderr)
            self.assertLess(grown, 10000 * 12, "more than 12 KiB per fleet tenant")
        finally:
            many.stop()


if __name__ == "__main__":
    unittest.main()
