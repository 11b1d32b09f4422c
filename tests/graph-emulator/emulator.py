#!/usr/bin/env python3
"""Microsoft Graph and Entra ID token endpoint emulator for driftward's tests.

Serves HTTPS on 127.0.0.1 (port chosen by the OS, written to --port-file) with
a throwaway CA (--ca-dir/ca.pem): the token endpoint, Graph resources from a
state directory, $batch, fault injection and a request log.  Python 3
standard library only.  See README.md beside this file for every option,
format and error shape.

Module map: emu_tls (CA), emu_crypto (JWT/RSA), emu_auth (token endpoint),
emu_state (tenants, routes.json), emu_query (OData options), emu_graph (Graph
semantics), emu_audit (audit records), emu_faults (fault rules), emu_batch
($batch), and this file (HTTP server, request log, control endpoints, main).
"""

import argparse
import os
import re
import signal
import socket
import ssl
import struct
import sys
import tempfile
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, unquote, urlsplit

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import emu_auth  # noqa: E402
import emu_batch  # noqa: E402
import emu_discovery  # noqa: E402
import emu_tls  # noqa: E402
from emu_audit import AuditWriter  # noqa: E402
from emu_faults import FaultError, Faults, endless_page, fault_response  # noqa: E402
from emu_log import RequestLog, Unparsed, mask, mask_headers, parse_body  # noqa: E402
from emu_graph import GRAPH_CT, GraphApi, Req, Resp, dumps, error_resp, now_iso  # noqa: E402
from emu_state import RouteTable, State, StateError  # noqa: E402

TOKEN_CT = "application/json; charset=utf-8"
# host, host:port, [v6]:port: what a Host header may hold (anything else is ignored)
_HOST = re.compile(r"^(?:[A-Za-z0-9](?:[A-Za-z0-9.-]{0,252})|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$")

class Abort(Exception):
    """Drop the connection without a response (fault: reset)."""


# --- the emulator ------------------------------------------------------------

