"""Tests of the Graph emulator itself (unittest, standard library only).

    python3 -m unittest discover -s tests/graph-emulator -p 'test_*.py'

One emulator process serves all tests: a copy of sample/ plus a tenant with no
licences, an app with a certificate and an app whose secret is a canary that
must never reach the request log.  JWT client assertions are signed with the
openssl CLI, so the emulator's own RSA code is checked against OpenSSL.
"""

import base64
import hashlib
import http.client
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
import urllib.parse
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
TENANT = "6f0e1c2a-3b4d-4e5f-8a9b-0c1d2e3f4a5b"
BARE_TENANT = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
READER = "2b7c9d1e-4f5a-4b6c-9d8e-7f6a5b4c3d2e"
WRITER = "8d4e2f1a-6b3c-4d5e-9f8a-1b2c3d4e5f6a"
CERT_APP = "5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b"
CANARY_APP = "9f8e7d6c-5b4a-4c3d-8e2f-1a0b9c8d7e6f"
CANARY = "CANARY-" + uuid.uuid4().hex
SCOPE = "https://graph.microsoft.com/.default"
CA_POLICIES = "/v1.0/identity/conditionalAccess/policies"


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class EmulatorTestCase(unittest.TestCase):
    proc = None

    @classmethod
    def setUpClass(cls):
        cls.work = tempfile.mkdtemp(prefix="graph-emulator-test-")
        cls.state = os.path.join(cls.work, "state")
        shutil.copytree(os.path.join(HERE, "sample"), cls.state)
        cls._make_cert()
        cls._add_apps()
        cls._add_bare_tenant()
        cls._add_unlisted_files()
        cls.faults_file = os.path.join(cls.work, "faults.json")
        cls.log_file = os.path.join(cls.work, "requests.log")
        cls.port_file = os.path.join(cls.work, "port")
        cls.proc = subprocess.Popen(
            [sys.executable, os.path.join(HERE, "emulator.py"), "--state", cls.state,
             "--port-file", cls.port_file, "--ca-dir", os.path.join(cls.work, "ca"),
             "--page-size", "2", "--log", cls.log_file, "--faults", cls.faults_file,
             "--seed", "7"], stdout=subprocess.DEVNULL)
        for _ in range(300):
            if os.path.exists(cls.port_file):
                break
            if cls.proc.poll() is not None:
                raise RuntimeError("emulator exited with %s" % cls.proc.returncode)
            time.sleep(0.05)
        with open(cls.port_file) as f:
            cls.port = int(f.read())
        cls.ctx = ssl.create_default_context(cafile=os.path.join(cls.work, "ca", "ca.pem"))
        cls.token_url = "https://127.0.0.1:%d/%s/oauth2/v2.0/token" % (cls.port, TENANT)
        cls.tokens = {}

    @classmethod
    def tearDownClass(cls):
        cls.proc.send_signal(signal.SIGTERM)
        try:
            # generous: on a loaded 2-core machine a stop can take seconds
            code = cls.proc.wait(60)
        except subprocess.TimeoutExpired:
            cls.proc.kill()  # never leave it running: ctest would wait for it
            cls.proc.wait()
            code = "none (killed after 60 s)"
        port_left = os.path.exists(cls.port_file)
        shutil.rmtree(cls.work, ignore_errors=True)
        assert code == 0, "emulator exit status %s after SIGTERM" % code
        assert not port_left, "port file left behind"

    @classmethod
    def _make_cert(cls):
        cls.key = os.path.join(cls.work, "app.key")
        cls.cert = os.path.join(cls.work, "app.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                        cls.key, "-out", cls.cert, "-days", "2", "-subj", "/CN=driftward test"],
                       check=True, capture_output=True)
        der = subprocess.run(["openssl", "x509", "-in", cls.cert, "-outform", "DER"],
                             check=True, capture_output=True).stdout
        cls.x5t = b64url(hashlib.sha1(der).digest())
        cls.x5t_s256 = b64url(hashlib.sha256(der).digest())

    @classmethod
    def _add_apps(cls):
        path = os.path.join(cls.state, TENANT, "_tenant.json")
        with open(path) as f:
            meta = json.load(f)
        shutil.copy(cls.cert, os.path.join(cls.state, TENANT, "app.pem"))
        meta["apps"].append({"client_id": CERT_APP, "secrets": [], "certificates": ["app.pem"],
                             "permissions": ["Policy.Read.All"]})
        meta["apps"].append({"client_id": CANARY_APP, "secrets": [CANARY],
                             "permissions": ["Policy.Read.All"]})
        with open(path, "w") as f:
            json.dump(meta, f)

    @classmethod
    def _add_bare_tenant(cls):
        tdir = os.path.join(cls.state, BARE_TENANT)
        os.makedirs(os.path.join(tdir, "v1.0"))
        with open(os.path.join(tdir, "_tenant.json"), "w") as f:
            json.dump({"name": "fabrikam", "licences": [], "apps": [
                {"client_id": READER, "secrets": ["bare-secret"],
                 "permissions": ["Policy.Read.All", "DeviceManagementConfiguration.Read.All"]}]}, f)

    @classmethod
    def _add_unlisted_files(cls):
        """State files routes.json does not describe, one a list answer as Graph
        gives it, with top-level annotations beside "value"."""
        tdir = os.path.join(cls.state, TENANT)
        os.makedirs(os.path.join(tdir, "beta", "admin", "unlisted"))
        with open(os.path.join(tdir, "beta", "admin", "unlisted", "things.json"), "w") as f:
            json.dump({"@odata.context": "https://graph.microsoft.com/beta/$metadata#things",
                       "@microsoft.graph.tips": "Use $select to choose only the properties "
                                                "your app needs.",
                       "value": [{"id": "t1", "displayName": "one"},
                                 {"id": "t2", "displayName": "two"}]}, f)
        with open(os.path.join(tdir, "beta", "admin", "unlisted", "setting.json"), "w") as f:
            json.dump({"id": "setting", "enabled": True}, f)

    # --- helpers -------------------------------------------------------------

    def setUp(self):
        self.control("POST", "/_emulator/reset", {"faults": True})
        self.write_faults_file({})

    def write_faults_file(self, doc):
        with open(self.faults_file + ".tmp", "w") as f:
            json.dump(doc, f)
        os.replace(self.faults_file + ".tmp", self.faults_file)
        # make sure a later write is seen as a change even within one mtime tick
        os.utime(self.faults_file, ns=(time.time_ns(), time.time_ns()))

    def connect(self):
        return http.client.HTTPSConnection("127.0.0.1", self.port, context=self.ctx, timeout=20)

    def raw(self, method, path, body=None, headers=None, conn=None):
        own = conn is None
        conn = conn or self.connect()
        data = body
        if isinstance(body, (dict, list)):
            data = json.dumps(body)
        try:
            conn.request(method, path, data, headers or {})
            resp = conn.getresponse()
            payload = resp.read()
        finally:
            if own:
                conn.close()
        doc = json.loads(payload) if payload else None
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, doc

    def control(self, method, path, body=None):
        return self.raw(method, path, body, {"Content-Type": "application/json"})

    def token_request(self, form, tenant=TENANT):
        return self.raw("POST", "/%s/oauth2/v2.0/token" % tenant, urllib.parse.urlencode(form),
                        {"Content-Type": "application/x-www-form-urlencoded"})

    def token(self, client=READER, secret="demo-secret-not-real", tenant=TENANT):
        status, _, doc = self.token_request({"grant_type": "client_credentials",
                                             "client_id": client, "client_secret": secret,
                                             "scope": SCOPE}, tenant)
        self.assertEqual(status, 200, doc)
        return doc["access_token"]

    def graph(self, method, path, body=None, client=READER, token=None, headers=None, conn=None):
        secret = "demo-writer-secret-not-real" if client == WRITER else "demo-secret-not-real"
        token = token or self.token(client, secret)
        hdrs = {"Authorization": "Bearer " + token, "Accept": "application/json"}
        if body is not None:
            hdrs["Content-Type"] = "application/json"
        hdrs.update(headers or {})
        path = path.replace("https://127.0.0.1:%d" % self.port, "")
        return self.raw(method, path, body, hdrs, conn)

    def set_faults(self, doc):
        status, _, _ = self.control("POST", "/_emulator/faults", doc)
        self.assertEqual(status, 204)

    def assertGraphError(self, status, doc, want_status, code):
        self.assertEqual(status, want_status, doc)
        self.assertEqual(doc["error"]["code"], code, doc)
        inner = doc["error"]["innerError"]
        self.assertTrue(inner["request-id"] and inner["date"] and inner["client-request-id"])

    def assertion(self, alg="RS256", aud=None, iss=CERT_APP, exp_delta=600, header_key="x5t",
                  tamper=False):
        header = {"alg": alg, "typ": "JWT", header_key: self.x5t if header_key == "x5t"
                  else self.x5t_s256}
        now = int(time.time())
        claims = {"aud": aud or self.token_url, "iss": iss, "sub": iss, "jti": str(uuid.uuid4()),
                  "nbf": now - 5, "exp": now + exp_delta, "iat": now - 5}
        signing_input = b64url(json.dumps(header).encode()) + "." + b64url(json.dumps(claims).encode())
        msg = os.path.join(self.work, "msg")
        with open(msg, "w") as f:
            f.write(signing_input + ("x" if tamper else ""))
        args = ["openssl", "dgst", "-sha256", "-sign", self.key]
        if alg == "PS256":
            args += ["-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:32"]
        sig = subprocess.run(args + [msg], check=True, capture_output=True).stdout
        return signing_input + "." + b64url(sig)

    def assertion_request(self, assertion):
        return self.token_request({
            "grant_type": "client_credentials", "client_id": CERT_APP, "scope": SCOPE,
            "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            "client_assertion": assertion})

    def collect(self, path, client=READER, limit=50):
        """Follow nextLink verbatim; return (items, pages)."""
        token = self.token(WRITER, "demo-writer-secret-not-real") if client == WRITER else None
        conn = self.connect()
        items, pages = [], 0
        url = path
        while url and pages < limit:
            status, _, doc = self.graph("GET", url, client=client, token=token, conn=conn)
            self.assertEqual(status, 200, doc)
            items.extend(doc["value"])
            pages += 1
            url = doc.get("@odata.nextLink")
        conn.close()
        return items, pages

    def sample(self, version, path):
        with open(os.path.join(HERE, "sample", TENANT, version, *path.split("/")) + ".json") as f:
            return json.load(f)


class TokenTests(EmulatorTestCase):
    def test_secret_success_has_the_documented_shape(self):
        status, headers, doc = self.token_request({
            "grant_type": "client_credentials", "client_id": READER,
            "client_secret": "demo-secret-not-real", "scope": SCOPE})
        self.assertEqual(status, 200)
        self.assertEqual(set(doc), {"token_type", "expires_in", "ext_expires_in", "access_token"})
        self.assertEqual(doc["token_type"], "Bearer")
        self.assertEqual(doc["expires_in"], 3599)
        self.assertEqual(doc["access_token"].count("."), 2)
        claims = json.loads(base64.urlsafe_b64decode(doc["access_token"].split(".")[1] + "=="))
        self.assertEqual(claims["tid"], TENANT)
        self.assertEqual(claims["appid"], READER)
        self.assertIn("Policy.Read.All", claims["roles"])
        self.assertIn("no-store", headers["cache-control"])

    def check_token_error(self, status, doc, want_status, error, code):
        self.assertEqual(status, want_status, doc)
        self.assertEqual(doc["error"], error)
        self.assertEqual(doc["error_codes"], [code])
        self.assertTrue(doc["error_description"].startswith("AADSTS%d:" % code))
        for key in ("timestamp", "trace_id", "correlation_id"):
            self.assertIn(key, doc)
        self.assertIn("Trace ID: " + doc["trace_id"], doc["error_description"])

    def test_wrong_secret_is_401_invalid_client_7000215(self):
        status, _, doc = self.token_request({"grant_type": "client_credentials",
                                             "client_id": READER, "client_secret": "nope",
                                             "scope": SCOPE})
        self.check_token_error(status, doc, 401, "invalid_client", 7000215)

    def test_unknown_client_tenant_and_scope(self):
        form = {"grant_type": "client_credentials", "client_id": str(uuid.uuid4()),
                "client_secret": "x", "scope": SCOPE}
        self.check_token_error(*self.token_request(form)[::2], 400, "unauthorized_client", 700016)
        form["client_id"] = READER
        self.check_token_error(*self.token_request(form, str(uuid.uuid4()))[::2], 400,
                               "invalid_request", 90002)
        form.update(client_secret="demo-secret-not-real", scope="https://example.com/.default")
        self.check_token_error(*self.token_request(form)[::2], 400, "invalid_scope", 70011)

    def test_scope_of_the_emulators_own_graph_is_accepted(self):
        # a client whose graph_url is the emulator asks for that Graph's scope
        form = {"grant_type": "client_credentials", "client_id": READER,
                "client_secret": "demo-secret-not-real",
                "scope": "https://127.0.0.1:%d/.default" % self.port}
        status, _, doc = self.token_request(form)
        self.assertEqual(status, 200, doc)

    def test_tenant_may_be_named_by_domain(self):
        self.assertTrue(self.token(tenant="contoso.onmicrosoft.com"))

    def test_certificate_assertion_rs256_and_ps256(self):
        for alg, key in (("RS256", "x5t"), ("PS256", "x5t#S256")):
            status, _, doc = self.assertion_request(self.assertion(alg, header_key=key))
            self.assertEqual(status, 200, doc)
            status, _, _ = self.graph("GET", "/v1.0/policies/authorizationPolicy",
                                      token=doc["access_token"])
            self.assertEqual(status, 200)

    def test_bad_assertions_are_refused(self):
        cases = [(self.assertion(tamper=True), 401, 7000274),
                 (self.assertion(aud="https://login.example.com/token"), 400, 700212),
                 (self.assertion(exp_delta=-10), 400, 700024),
                 (self.assertion(iss=READER), 400, 700021),
                 ("not.a.jwt", 400, 50027)]
        for assertion, want, code in cases:
            status, _, doc = self.assertion_request(assertion)
            self.check_token_error(status, doc, want, "invalid_client", code)

    def test_graph_rejects_missing_garbage_and_expired_tokens(self):
        status, _, doc = self.raw("GET", CA_POLICIES)
        self.assertGraphError(status, doc, 401, "InvalidAuthenticationToken")
        status, _, doc = self.graph("GET", CA_POLICIES, token="garbage")
        self.assertGraphError(status, doc, 401, "InvalidAuthenticationToken")
        token = self.token()
        self.assertEqual(self.control("POST", "/_emulator/expire-tokens")[0], 204)
        status, _, doc = self.graph("GET", CA_POLICIES, token=token)
        self.assertGraphError(status, doc, 401, "InvalidAuthenticationToken")
        self.assertEqual(doc["error"]["message"], "Lifetime validation failed, the token is expired.")
        self.assertEqual(self.graph("GET", CA_POLICIES)[0], 200)


class ReadTests(EmulatorTestCase):
    def test_paging_follows_nextlink_in_order(self):
        items, pages = self.collect(CA_POLICIES)
        want = [p["id"] for p in self.sample("v1.0", "identity/conditionalAccess/policies")["value"]]
        self.assertEqual([i["id"] for i in items], want)
        self.assertEqual(pages, 6)                       # --page-size 2, eleven policies
        items, pages = self.collect(CA_POLICIES + "?$top=1")
        self.assertEqual((len(items), pages), (11, 11))

    def test_headers_and_context(self):
        status, headers, doc = self.graph("GET", CA_POLICIES, headers={"client-request-id": "abc-1"})
        self.assertEqual(status, 200)
        self.assertEqual(headers["client-request-id"], "abc-1")
        self.assertTrue(headers["request-id"])
        self.assertTrue(headers["content-type"].startswith("application/json;odata.metadata=minimal"))
        self.assertTrue(doc["@odata.context"].endswith("$metadata#identity/conditionalAccess/policies"))
        self.assertIn("$skiptoken=", doc["@odata.nextLink"])

    def test_select_keeps_id_and_type(self):
        _, _, doc = self.graph("GET", "/v1.0/identity/conditionalAccess/namedLocations"
                                      "?$select=displayName")
        for item in doc["value"]:
            self.assertEqual(set(item), {"id", "@odata.type", "displayName"})

    def test_filter_eq_and_ge(self):
        items, _ = self.collect(CA_POLICIES + "?$filter=" + urllib.parse.quote(
            "displayName eq 'Block legacy authentication'"))
        self.assertEqual([i["displayName"] for i in items], ["Block legacy authentication"])
        items, _ = self.collect("/v1.0/auditLogs/directoryAudits?$filter=" + urllib.parse.quote(
            "activityDateTime ge 2026-01-15T00:00:00Z"))
        self.assertEqual(len(items), 2)
        self.assertTrue(all(i["activityDateTime"] >= "2026-01-15" for i in items))
        status, _, doc = self.graph("GET", CA_POLICIES + "?$filter=nonsense")
        self.assertEqual(status, 400)

    def test_items_keys_and_not_found(self):
        first = self.sample("v1.0", "identity/conditionalAccess/policies")["value"][0]
        status, _, doc = self.graph("GET", "%s/%s" % (CA_POLICIES, first["id"]))
        self.assertEqual((status, doc["displayName"]), (200, first["displayName"]))
        self.assertTrue(doc["@odata.context"].endswith("/$entity"))
        partner = self.sample("v1.0", "policies/crossTenantAccessPolicy/partners")["value"][0]
        status, _, doc = self.graph("GET", "/v1.0/policies/crossTenantAccessPolicy/partners/"
                                    + partner["tenantId"])
        self.assertEqual(status, 200)
        status, _, doc = self.graph("GET", "/v1.0/policies/authenticationMethodsPolicy/"
                                           "authenticationMethodConfigurations/fido2")
        self.assertEqual((status, doc["id"]), (200, "Fido2"))
        status, _, doc = self.graph("GET", CA_POLICIES + "/" + str(uuid.uuid4()))
        self.assertGraphError(status, doc, 404, "Request_ResourceNotFound")
        status, _, doc = self.graph("GET", "/v1.0/deviceManagement/deviceConfigurations/nope")
        self.assertGraphError(status, doc, 404, "ResourceNotFound")
        status, _, doc = self.graph("GET", "/v1.0/no/such/thing")
        self.assertGraphError(status, doc, 404, "ResourceNotFound")

    def test_get_by_ids_names_groups_by_id(self):
        groups = self.sample("v1.0", "groups")["value"]
        unknown = "00000000-1111-4222-8333-444444444444"
        ids = [groups[1]["id"].upper(), unknown, groups[0]["id"]]
        url = "/v1.0/directoryObjects/getByIds"
        status, _, doc = self.graph("POST", url, {"ids": ids, "types": ["group"]})
        self.assertEqual(status, 200, doc)
        self.assertTrue(doc["@odata.context"].endswith("/v1.0/$metadata#directoryObjects"))
        got = {o["id"]: o["displayName"] for o in doc["value"]}
        self.assertEqual(got, {g["id"]: g["displayName"] for g in groups[:2]})
        self.assertTrue(all(o["@odata.type"] == "#microsoft.graph.group" for o in doc["value"]))
        # another type asked for: no groups; one id that is not a GUID fails the whole request
        _, _, doc = self.graph("POST", url, {"ids": ids, "types": ["user"]})
        self.assertEqual(doc["value"], [])
        status, _, doc = self.graph("POST", url, {"ids": ids + ["not-a-guid"]})
        self.assertGraphError(status, doc, 400, "Request_BadRequest")
        status, _, doc = self.graph("POST", url, {"ids": [unknown] * 1001})
        self.assertGraphError(status, doc, 400, "Request_BadRequest")
        status, _, doc = self.graph("POST", url, {"types": ["group"]})
        self.assertGraphError(status, doc, 400, "Request_BadRequest")
        status, _, doc = self.graph("GET", url)
        self.assertGraphError(status, doc, 405, "Request_BadRequest")

    def test_singletons_and_embedded_method_configurations(self):
        status, _, doc = self.graph("GET", "/v1.0/policies/crossTenantAccessPolicy/default")
        self.assertEqual((status, doc["isServiceDefault"]), (200, True))
        _, _, doc = self.graph("GET", "/v1.0/policies/authenticationMethodsPolicy")
        self.assertIn("Fido2", [c["id"] for c in doc["authenticationMethodConfigurations"]])

    def test_settings_only_when_expanded(self):
        path = "/beta/deviceManagement/configurationPolicies"
        items, _ = self.collect(path)
        self.assertTrue(items and all("settings" not in i for i in items))
        items, _ = self.collect(path + "?$expand=settings")
        self.assertTrue(all(i["settings"] for i in items))
        status, _, doc = self.graph("GET", "%s/%s/settings" % (path, items[0]["id"]))
        self.assertEqual((status, len(doc["value"])), (200, min(2, len(items[0]["settings"]))))

    def test_permissions_and_licences(self):
        bare = self.token(READER, "bare-secret", BARE_TENANT)
        status, _, doc = self.graph("GET", CA_POLICIES, token=bare)
        self.assertGraphError(status, doc, 403, "Authentication_RequestFromNonPremiumTenantOrB2CTenant")
        status, _, doc = self.graph("GET", "/v1.0/deviceManagement/deviceConfigurations", token=bare)
        self.assertGraphError(status, doc, 400, "BadRequest")
        self.assertIn("not applicable to target tenant", doc["error"]["message"])
        # Permissions are checked before licences: no DeviceManagementApps scope -> 403.
        status, _, doc = self.graph("GET", "/v1.0/deviceAppManagement/iosManagedAppProtections",
                                    token=bare)
        self.assertGraphError(status, doc, 403, "Forbidden")
        cert_token = self.assertion_request(self.assertion())[2]["access_token"]
        status, _, doc = self.graph("GET", "/v1.0/deviceManagement/deviceConfigurations",
                                    token=cert_token)
        self.assertGraphError(status, doc, 403, "Forbidden")
        self.assertIn("DeviceManagementConfiguration.Read.All", doc["error"]["message"])
        status, _, doc = self.graph("GET", "/v1.0/domains", token=cert_token)
        self.assertGraphError(status, doc, 403, "Authorization_RequestDenied")
        self.assertEqual(doc["error"]["message"], "Insufficient privileges to complete the operation.")

    def test_every_route_has_sample_data(self):
        with open(os.path.join(HERE, "routes.json")) as f:
            routes = json.load(f)["routes"]
        token = self.token(WRITER, "demo-writer-secret-not-real")
        conn = self.connect()
        for r in routes:
            query = "?$filter=scopeId eq '/' and scopeType eq 'DirectoryRole'".replace(" ", "%20") \
                if r.get("required_filter") else ""
            for version in r.get("versions", [r["version"]]):
                status, _, doc = self.graph("GET", "/%s%s%s" % (version, r["path"], query),
                                            token=token, conn=conn)
                self.assertEqual(status, 200, (version, r["path"], doc))
                if r["kind"] == "list":
                    self.assertTrue(doc["value"], r["path"])
            if r["path"] in ("/identity/conditionalAccess/namedLocations",
                             "/policies/authenticationMethodsPolicy/authenticationMethodConfigurations"):
                self.assertTrue(all("@odata.type" in v for v in doc["value"]))

    def test_keep_alive_reuses_one_connection(self):
        conn = self.connect()
        token = self.token()
        self.graph("GET", CA_POLICIES, token=token, conn=conn)
        sock = conn.sock
        for _ in range(5):
            self.assertEqual(self.graph("GET", CA_POLICIES, token=token, conn=conn)[0], 200)
        self.assertIs(conn.sock, sock)


class WriteTests(EmulatorTestCase):
    def first(self, version, path):
        return self.sample(version, path)["value"][0]

    def test_patch_merges_and_records_who_changed_it(self):
        pol = self.first("v1.0", "identity/conditionalAccess/policies")
        url = "%s/%s" % (CA_POLICIES, pol["id"])
        status, _, doc = self.graph("PATCH", url, {"state": "disabled", "conditions": {
            "signInRiskLevels": ["high"]}}, client=WRITER)
        self.assertEqual((status, doc), (204, None))
        _, _, doc = self.graph("GET", url)
        self.assertEqual(doc["state"], "disabled")
        self.assertEqual(doc["conditions"]["signInRiskLevels"], ["high"])
        self.assertEqual(doc["conditions"]["users"], pol["conditions"]["users"])   # deep merge
        self.assertNotEqual(doc["modifiedDateTime"], pol["modifiedDateTime"])
        _, _, audits = self.graph("GET", "/v1.0/auditLogs/directoryAudits")
        newest = audits["value"][0]
        self.assertEqual(newest["initiatedBy"]["app"]["appId"], WRITER)
        self.assertEqual(newest["targetResources"][0]["id"], pol["id"])
        changed = {m["displayName"] for m in newest["targetResources"][0]["modifiedProperties"]}
        self.assertIn("state", changed)

    def test_intune_write_lands_in_audit_events(self):
        pol = self.first("v1.0", "deviceManagement/deviceCompliancePolicies")
        status, _, _ = self.graph("PATCH", "/v1.0/deviceManagement/deviceCompliancePolicies/"
                                  + pol["id"], {"@odata.type": pol["@odata.type"],
                                                "passwordMinimumLength": 12}, client=WRITER)
        self.assertEqual(status, 204)
        items, _ = self.collect("/v1.0/deviceManagement/auditEvents?$filter=" + urllib.parse.quote(
            "activityDateTime ge 2026-06-01T00:00:00Z"))
        self.assertEqual(items[0]["actor"]["applicationId"], WRITER)
        self.assertEqual(items[0]["resources"][0]["resourceId"], pol["id"])

    def test_read_only_properties_are_400(self):
        pol = self.first("v1.0", "identity/conditionalAccess/policies")
        status, _, doc = self.graph("PATCH", "%s/%s" % (CA_POLICIES, pol["id"]),
                                    {"templateId": None, "state": "enabled"}, client=WRITER)
        self.assertGraphError(status, doc, 400, "BadRequest")
        self.assertIn("1118", doc["error"]["message"])
        status, _, doc = self.graph("PATCH", "/v1.0/policies/authorizationPolicy",
                                    {"id": "x"}, client=WRITER)
        self.assertEqual(status, 400)

    def test_unknown_property_is_204_and_changes_nothing(self):
        before = self.graph("GET", "/v1.0/policies/authorizationPolicy")[2]
        status, _, _ = self.graph("PATCH", "/v1.0/policies/authorizationPolicy",
                                  {"noSuchSetting": True}, client=WRITER)
        self.assertEqual(status, 204)
        after = self.graph("GET", "/v1.0/policies/authorizationPolicy")[2]
        self.assertEqual(before, after)

    def test_write_faults(self):
        pol = self.first("v1.0", "identity/conditionalAccess/policies")
        path = "%s/%s" % (CA_POLICIES, pol["id"])
        new = "disabled" if pol["state"] != "disabled" else "enabled"
        # a PATCH answered 204 that changed nothing
        self.set_faults({"rules": [{"method": "PATCH", "ignore_write": True, "times": 1}]})
        self.assertEqual(self.graph("PATCH", path, {"state": new}, client=WRITER)[0], 204)
        self.assertEqual(self.graph("GET", path)[2]["state"], pol["state"])
        # a 503 after the write took effect
        self.set_faults({"rules": [{"method": "PATCH", "after_write": True, "status": 503,
                                    "times": 1}]})
        self.assertEqual(self.graph("PATCH", path, {"state": new}, client=WRITER)[0], 503)
        self.assertEqual(self.graph("GET", path)[2]["state"], new)
        # a conflict refused before anything changed
        self.set_faults({"rules": [{"method": "PATCH", "status": 409, "code": "Conflict",
                                    "times": 1}]})
        status, _, doc = self.graph("PATCH", path, {"state": pol["state"]}, client=WRITER)
        self.assertGraphError(status, doc, 409, "Conflict")
        self.assertEqual(self.graph("GET", path)[2]["state"], new)
        self.set_faults({})

    def test_put_only_routes(self):
        path = "/v1.0/policies/adminConsentRequestPolicy"
        status, headers, doc = self.graph("PATCH", path, {"isEnabled": False}, client=WRITER)
        self.assertGraphError(status, doc, 405, "Request_BadRequest")
        body = {"isEnabled": False, "notifyReviewers": True, "remindersEnabled": True,
                "requestDurationInDays": 30, "reviewers": []}
        self.assertEqual(self.graph("PUT", path, body, client=WRITER)[0], 204)
        doc = self.graph("GET", path)[2]
        self.assertEqual((doc["isEnabled"], doc["requestDurationInDays"]), (False, 30))
        status, _, _ = self.graph("PATCH", "/beta/policies/deviceRegistrationPolicy",
                                  {"userDeviceQuota": 20}, client=WRITER)
        self.assertEqual(status, 405)

    def test_settings_catalog_put_replaces_settings(self):
        pol = self.first("beta", "deviceManagement/configurationPolicies")
        url = "/beta/deviceManagement/configurationPolicies/" + pol["id"]
        body = {k: pol[k] for k in ("name", "description", "platforms", "technologies",
                                    "roleScopeTagIds", "templateReference")}
        body["settings"] = pol["settings"][:1]
        self.assertEqual(self.graph("PUT", url, body, client=WRITER)[0], 204)
        doc = self.graph("GET", url + "?$expand=settings")[2]
        self.assertEqual(len(doc["settings"]), 1)
        self.assertEqual(doc["settingCount"], 1)
        self.assertEqual(doc["id"], pol["id"])

    def test_sharepoint_patch_answers_200_with_body(self):
        status, _, doc = self.graph("PATCH", "/v1.0/admin/sharepoint/settings",
                                    {"isLegacyAuthProtocolsEnabled": True}, client=WRITER)
        self.assertEqual(status, 200)
        self.assertTrue(doc["isLegacyAuthProtocolsEnabled"])

    def test_create_needs_odata_type_then_delete(self):
        path = "/v1.0/identity/conditionalAccess/namedLocations"
        body = {"displayName": "Branch office", "isTrusted": True, "ipRanges": [
            {"@odata.type": "#microsoft.graph.iPv4CidrRange", "cidrAddress": "192.0.2.0/24"}]}
        status, _, doc = self.graph("POST", path, body, client=WRITER)
        self.assertEqual(status, 400)
        body["@odata.type"] = "#microsoft.graph.ipNamedLocation"
        status, _, doc = self.graph("POST", path, body, client=WRITER)
        self.assertEqual(status, 201)
        self.assertTrue(doc["id"] and doc["createdDateTime"])
        self.assertEqual(self.graph("DELETE", path + "/" + doc["id"], client=WRITER)[0], 204)
        self.assertEqual(self.graph("GET", path + "/" + doc["id"])[0], 404)

    def test_type_change_is_refused(self):
        loc = self.first("v1.0", "identity/conditionalAccess/namedLocations")
        status, _, _ = self.graph("PATCH", "/v1.0/identity/conditionalAccess/namedLocations/"
                                  + loc["id"], {"@odata.type": "#microsoft.graph.countryNamedLocation",
                                                "displayName": "x"}, client=WRITER)
        self.assertEqual(status, 400)

    def test_writes_need_write_permission(self):
        pol = self.first("v1.0", "identity/conditionalAccess/policies")
        status, _, doc = self.graph("PATCH", "%s/%s" % (CA_POLICIES, pol["id"]), {"state": "disabled"})
        self.assertGraphError(status, doc, 403, "Authorization_RequestDenied")
        status, _, doc = self.graph("PATCH", "/v1.0/deviceManagement/deviceConfigurations/x",
                                    {"displayName": "y"})
        self.assertGraphError(status, doc, 403, "Forbidden")

    def test_body_must_be_json(self):
        token = self.token(WRITER, "demo-writer-secret-not-real")
        for ctype, body in (("application/json", "{not json"),
                            ("application/x-www-form-urlencoded", "allowedToUseSSPR=false")):
            status, _, doc = self.raw("PATCH", "/v1.0/policies/authorizationPolicy", body,
                                      {"Authorization": "Bearer " + token, "Content-Type": ctype})
            self.assertGraphError(status, doc, 400, "BadRequest")

    def test_reset_restores_the_state_from_disk(self):
        # the sample has self-service password reset off for administrators
        self.graph("PATCH", "/v1.0/policies/authorizationPolicy", {"allowedToUseSSPR": True},
                   client=WRITER)
        self.control("POST", "/_emulator/reset")
        doc = self.graph("GET", "/v1.0/policies/authorizationPolicy")[2]
        self.assertIs(doc["allowedToUseSSPR"], False)


class FaultTests(EmulatorTestCase):
    def test_429_with_fractional_retry_after_then_pass(self):
        self.set_faults({"rules": [{"method": "GET", "path": "/v1.0/identity/conditionalAccess/*",
                                    "status": 429, "retry_after": "2.128", "times": 1}]})
        token = self.token()
        status, headers, doc = self.graph("GET", CA_POLICIES, token=token)
        self.assertGraphError(status, doc, 429, "TooManyRequests")
        self.assertEqual(headers["retry-after"], "2.128")
        self.assertEqual(self.graph("GET", CA_POLICIES, token=token)[0], 200)

    def test_429_without_retry_after_and_5xx(self):
        self.set_faults({"rules": [
            {"path": "/v1.0/policies/authorizationPolicy", "status": 429},
            {"path": "/v1.0/domains", "status": 503, "retry_after": 1},
            {"path": "/v1.0/organization", "status": 504}]})
        token = self.token()
        status, headers, _ = self.graph("GET", "/v1.0/policies/authorizationPolicy", token=token)
        self.assertEqual(status, 429)
        self.assertNotIn("retry-after", headers)
        status, headers, doc = self.graph("GET", "/v1.0/domains", token=token)
        self.assertGraphError(status, doc, 503, "ServiceUnavailable")
        self.assertEqual(headers["retry-after"], "1")
        status, _, doc = self.graph("GET", "/v1.0/organization", token=token)
        self.assertGraphError(status, doc, 504, "GatewayTimeout")

    def test_reset_truncate_and_drip(self):
        token = self.token()
        self.set_faults({"rules": [{"path": "/v1.0/domains", "reset": True, "times": 1}]})
        with self.assertRaises((ConnectionError, http.client.RemoteDisconnected, ssl.SSLError)):
            self.graph("GET", "/v1.0/domains", token=token)
        self.assertEqual(self.graph("GET", "/v1.0/domains", token=token)[0], 200)
        self.set_faults({"rules": [{"path": "/v1.0/domains", "truncate": True, "times": 1}]})
        with self.assertRaises(http.client.IncompleteRead):
            self.graph("GET", "/v1.0/domains", token=token)
        self.set_faults({"rules": [{"path": "/v1.0/domains", "drip": {"bytes": 100,
                                                                        "interval_ms": 20}}]})
        started = time.monotonic()
        status, _, doc = self.graph("GET", "/v1.0/domains", token=token)
        self.assertEqual(status, 200)
        self.assertGreater(time.monotonic() - started, 0.1)
        self.assertEqual(len(doc["value"]), 2)

    def test_latency_global_and_per_rule(self):
        token = self.token()
        self.set_faults({"latency_ms": 60, "rules": [{"path": "/v1.0/domains",
                                                      "latency_ms": [100, 120]}]})
        started = time.monotonic()
        self.graph("GET", "/v1.0/organization", token=token)
        self.assertGreaterEqual(time.monotonic() - started, 0.06)
        started = time.monotonic()
        self.graph("GET", "/v1.0/domains", token=token)
        self.assertGreaterEqual(time.monotonic() - started, 0.16)

    def test_every_and_probability_are_deterministic(self):
        token = self.token()
        self.set_faults({"seed": 3, "rules": [{"path": "/v1.0/domains", "status": 503, "every": 3}]})
        got = [self.graph("GET", "/v1.0/domains", token=token)[0] for _ in range(6)]
        self.assertEqual(got, [200, 200, 503, 200, 200, 503])
        doc = {"seed": 3, "rules": [{"path": "/v1.0/domains", "status": 503, "probability": 0.5}]}
        runs = []
        for _ in range(2):
            self.set_faults(doc)
            runs.append([self.graph("GET", "/v1.0/domains", token=token)[0] for _ in range(12)])
        self.assertEqual(runs[0], runs[1])
        self.assertIn(503, runs[0])
        self.assertIn(200, runs[0])

    def test_empty_page_with_nextlink(self):
        self.set_faults({"rules": [{"path": CA_POLICIES, "empty_page": True, "times": 1,
                                    "after": 1}]})
        token = self.token()
        status, _, first = self.graph("GET", CA_POLICIES, token=token)
        status, _, empty = self.graph("GET", first["@odata.nextLink"], token=token)
        self.assertEqual((status, empty["value"]), (200, []))
        self.assertIn("@odata.nextLink", empty)
        self.set_faults({"rules": [{"path": CA_POLICIES, "empty_page": True, "times": 1}]})
        items, pages = self.collect(CA_POLICIES)
        self.assertEqual((len(items), pages), (11, 7))

    def test_endless_pages(self):
        self.set_faults({"rules": [{"path": "/v1.0/domains",
                                    "endless_pages": {"links": 2, "bytes": 5000, "objects": 2}}]})
        token = self.token()
        status, _, first = self.graph("GET", "/v1.0/domains", token=token)
        self.assertEqual(status, 200)
        self.assertEqual(len(first["value"]), 2)
        self.assertGreater(len(json.dumps(first)), 4000)
        self.assertTrue(first["@odata.nextLink"].endswith("$skiptoken=endless-1"))
        _, _, second = self.graph("GET", first["@odata.nextLink"], token=token)
        self.assertTrue(second["@odata.nextLink"].endswith("$skiptoken=endless-0"))
        self.assertNotEqual(first["value"][0]["id"], second["value"][0]["id"])
        self.set_faults({"rules": [{"path": "/v1.0/domains", "endless_pages": {}}]})
        _, _, page = self.graph("GET", first["@odata.nextLink"], token=token)
        self.assertTrue(page["@odata.nextLink"].endswith("$skiptoken=endless-2"))

    def test_raw_body_is_sent_byte_for_byte(self):
        self.set_faults({"rules": [{"path": "/v1.0/domains", "status": 200,
                                    "raw_body": '{"value": ["\u00ff"]}'}]})
        conn = self.connect()
        try:
            conn.request("GET", "/v1.0/domains", None,
                         {"Authorization": "Bearer " + self.token()})
            resp = conn.getresponse()
            payload = resp.read()
        finally:
            conn.close()
        self.assertEqual((resp.status, payload), (200, b'{"value": ["\xff"]}'))

    def test_expire_token_mid_run(self):
        token = self.token()
        self.assertEqual(self.graph("GET", CA_POLICIES, token=token)[0], 200)
        self.set_faults({"rules": [{"path": "/v1.0/*", "expire_token": True, "times": 1}]})
        status, _, doc = self.graph("GET", CA_POLICIES, token=token)
        self.assertGraphError(status, doc, 401, "InvalidAuthenticationToken")
        self.assertIn("token is expired", doc["error"]["message"])
        self.assertEqual(self.graph("GET", CA_POLICIES, token=token)[0], 401)  # stays expired
        self.assertEqual(self.graph("GET", CA_POLICIES)[0], 200)              # new token works

    def test_expire_next_tokens_and_expire_at(self):
        self.set_faults({"expire_next_tokens": 1})
        token = self.token()
        self.assertEqual(self.graph("GET", CA_POLICIES, token=token)[0], 401)
        self.assertEqual(self.graph("GET", CA_POLICIES)[0], 200)
        token = self.token()
        self.set_faults({"expire_tokens_at": time.time() + 0.3})
        self.assertEqual(self.graph("GET", CA_POLICIES, token=token)[0], 200)
        time.sleep(0.4)
        self.assertEqual(self.graph("GET", CA_POLICIES, token=token)[0], 401)

    def test_fault_file_is_reread_when_it_changes(self):
        token = self.token()
        self.write_faults_file({"rules": [{"path": "/v1.0/domains", "status": 503}]})
        time.sleep(0.3)
        self.assertEqual(self.graph("GET", "/v1.0/domains", token=token)[0], 503)
        self.write_faults_file({})
        time.sleep(0.3)
        self.assertEqual(self.graph("GET", "/v1.0/domains", token=token)[0], 200)

    def test_token_endpoint_faults_and_tenant_match(self):
        self.set_faults({"rules": [{"method": "POST", "path": "/*/oauth2/v2.0/token",
                                    "status": 429, "retry_after": 1, "times": 1}]})
        status, headers, _ = self.token_request({"grant_type": "client_credentials",
                                                 "client_id": READER,
                                                 "client_secret": "demo-secret-not-real",
                                                 "scope": SCOPE})
        self.assertEqual((status, headers["retry-after"]), (429, "1"))
        self.set_faults({"rules": [{"tenant": BARE_TENANT, "status": 503}]})
        self.assertEqual(self.graph("GET", CA_POLICIES)[0], 200)
        self.assertEqual(self.token_request({"grant_type": "client_credentials",
                                             "client_id": READER, "client_secret": "bare-secret",
                                             "scope": SCOPE}, BARE_TENANT)[0], 503)


class BatchTests(EmulatorTestCase):
    def test_batch_dependencies_case_insensitive_ids_and_424(self):
        pol = self.sample("v1.0", "identity/conditionalAccess/policies")["value"][0]
        body = {"requests": [
            {"id": "A", "method": "GET", "url": "/identity/conditionalAccess/policies/" + pol["id"]},
            {"id": "b", "method": "GET", "url": "/no/such/path"},
            {"id": "c", "method": "GET", "url": "policies/authorizationPolicy", "dependsOn": ["a"]},
            {"id": "d", "method": "GET", "url": "/domains", "dependsOn": ["B"]},
            {"id": "e", "method": "PATCH", "url": "/policies/authorizationPolicy",
             "body": {"allowedToUseSSPR": False}, "headers": {"Content-Type": "application/json"}},
        ]}
        status, _, doc = self.graph("POST", "/v1.0/$batch", body, client=WRITER)
        self.assertEqual(status, 200)
        got = {r["id"]: r for r in doc["responses"]}
        self.assertEqual({k: v["status"] for k, v in got.items()},
                         {"A": 200, "b": 404, "c": 200, "d": 424, "e": 204})
        self.assertEqual(got["A"]["body"]["displayName"], pol["displayName"])
        self.assertEqual(got["d"]["body"]["error"]["code"], "FailedDependency")

    def test_batch_answers_are_shuffled(self):
        body = {"requests": [{"id": str(i), "method": "GET", "url": "/domains"} for i in range(20)]}
        status, _, doc = self.graph("POST", "/v1.0/$batch", body)
        self.assertEqual(status, 200)
        ids = [r["id"] for r in doc["responses"]]
        self.assertEqual(sorted(ids, key=int), [str(i) for i in range(20)])
        self.assertNotEqual(ids, [str(i) for i in range(20)])

    def test_batch_limits(self):
        body = {"requests": [{"id": str(i), "method": "GET", "url": "/domains"} for i in range(21)]}
        self.assertEqual(self.graph("POST", "/v1.0/$batch", body)[0], 400)
        body = {"requests": [{"id": "x", "method": "GET", "url": "/domains"},
                             {"id": "X", "method": "GET", "url": "/domains"}]}
        self.assertEqual(self.graph("POST", "/v1.0/$batch", body)[0], 400)

    def test_inner_429_under_outer_200(self):
        self.set_faults({"rules": [{"path": "/v1.0/domains", "status": 429, "retry_after": "3"}]})
        body = {"requests": [{"id": "1", "method": "GET", "url": "/domains"},
                             {"id": "2", "method": "GET", "url": "/organization"}]}
        status, _, doc = self.graph("POST", "/v1.0/$batch", body)
        self.assertEqual(status, 200)
        got = {r["id"]: r for r in doc["responses"]}
        self.assertEqual(got["1"]["status"], 429)
        self.assertEqual(got["1"]["headers"]["Retry-After"], "3")
        self.assertEqual(got["2"]["status"], 200)


class LogTests(EmulatorTestCase):
    def test_credentials_never_reach_the_log(self):
        status, _, doc = self.token_request({"grant_type": "client_credentials",
                                             "client_id": CANARY_APP, "client_secret": CANARY,
                                             "scope": SCOPE})
        self.assertEqual(status, 200)
        token = doc["access_token"]
        self.token_request({"grant_type": "client_credentials", "client_id": CANARY_APP,
                            "client_secret": CANARY + "-wrong", "scope": SCOPE})
        assertion = self.assertion()
        self.assertion_request(assertion)
        self.graph("GET", CA_POLICIES, token=token)
        self.graph("POST", "/v1.0/$batch", {"requests": [{"id": "1", "method": "GET",
                                                          "url": "/domains",
                                                          "headers": {"Authorization": "Bearer " + token}}]},
                   token=token)
        self.raw("POST", "/%s/oauth2/v2.0/token" % TENANT, "client_secret=%s&junk" % CANARY,
                 {"Content-Type": "text/plain"})
        status, _, doc = self.control("GET", "/_emulator/requests")
        memory = json.dumps(doc)
        with open(self.log_file) as f:
            text = f.read()
        for where in (text, memory):
            self.assertNotIn(CANARY, where)
            self.assertNotIn(token, where)
            self.assertNotIn(token.split(".")[2], where)
            self.assertNotIn(assertion.split(".")[2], where)
            self.assertIn("Bearer ***", where)
        records = [json.loads(line) for line in text.splitlines()]
        self.assertTrue(any(r["path"] == CA_POLICIES and r["tenant"] == TENANT and
                            r["status"] == 200 for r in records))
        self.assertTrue(any(r.get("batch_request_id") for r in records))


COMPLIANCE = "/deviceManagement/deviceCompliancePolicies"
ACTIONS = "scheduledActionsForRule($expand=scheduledActionConfigurations)"


class FidelityTests(EmulatorTestCase):
    """What a Graph client nobody here wrote would notice (issue 10)."""

    def test_both_versions_with_beta_only_properties_in_beta(self):
        items = {v: self.collect("/%s/identity/conditionalAccess/policies" % v)[0]
                 for v in ("v1.0", "beta")}
        self.assertEqual([p["id"] for p in items["v1.0"]], [p["id"] for p in items["beta"]])
        self.assertIn("secureSignInSession", items["beta"][0]["sessionControls"])
        self.assertNotIn("secureSignInSession", items["v1.0"][0]["sessionControls"] or {})
        _, _, v1 = self.graph("GET", "/v1.0/policies/authenticationMethodsPolicy")
        _, _, beta = self.graph("GET", "/beta/policies/authenticationMethodsPolicy")
        for beta_only in ("systemCredentialPreferences", "reportSuspiciousActivitySettings"):
            self.assertIn(beta_only, beta)
            self.assertNotIn(beta_only, v1)
        self.assertEqual(v1["registrationEnforcement"], beta["registrationEnforcement"])
        self.assertTrue(beta["@odata.context"].endswith("/beta/$metadata#policies/"
                                                        "authenticationMethodsPolicy/$entity"))
        # Intune at both versions, one data set; beta-only resources only in beta
        self.assertEqual(self.collect("/v1.0" + COMPLIANCE)[0], self.collect("/beta" + COMPLIANCE)[0])
        status, _, doc = self.graph("GET", "/v1.0/deviceManagement/configurationPolicies")
        self.assertGraphError(status, doc, 404, "ResourceNotFound")

    def test_a_write_at_one_version_is_read_at_the_other(self):
        pol = self.sample("v1.0", "identity/conditionalAccess/policies")["value"][2]
        status, _, _ = self.graph("PATCH", "/beta/identity/conditionalAccess/policies/" + pol["id"],
                                  {"state": "disabled"}, client=WRITER)
        self.assertEqual(status, 204)
        _, _, doc = self.graph("GET", CA_POLICIES + "/" + pol["id"])
        self.assertEqual(doc["state"], "disabled")

    def test_assignments_and_compliance_actions_only_when_expanded(self):
        path = "/beta" + COMPLIANCE
        plain, _ = self.collect(path)
        self.assertTrue(all("assignments" not in p and "scheduledActionsForRule" not in p
                            for p in plain))
        expanded, _ = self.collect(path + "?$expand=assignments," + ACTIONS)
        stored = self.sample("v1.0", COMPLIANCE[1:])["value"]
        self.assertEqual([p["assignments"] for p in expanded], [p["assignments"] for p in stored])
        self.assertEqual([p["scheduledActionsForRule"] for p in expanded],
                         [p["scheduledActionsForRule"] for p in stored])
        for p in expanded:
            self.assertTrue(p["scheduledActionsForRule"][0]["scheduledActionConfigurations"])
            for a in p["assignments"]:
                self.assertIn("@odata.type", a["target"])
        # the navigation without its nested one: the rules, not their configurations
        shallow, _ = self.collect(path + "?$expand=scheduledActionsForRule")
        self.assertTrue(all("scheduledActionConfigurations" not in r
                            for p in shallow for r in p["scheduledActionsForRule"]))
        self.assertTrue(all("assignments" not in p for p in shallow))
        # one object, and its sub-collections
        first = stored[0]
        _, _, doc = self.graph("GET", "%s/%s?$expand=%s" % (path, first["id"], ACTIONS))
        self.assertEqual(doc["scheduledActionsForRule"], first["scheduledActionsForRule"])
        self.assertNotIn("assignments", doc)
        items, _ = self.collect("%s/%s/assignments" % (path, first["id"]))
        self.assertEqual(items, first["assignments"])
        items, _ = self.collect("%s/%s/scheduledActionsForRule" % (path, first["id"]))
        self.assertTrue(all("scheduledActionConfigurations" not in r for r in items))
        items, _ = self.collect("%s/%s/scheduledActionsForRule?$expand="
                                "scheduledActionConfigurations" % (path, first["id"]))
        self.assertEqual(items, first["scheduledActionsForRule"])
        for bad in ("nothing", "assignments($expand=nothing)", "assignments($top=1)",
                    "scheduledActionsForRule($expand=scheduledActionConfigurations"):
            status, _, doc = self.graph("GET", "%s?$expand=%s" % (path, bad))
            self.assertGraphError(status, doc, 400, "BadRequest")

    def test_assign_replaces_the_assignments_and_leaves_an_audit_event(self):
        first = self.sample("v1.0", COMPLIANCE[1:])["value"][1]
        target = {"@odata.type": "#microsoft.graph.groupAssignmentTarget",
                  "groupId": "11111111-2222-4333-8444-555555555555",
                  "deviceAndAppManagementAssignmentFilterId": None,
                  "deviceAndAppManagementAssignmentFilterType": "none"}
        url = "/beta%s/%s/assign" % (COMPLIANCE, first["id"])
        status, _, doc = self.graph("POST", url, {"assignments": [{"target": target}]})
        self.assertGraphError(status, doc, 403, "Forbidden")
        status, _, doc = self.graph("POST", url, {"assignments": [{"target": target}]},
                                    client=WRITER)
        self.assertEqual(status, 200, doc)
        want = [{"id": "%s_%s" % (first["id"], target["groupId"]), "target": target}]
        self.assertEqual(doc["value"], want)
        items, _ = self.collect("/v1.0%s/%s/assignments" % (COMPLIANCE, first["id"]))
        self.assertEqual(items, want)
        _, _, doc = self.graph("GET", "/v1.0/deviceManagement/auditEvents?$top=1")
        self.assertEqual(doc["value"][0]["resources"][0]["resourceId"], first["id"])
        self.assertEqual(self.graph("GET", url)[0], 405)
        status, _, doc = self.graph("POST", url, {"assignments": [{"id": "x"}]}, client=WRITER)
        self.assertGraphError(status, doc, 400, "BadRequest")
        status, _, _ = self.graph("POST", "/beta/deviceManagement/assignmentFilters/x/assign",
                                  {"assignments": []}, client=WRITER)
        self.assertEqual(status, 404)              # filters have no assignments

    def test_every_intune_list_with_assignments_expands_them(self):
        with open(os.path.join(HERE, "routes.json")) as f:
            routes = json.load(f)["routes"]
        token = self.token()
        seen = 0
        for r in routes:
            if "assignments" not in r.get("expand", []) or \
                    "assignments" in r.get("list_expand_refused", []):
                continue
            items, _ = self.collect("/%s%s?$expand=assignments" % (r["version"], r["path"]))
            self.assertTrue(items and all(i["assignments"] for i in items), r["path"])
            seen += 1
        self.assertGreaterEqual(seen, 20)
        self.assertTrue(token)

    def test_assignments_refused_over_a_list_are_read_per_object(self):
        # Graph refuses $expand=assignments on the ADMX list (the definition values' nested
        # expand is what that list is read with); each object's are at {id}/assignments
        path = "/beta/deviceManagement/groupPolicyConfigurations"
        stored = self.sample("beta", path[6:])["value"]
        for query in ("?$expand=assignments",
                      "?$expand=assignments,definitionValues($expand=definition)"):
            status, _, doc = self.graph("GET", path + query)
            self.assertGraphError(status, doc, 400, "BadRequest")
            self.assertIn("Expanding 'assignments' is not supported", doc["error"]["message"])
        items, _ = self.collect(path + "?$expand=definitionValues($expand=definition)")
        self.assertTrue(items and all("assignments" not in i for i in items))
        for obj in stored:
            got, _ = self.collect("%s/%s/assignments" % (path, obj["id"]))
            self.assertEqual(got, obj["assignments"])
        # one object may still expand them, as Graph allows on an entity
        _, _, one = self.graph("GET", "%s/%s?$expand=assignments" % (path, stored[0]["id"]))
        self.assertEqual(one["assignments"], stored[0]["assignments"])

    def test_batch_carries_expand_and_sub_collections(self):
        first = self.sample("v1.0", COMPLIANCE[1:])["value"][0]
        body = {"requests": [
            {"id": "1", "method": "GET", "url": COMPLIANCE + "?$expand=assignments," + ACTIONS},
            {"id": "2", "method": "GET", "url": "%s/%s/assignments" % (COMPLIANCE, first["id"])}]}
        status, _, doc = self.graph("POST", "/beta/$batch", body)
        self.assertEqual(status, 200)
        got = {r["id"]: r for r in doc["responses"]}
        self.assertEqual(got["1"]["status"], 200)
        self.assertEqual(got["1"]["body"]["value"][0]["scheduledActionsForRule"],
                         first["scheduledActionsForRule"])
        self.assertEqual(got["2"]["body"]["value"], first["assignments"][:2])

    def test_token_through_openid_discovery_by_hand(self):
        """What MSAL does: instance discovery, the tenant's OpenID configuration,
        then the token endpoint it names (never a URL the client made up)."""
        base = "https://127.0.0.1:%d" % self.port
        query = urllib.parse.urlencode({"api-version": "1.1", "authorization_endpoint":
                                        "%s/contoso.onmicrosoft.com/oauth2/v2.0/authorize" % base})
        status, _, inst = self.raw("GET", "/common/discovery/instance?" + query)
        self.assertEqual(status, 200, inst)
        self.assertNotIn("token_endpoint", inst)
        self.assertIn("127.0.0.1:%d" % self.port, inst["metadata"][0]["aliases"])
        url = urllib.parse.urlsplit(inst["tenant_discovery_endpoint"])
        self.assertEqual("%s://%s" % (url.scheme, url.netloc), base)
        status, _, conf = self.raw("GET", url.path)
        self.assertEqual(status, 200, conf)
        self.assertEqual(conf["issuer"], "%s/%s/v2.0" % (base, TENANT))   # named by domain
        self.assertIn("client_secret_post", conf["token_endpoint_auth_methods_supported"])
        token_url = urllib.parse.urlsplit(conf["token_endpoint"])
        self.assertEqual(token_url.path, "/%s/oauth2/v2.0/token" % TENANT)
        status, _, tok = self.raw("POST", token_url.path, urllib.parse.urlencode({
            "grant_type": "client_credentials", "client_id": READER,
            "client_secret": "demo-secret-not-real", "scope": SCOPE}),
            {"Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual(status, 200, tok)
        self.assertEqual(self.graph("GET", CA_POLICIES, token=tok["access_token"])[0], 200)
        status, _, keys = self.raw("GET", urllib.parse.urlsplit(conf["jwks_uri"]).path)
        self.assertEqual((status, keys), (200, {"keys": []}))
        # the multi-tenant authorities keep their name; an unknown tenant is AADSTS90002
        _, _, common = self.raw("GET", "/organizations/v2.0/.well-known/openid-configuration")
        self.assertEqual(common["issuer"], base + "/{tenantid}/v2.0")
        status, _, doc = self.raw("GET", "/%s/v2.0/.well-known/openid-configuration" % uuid.uuid4())
        self.assertEqual((status, doc["error"], doc["error_codes"]), (400, "invalid_tenant", [90002]))
        status, _, doc = self.raw("GET", "/common/discovery/instance")
        self.assertEqual(status, 400)

    def test_links_follow_the_host_the_client_used(self):
        host = "localhost:%d" % self.port
        _, _, doc = self.graph("GET", CA_POLICIES, headers={"Host": host})
        self.assertTrue(doc["@odata.context"].startswith("https://%s/v1.0/$metadata#" % host))
        self.assertTrue(doc["@odata.nextLink"].startswith("https://%s/v1.0/" % host))
        _, _, conf = self.raw("GET", "/%s/v2.0/.well-known/openid-configuration" % TENANT,
                              headers={"Host": host})
        self.assertTrue(conf["token_endpoint"].startswith("https://%s/" % host))
        # a Host header that is no host name is not echoed into links
        _, _, doc = self.graph("GET", CA_POLICIES, headers={"Host": "evil/path?x"})
        self.assertTrue(doc["@odata.nextLink"].startswith("https://127.0.0.1:%d/" % self.port))

    def test_orderby_count_search_and_unknown_options(self):
        path = "/v1.0/deviceManagement/deviceCompliancePolicies"
        items, _ = self.collect(path + "?$orderby=displayName%20desc")
        names = [i["displayName"] for i in items]
        self.assertEqual(names, sorted(names, key=str.lower, reverse=True))
        _, _, doc = self.graph("GET", path + "?$count=true")
        self.assertEqual(doc["@odata.count"], 4)
        self.assertEqual(len(doc["value"]), 2)                 # --page-size 2
        self.assertNotIn("@odata.count", self.graph("GET", path + "?$count=false")[2])
        for query, code in (("$count=maybe", "BadRequest"), ("$orderby=a%20b%20c", "BadRequest"),
                            ("$foo=1", "BadRequest"), ("$skip=1", "BadRequest")):
            status, _, doc = self.graph("GET", "%s?%s" % (path, query))
            self.assertGraphError(status, doc, 400, code)
        self.assertIn("$foo", self.graph("GET", path + "?$foo=1")[2]["error"]["message"])
        self.assertEqual(self.graph("GET", path + "?api-version=2&foo=1")[0], 200)   # ignored
        # Conditional Access: no $orderby, no $search
        for query in ("$orderby=displayName", '$search="block"'):
            status, _, doc = self.graph("GET", CA_POLICIES + "?" + urllib.parse.quote(query, "=$"))
            self.assertGraphError(status, doc, 400, "Request_UnsupportedQuery")
        # directory objects: $count and $search only with ConsistencyLevel: eventual
        search = "/v1.0/groups?$search=" + urllib.parse.quote('"displayName:Intune"')
        for url in (search, "/v1.0/groups?$count=true"):
            status, _, doc = self.graph("GET", url)
            self.assertGraphError(status, doc, 400, "Request_UnsupportedQuery")
        eventual = {"ConsistencyLevel": "eventual"}
        _, _, doc = self.graph("GET", search + "&$count=true&$top=10", headers=eventual)
        self.assertEqual(doc["@odata.count"], 4)
        self.assertTrue(all(g["displayName"].startswith("Intune") for g in doc["value"]))
        status, _, doc = self.graph("GET", "/v1.0/groups?$search=Intune", headers=eventual)
        self.assertEqual(status, 400)                          # the value must be quoted
        # mobile apps are searchable without the header (Intune)
        _, _, doc = self.graph("GET", "/beta/deviceAppManagement/mobileApps?$search=" +
                               urllib.parse.quote('"authenticator"'))
        self.assertEqual([a["displayName"] for a in doc["value"]], ["Microsoft Authenticator"])

    def test_required_filter(self):
        path = "/v1.0/policies/roleManagementPolicies"
        status, _, doc = self.graph("GET", path)
        self.assertGraphError(status, doc, 400, "BadRequest")
        flt = urllib.parse.quote("scopeId eq '/' and scopeType eq 'DirectoryRole'")
        items, _ = self.collect("%s?$filter=%s&$expand=rules" % (path, flt))
        self.assertTrue(items and all(p["rules"] and "effectiveRules" not in p for p in items))

    def test_unlisted_paths_are_readable_with_any_token(self):
        cert_token = self.assertion_request(self.assertion())[2]["access_token"]  # Policy.Read.All
        items, pages = self.collect("/beta/admin/unlisted/things")
        self.assertEqual(([i["id"] for i in items], pages), (["t1", "t2"], 1))
        status, _, doc = self.graph("GET", "/beta/admin/unlisted/things/t2", token=cert_token)
        self.assertEqual((status, doc["displayName"]), (200, "two"))
        status, _, doc = self.graph("GET", "/beta/admin/unlisted/setting", token=cert_token)
        self.assertEqual((status, doc["enabled"]), (200, True))
        # writing still needs Directory.ReadWrite.All
        status, _, doc = self.graph("PATCH", "/beta/admin/unlisted/setting", {"enabled": False})
        self.assertGraphError(status, doc, 403, "Authorization_RequestDenied")
        status, _, _ = self.graph("PATCH", "/beta/admin/unlisted/setting", {"enabled": False},
                                  client=WRITER)
        self.assertEqual(status, 204)


class GenStateTests(unittest.TestCase):
    def test_generated_references_point_at_objects_of_the_tenant(self):
        out = tempfile.mkdtemp(prefix="gen-state-test-")
        try:
            subprocess.run([sys.executable, os.path.join(HERE, "gen_state.py"), "--objects", "600",
                            "--collectors", "30", "--out", out, "--service", "intune"],
                           check=True, capture_output=True)
            tdir = os.path.join(out, TENANT)

            def load(version, path):
                with open(os.path.join(tdir, version, *path.split("/")) + ".json") as f:
                    return json.load(f)["value"]
            groups = {g["id"] for g in load("v1.0", "groups")}
            filters = {f["id"] for f in load("beta", "deviceManagement/assignmentFilters")}
            tags = {t["id"] for t in load("beta", "deviceManagement/roleScopeTags")}
            checked = 0
            for root, _, files in os.walk(tdir):
                for name in files:
                    if name == "_tenant.json":
                        continue
                    with open(os.path.join(root, name)) as f:
                        doc = json.load(f)
                    for obj in doc.get("value", []) if isinstance(doc.get("value"), list) else []:
                        self.assertLessEqual(set(obj.get("roleScopeTagIds") or []), tags, name)
                        ids = set()
                        for a in obj.get("assignments") or []:
                            t = a["target"]
                            if "groupId" in t:
                                self.assertIn(t["groupId"], groups, name)
                            flt = t.get("deviceAndAppManagementAssignmentFilterId")
                            if flt:
                                self.assertIn(flt, filters, name)
                            self.assertTrue(a["id"].startswith(obj["id"]), name)
                            ids.add(a["id"])
                            checked += 1
                        self.assertEqual(len(ids), len(obj.get("assignments") or []), name)
            self.assertGreater(checked, 300)
        finally:
            shutil.rmtree(out, ignore_errors=True)
