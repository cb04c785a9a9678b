# A TLS client that comes back: python3's ssl (OpenSSL) visits FIRST, then SECOND offering the session it got, and
# prints the version and whether each visit resumed a session (its own view).
# usage: tls_resume.py PORT CAFILE FIRST_HOST SECOND_HOST 1.2|1.3
import socket
import ssl
import sys

port, cafile, first, second, version = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.load_verify_locations(cafile)
ctx.minimum_version = ctx.maximum_version = ssl.TLSVersion.TLSv1_3 if version == "1.3" else ssl.TLSVersion.TLSv1_2


def visit(host, session=None):
    with socket.create_connection(("127.0.0.1", port), timeout=30) as raw:
        with ctx.wrap_socket(raw, server_hostname=host, session=session) as s:
            s.sendall(b"GET / HTTP/1.1\r\nHost: " + host.encode() + b"\r\nConnection: close\r\n\r\n")
            while s.recv(4096):  # the answer, and over TLS 1.3 the session tickets that follow the handshake
                pass
            return s.session, s.session_reused, s.version()


session, reused, got = visit(first)
_, reused_again, got_again = visit(second, session)
print(got, reused, got_again, reused_again)