class Emulator:
    def __init__(self, args):
        self.args = args
        self.routes = RouteTable(args.routes)
        fleet = (args.fleet, args.fleet_template, args.fleet_vary) if args.fleet else None
        self.state = State(args.state, self.routes, fleet)
        self.tokens = emu_auth.TokenStore(args.token_lifetime)
        self.faults = Faults(args.faults, args.seed)
        self.faults.on_new_doc = self._fault_doc_changed
        self._fault_doc_changed(self.faults.doc)
        self.log = RequestLog(args.log)
        self.graph = GraphApi(self.state, self.routes, args.page_size, args.persist,
                              args.seed, AuditWriter(now_iso))
        self.batch = emu_batch.Batch(self, args.seed)
        self.base_url = ""

    def _fault_doc_changed(self, doc):
        at = self.faults.expire_tokens_at
        self.tokens.expire_at = at
        self.tokens.expire_next_issued = int(doc.get("expire_next_tokens", 0))

    # --- one HTTP request -------------------------------------------------

    def serve(self, method, target, headers, raw_body):
        """Handle one request; return (Resp, fault rule or None, log record)."""
        split = urlsplit(target)
        path = unquote(split.path)
        query = dict(parse_qsl(split.query, keep_blank_values=True))
        body = parse_body(raw_body, headers.get("content-type"))
        rid = str(uuid.uuid4())
        crid = headers.get("client-request-id") or rid
        record = {"time": now_iso(), "method": method, "path": path, "query": mask(query),
                  "headers": mask_headers(headers), "body": mask(body), "tenant": None,
                  "request_id": rid, "client_request_id": crid}
        if path.startswith("/_emulator/"):
            return self.control(method, path, query, body), None, None
        base = self.request_base(headers)
        resp, rule = self._serve_api(method, path, query, body, headers, rid, crid, record, base)
        resp.headers.setdefault("request-id", rid)
        resp.headers.setdefault("client-request-id", crid)
        record["status"] = resp.status
        if rule is not None:
            record["fault"] = rule.name
        return resp, rule, record

    def request_base(self, headers):
        """The URL the client used to reach us (its Host header), so that links
        we hand out (nextLink, @odata.context, discovery) lead back the same way
        through a proxy or a name, not to the bind address."""
        host = headers.get("host", "")
        if _HOST.match(host):
            return "https://" + host
        return self.base_url

    def _serve_api(self, method, path, query, body, headers, rid, crid, record, base):
        parts = path.split("/")
        token_req = len(parts) == 5 and parts[2:] == ["oauth2", "v2.0", "token"]
        meta = emu_discovery.route(method, path)
        info = None
        if token_req or meta:
            record["tenant"] = parts[1]
        else:
            info = self._token_info(headers)
            record["tenant"] = info.tenant.id if info else None
        rule, latency = self.faults.pick(method, path, record["tenant"])
        latency += self.args.latency / 1000.0
        if latency > 0:
            time.sleep(latency)
        if rule is not None and not rule.spec.get("after_write"):
            early = self._early_fault(rule, headers, rid, crid, path, query, method)
            if early is not None:
                return early, rule
        if meta:
            status, doc = emu_discovery.handle(meta, method, path, query, self.state, base)
            return Resp(status, dumps(doc), {"Content-Type": TOKEN_CT}), rule
        if token_req:
            return self._token(method, parts[1], body, crid, base), rule
        if body is not None and ("json" not in headers.get("content-type", "")
                                 or isinstance(body, Unparsed)):
            return error_resp(Req(method, "", path, {}, None, rid, crid), 400, "BadRequest",
                              "Unable to read JSON request payload. Please ensure Content-Type "
                              "header is set and payload is of valid JSON format."), rule
        resp = self._graph(method, path, query, body, headers, rid, crid, rule, base)
        if rule is not None and rule.spec.get("after_write") and "status" in rule.spec:
            # the write took effect; the answer says otherwise (a 5xx from a front end)
            return fault_response(rule.spec, Req("GET", "", path, {}, None, rid, crid)), rule
        return resp, rule

    def _token_info(self, headers):
        auth = headers.get("authorization", "")
        if auth[:7].lower() != "bearer ":
            return None
        return self.tokens.tokens.get(auth[7:].strip())

    def _early_fault(self, rule, headers, rid, crid, path, query, method="GET"):
        """Faults that replace the response; None lets the request through."""
        spec = rule.spec
        if spec.get("reset"):
            raise Abort()
        if "endless_pages" in spec:
            return endless_page(spec, self.base_url, path, query)
        if spec.get("ignore_write") and method in ("PATCH", "PUT"):
            # Graph's quirk: a write answered 204 that changed nothing
            return Resp(204)
        if spec.get("expire_token"):
            auth = headers.get("authorization", "")
            self.tokens.expire(auth[7:].strip())
        if "status" not in spec:
            return None
        return fault_response(spec, Req("GET", "", path, {}, None, rid, crid))

    def _token(self, method, tenant_name, body, crid, base):
        if method != "POST":
            return Resp(405, dumps({"error": "invalid_request"}), {"Content-Type": TOKEN_CT})
        form = body if isinstance(body, dict) else {}
        url = "%s/%s/oauth2/v2.0/token" % (base, tenant_name)
        status, doc = emu_auth.handle_token_request(self.state, self.tokens, tenant_name,
                                                    form, url, base)
        headers = {"Content-Type": TOKEN_CT, "Cache-Control": "no-store, no-cache",
                   "Pragma": "no-cache", "Expires": "-1"}
        if status != 200:
            headers["x-ms-ests-server"] = "driftward-emulator"
        return Resp(status, dumps(doc), headers)

    def _graph(self, method, path, query, body, headers, rid, crid, rule, base):
        version, _, rest = path[1:].partition("/")
        req = Req(method, version, "/" + rest, query, body, rid, crid)
        req.base_url = base
        req.headers = headers
        if version not in ("v1.0", "beta"):
            return error_resp(req, 404, "ResourceNotFound",
                              "Invalid version: %s" % version)
        auth = headers.get("authorization", "")
        if auth[:7].lower() != "bearer " or not auth[7:].strip():
            return error_resp(req, 401, "InvalidAuthenticationToken", "Access token is empty.",
                              {"WWW-Authenticate": 'Bearer realm=""'})
        info, problem = self.tokens.lookup(auth[7:].strip())
        if info is None:
            return error_resp(req, 401, "InvalidAuthenticationToken", problem,
                              {"WWW-Authenticate": 'Bearer realm=""'})
        req.token = info
        req.empty_page = bool(rule is not None and rule.spec.get("empty_page"))
        if req.path.rstrip("/") == "/$batch":
            return self.batch.run(req, headers)
        return self.graph.handle(req)

    # --- control endpoints --------------------------------------------------

    def control(self, method, path, query, body):
        try:
            return self._control(method, path, query, body)
        except (FaultError, StateError, ValueError, TypeError, KeyError, OSError, re.error) as err:
            return Resp(400, dumps({"error": str(err)}), {"Content-Type": "application/json"})

    def _control(self, method, path, query, body):
        ok = Resp(204)
        if path == "/_emulator/faults" and method == "POST":
            self.faults.set_from_control(body or {})
            return ok
        if path == "/_emulator/faults" and method == "GET":
            return Resp(200, dumps(self.faults.snapshot()))
        if path == "/_emulator/requests" and method == "GET":
            since = int(query.get("since", "0"))
            return Resp(200, dumps({"requests": self.log.since(since)}))
        if path == "/_emulator/reset" and method == "POST":
            return self._reset(body if isinstance(body, dict) else {})
        if path == "/_emulator/expire-tokens" and method == "POST":
            self.tokens.expire_all()
            return ok
        if path == "/_emulator/health" and method == "GET":
            return Resp(200, dumps({"ok": True, "tenants": sorted(self.state.tenants)}))
        return Resp(404, dumps({"error": "no such control endpoint"}))

    def _reset(self, opts):
        self.state.reload()
        self.graph.encoded.clear()
        self.log.clear()
        if opts.get("faults"):
            self.faults.set_from_control({})
        else:
            self.faults.reset_counters()
        if opts.get("tokens"):
            self.tokens.clear()
        return Resp(204)


