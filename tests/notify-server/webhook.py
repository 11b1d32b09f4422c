#!/usr/bin/env python3
"""A webhook receiver for the notification tests: HTTPS with the Graph
emulator's throwaway CA (tests/graph-emulator/emu_tls.py), on a random local
port. Every POST is appended to --log as one JSON line (path, content type,
body), except those it was told to refuse.

Behaviour is read from --control before each request (so a test changes it
between runs without restarting the server):
    (empty or missing)  answer 200
    fail N STATUS       answer STATUS to the next N requests (then 200)
    hang                never answer (the client's timeout must end it)
"""
import argparse
import http.server
import json
import os
import socketserver
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                                "graph-emulator"))
import emu_tls  # noqa: E402

LOCK = threading.Lock()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 60

    def log_message(self, *args):
        pass

    def control(self):
        """The answer for this request, consuming one 'fail N' count."""
        path = self.server.control
        with LOCK:
            try:
                with open(path) as f:
                    words = f.read().split()
            except FileNotFoundError:
                words = []
            if words[:1] == ["hang"]:
                return "hang"
            if words[:1] == ["fail"] and int(words[1]) > 0:
                left = int(words[1]) - 1
                with open(path, "w") as f:
                    f.write("fail %d %s\n" % (left, words[2]) if left else "")
                return int(words[2])
            return 200

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        answer = self.control()
        if answer == "hang":
            time.sleep(30)
            return
        record = {"path": self.path, "status": answer,
                  "contentType": self.headers.get("Content-Type"),
                  "body": json.loads(body)}
        with LOCK, open(self.server.log, "a") as f:
            f.write(json.dumps(record, sort_keys=True) + "\n")
        self.send_response(answer)
        self.send_header("Content-Length", "0")
        self.end_headers()


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True

    def finish_request(self, request, client_address):
        try:
            tls = self.ssl_context.wrap_socket(request, server_side=True)
        except OSError:
            return
        try:
            self.RequestHandlerClass(tls, client_address, self)
        except OSError:
            pass
        finally:
            tls.close()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--ca-dir", required=True)
    p.add_argument("--port-file", required=True)
    p.add_argument("--log", required=True)
    p.add_argument("--control", required=True)
    a = p.parse_args()
    server = Server(("127.0.0.1", 0), Handler)
    server.ssl_context = emu_tls.server_context(emu_tls.ensure_ca(a.ca_dir))
    server.log, server.control = a.log, a.control
    open(a.log, "a").close()
    tmp = a.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(server.server_address[1]))
    os.replace(tmp, a.port_file)
    server.serve_forever()


if __name__ == "__main__":
    main()
