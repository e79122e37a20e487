#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""SMTP sink for the re6st end-to-end tests (registry-protocol.md §6.2).

A real aiosmtpd Controller listening on 127.0.0.1 with an ephemeral port.
The port is printed alone on the first line of stdout (flushed) once the
server accepts connections. Every received message is written to
<dir>/msg-<n>.eml and appended to <dir>/mbox; one line per delivery is
appended to <dir>/deliveries.log:
    tls=<0|1> auth=<login or -> from=<envelope sender> to=<rcpt,...> file=msg-<n>.eml

Options:
    --dir DIR           where messages go (required, created if missing)
    --port N            listen on this port instead of an ephemeral one
    --starttls          offer STARTTLS with a fresh self-signed certificate
                        (CN/SAN 127.0.0.1, written to DIR/tls.crt, DIR/tls.key)
                        and require it before MAIL
    --user U --password P
                        require AUTH (LOGIN or PLAIN) with these credentials;
                        failed attempts are recorded in DIR/auth-failures.log

Stopped by SIGTERM (the tests kill it by PID). Run with /usr/bin/python3:
Debian's aiosmtpd only imports there.
"""
import argparse
import asyncio
import os
import signal
import socket
import ssl
import subprocess
import sys
import threading

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


class Sink:
    def __init__(self, directory):
        self.directory = directory
        self.count = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.count += 1
            name = "msg-%d.eml" % self.count
            data = envelope.original_content or envelope.content
            if isinstance(data, str):
                data = data.encode("utf-8", "surrogateescape")
            tmp = os.path.join(self.directory, name + ".tmp")
            with open(tmp, "wb") as f:
                f.write(data)
            os.rename(tmp, os.path.join(self.directory, name))
            with open(os.path.join(self.directory, "mbox"), "ab") as f:
                f.write(b"From MAILER-DAEMON Thu Jan  1 00:00:00 1970\n")
                for line in data.replace(b"\r\n", b"\n").split(b"\n"):
                    if line.startswith(b"From "):
                        line = b">" + line
                    f.write(line + b"\n")
                f.write(b"\n")
            login = "-"
            if session.auth_data is not None:
                auth = session.auth_data
                if isinstance(auth, LoginPassword):
                    login = auth.login.decode("utf-8", "replace")
                else:
                    login = str(auth)
            line = "tls=%d auth=%s from=%s to=%s file=%s\n" % (
                1 if session.ssl is not None else 0,
                login,
                envelope.mail_from,
                ",".join(envelope.rcpt_tos),
                name,
            )
            # The log line is written last: a test that sees it can read the file.
            with open(os.path.join(self.directory, "deliveries.log"), "a") as f:
                f.write(line)
        return "250 Message accepted for delivery"


def make_authenticator(directory, user, password):
    def authenticator(server, session, envelope, mechanism, auth_data):
        if (isinstance(auth_data, LoginPassword)
                and auth_data.login == user.encode()
                and auth_data.password == password.encode()):
            return AuthResult(success=True, auth_data=auth_data)
        with open(os.path.join(directory, "auth-failures.log"), "a") as f:
            f.write("mechanism=%s\n" % mechanism)
        return AuthResult(success=False, handled=False)
    return authenticator


def self_signed(directory):
    crt = os.path.join(directory, "tls.crt")
    key = os.path.join(directory, "tls.key")
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", key, "-out", crt],
        check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(crt, key)
    return context


def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dir", required=True)
    parser.add_argument("--port", type=int, default=0, help="fixed port (default: ephemeral)")
    parser.add_argument("--starttls", action="store_true")
    parser.add_argument("--user")
    parser.add_argument("--password", default="")
    args = parser.parse_args()
    os.makedirs(args.dir, exist_ok=True)

    kwargs = {}
    if args.starttls:
        kwargs["tls_context"] = self_signed(args.dir)
        kwargs["require_starttls"] = True
    if args.user:
        kwargs["authenticator"] = make_authenticator(args.dir, args.user, args.password)
        kwargs["auth_required"] = True
        # Without STARTTLS, AUTH must still be possible on the clear channel.
        kwargs["auth_require_tls"] = bool(args.starttls)

    controller = None
    last_error = None
    # Controller needs a concrete port (it connects to it to check readiness):
    # pick an ephemeral one, retry if someone grabbed it in between.
    for _ in range(20):
        port = args.port or free_port()
        controller = Controller(Sink(args.dir), hostname="127.0.0.1", port=port, **kwargs)
        try:
            controller.start()
            break
        except Exception as e:  # port raced away: try another one
            last_error = e
            controller = None
    if controller is None:
        print("cannot start SMTP sink: %s" % last_error, file=sys.stderr)
        return 1

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    sys.stdout.write("%d\n" % controller.port)
    sys.stdout.flush()
    while not stop.wait(0.5):
        pass
    controller.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