# --- HTTP layer ----------------------------------------------------------------

REASONS = {200: "OK", 201: "Created", 204: "No Content", 400: "Bad Request",
           401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed",
           409: "Conflict", 411: "Length Required", 424: "Failed Dependency",
           429: "Too Many Requests", 500: "Internal Server Error", 502: "Bad Gateway",
           503: "Service Unavailable", 504: "Gateway Timeout"}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "Microsoft-IIS/10.0"
    sys_version = ""
    timeout = 120            # idle keep-alive connections are closed after this

    def log_message(self, format, *args):  # noqa: A002 - our own log replaces stderr lines
        pass

    def _read_body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _handle(self):
        emu = self.server.emulator
        started = time.monotonic()
        headers = {k.lower(): v for k, v in self.headers.items()}
        try:
            resp, rule, record = emu.serve(self.command, self.path, headers, self._read_body())
        except Abort:
            self._log_abort(emu, headers)
            self._reset_connection()
            return
        if record is not None:
            record["duration_ms"] = round((time.monotonic() - started) * 1000, 3)
            emu.log.add(record)
        self._send(resp, rule.spec if rule is not None else {})

    def _log_abort(self, emu, headers):
        split = urlsplit(self.path)
        emu.log.add({"time": now_iso(), "method": self.command, "path": unquote(split.path),
                     "query": mask(dict(parse_qsl(split.query))), "headers": mask_headers(headers),
                     "status": None, "fault": "reset", "tenant": None})

    def _reset_connection(self):
        self.close_connection = True
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                       struct.pack("ii", 1, 0))
            self.connection.close()     # linger 0: the peer sees a TCP reset
        except OSError:
            pass

    def _send(self, resp, fault):
        body = resp.raw or b""
        head = ["HTTP/1.1 %d %s" % (resp.status, REASONS.get(resp.status, "Unknown")),
                "Date: " + self.date_time_string(),
                "Cache-Control: no-cache",
                "Strict-Transport-Security: max-age=31536000"]
        hdrs = resp.headers
        if body and "Content-Type" not in hdrs:
            head.append("Content-Type: " + GRAPH_CT)
        if body and resp.status < 300:
            head.append("OData-Version: 4.0")
        head.extend("%s: %s" % kv for kv in hdrs.items())
        head.append("Content-Length: %d" % len(body))
        if self.close_connection:
            head.append("Connection: close")
        data = ("\r\n".join(head) + "\r\n\r\n").encode("latin-1")
        if self.command == "HEAD":
            body = b""          # HEAD: the headers of a GET, never a body
        if fault.get("truncate"):
            self.wfile.write(data + body[:len(body) // 2])
            if fault.get("truncate") == "reset":
                self._reset_connection()
            else:
                self._close()
            return
        if fault.get("drip"):
            self._drip(data, body, fault["drip"])
            return
        self.wfile.write(data + body)

    def _close(self):
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def _drip(self, head, body, spec):
        self.wfile.write(head)
        step = max(1, int(spec.get("bytes", 16)))
        pause = spec.get("interval_ms", 100) / 1000.0
        for pos in range(0, len(body), step):
            self.wfile.write(body[pos:pos + step])
            time.sleep(pause)

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = do_HEAD = do_OPTIONS = _handle


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256
    allow_reuse_address = True

    def finish_request(self, request, client_address):
        # The TLS handshake runs here, in the connection's own thread, so a slow
        # or broken client never stalls the accept loop.
        request.settimeout(Handler.timeout)
        # Without TCP_NODELAY a large response's last TLS record waits for the
        # client's delayed ACK (~40 ms a page): Nagle's algorithm, not Graph latency.
        request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            tls = self.ssl_context.wrap_socket(request, server_side=True)
        except (OSError, ssl.SSLError):
            return
        try:
            self.RequestHandlerClass(tls, client_address, self)
        except (OSError, ssl.SSLError):
            pass
        finally:
            try:
                tls.close()
            except OSError:
                pass

    def handle_error(self, request, client_address):
        pass   # connection errors are normal under fault injection


# --- main ------------------------------------------------------------------------

def parse_args(argv):
    p = argparse.ArgumentParser(description="Microsoft Graph emulator for driftward tests")
    p.add_argument("--state", required=True, help="state directory (one folder per tenant)")
    p.add_argument("--port-file", required=True, help="file that receives the port number")
    p.add_argument("--ca-dir", help="where ca.pem and the server certificate live")
    p.add_argument("--page-size", type=int, default=100)
    p.add_argument("--faults", help="fault document (JSON), re-read when it changes")
    p.add_argument("--log", help="request log, one JSON line per request")
    p.add_argument("--bind", default="127.0.0.1")
    p.add_argument("--token-lifetime", type=int, default=3599)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--persist", action="store_true", help="write changes back to --state")
    p.add_argument("--routes", default=os.path.join(HERE, "routes.json"))
    p.add_argument("--fleet", type=int, default=0, metavar="N",
                   help="also serve N tenants made from one template (emu_fleet.py)")
    p.add_argument("--fleet-template", metavar="ID",
                   help="the template tenant's id (default: the first of --state)")
    p.add_argument("--fleet-vary", type=int, default=1, metavar="K",
                   help="objects each fleet tenant renames (default 1)")
    p.add_argument("--latency", type=float, default=0, metavar="MS",
                   help="added before every Graph and token answer, as a real service's")
    args = p.parse_args(argv)
    if args.fleet < 0 or args.fleet_vary < 0 or args.latency < 0:
        p.error("--fleet, --fleet-vary and --latency cannot be negative")
    if args.fleet and args.persist:
        p.error("--persist cannot write fleet tenants back: they have no folder of their own")
    return args


def write_port_file(path, port):
    tmp = "%s.tmp.%d" % (path, os.getpid())
    with open(tmp, "w") as f:
        f.write("%d\n" % port)
    os.replace(tmp, path)


def main(argv=None):
    args = parse_args(argv)
    ca_dir = args.ca_dir or tempfile.mkdtemp(prefix="graph-emulator-ca-")
    paths = emu_tls.ensure_ca(ca_dir)
    emulator = Emulator(args)
    server = Server((args.bind, 0), Handler)
    server.ssl_context = emu_tls.server_context(paths)
    server.emulator = emulator
    port = server.server_address[1]
    emulator.base_url = "https://%s:%d" % (args.bind, port)
    # The handler only appends to a list: an Event.set() there can deadlock when
    # the signal lands while this thread holds the Event's lock inside wait()
    # (seen: a SIGTERM'd emulator that never exited).
    stop = []
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.append(True))
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2},
                              daemon=True)
    thread.start()
    write_port_file(args.port_file, port)
    print("graph-emulator listening on %s ca=%s" % (emulator.base_url, paths["ca.pem"]),
          flush=True)
    while not stop:
        time.sleep(0.2)
    server.shutdown()
    server.server_close()
    try:
        os.unlink(args.port_file)
    except OSError:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
