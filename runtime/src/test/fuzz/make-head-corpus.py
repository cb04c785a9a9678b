#!/usr/bin/env python3
"""Writes the seed corpus of hostile WebSocket upgrade heads (one file each, raw bytes).

Every seed is a valid upgrade head with one defect, so the proxy must never answer any of them with 101.
Used by RequestHeadFuzzTest (Jazzer's regression inputs) and HostileHeadCorpusTest (through the real proxy).
Run from the repository root: python3 runtime/src/test/fuzz/make-head-corpus.py
"""
import os
import shutil

OUT = "runtime/src/test/resources/dev/wsroute/http/RequestHeadFuzzTestInputs/decoderNeverCrashes"
KEY = "dGhlIHNhbXBsZSBub25jZQ=="


def head(request_line="GET /ws HTTP/1.1", fields=None, eol="\r\n"):
    if fields is None:
        fields = base_fields()
    return request_line + eol + "".join(f + eol for f in fields) + eol


def base_fields(host="Host: ws.test", key="Sec-WebSocket-Key: " + KEY, version="Sec-WebSocket-Version: 13"):
    return [f for f in [host, "Upgrade: websocket", "Connection: Upgrade", key, version] if f is not None]


seeds = {}


def add(name, text):
    data = text if isinstance(text, bytes) else text.encode("latin-1")
    assert name not in seeds, name
    seeds[name] = data


# request line
for c in list(range(0x00, 0x20)) + [0x7F]:
    add("method-ctl-%02x" % c, head("G%sET /ws HTTP/1.1" % chr(c)))
for m in ["POST", "PUT", "HEAD", "get", "OPTIONS", "DELETE", "G ET", "GET\x80", "\xffGET"]:
    add("method-" + m.encode("latin-1").hex(), head("%s /ws HTTP/1.1" % m))
for v in ["HTTP/0.9", "HTTP/1.0", "HTTP/2.0", "HTTP/3.0", "HTTP/9.9", "http/1.1", "Http/1.1", "HTTP/1.1 ", "HTTP/1",
          "HTTP/1.1.1", "HTTP /1.1", "HTTP/11", "HTTP/1.01", "HTTP/1.x", "HTTPS/1.1", "HTTP/1.1\t", "", "HTTP/\u00b9.1"]:
    add("version-" + v.encode("latin-1").hex(), head("GET /ws " + v if v else "GET /ws"))
for name, line in [("leading-space", " GET /ws HTTP/1.1"), ("leading-tab", "\tGET /ws HTTP/1.1"),
                   ("two-spaces-after-method", "GET  /ws HTTP/1.1"), ("two-spaces-before-version", "GET /ws  HTTP/1.1"),
                   ("tab-separators", "GET\t/ws\tHTTP/1.1"), ("no-target", "GET HTTP/1.1"), ("trailing-spaces", "GET /ws HTTP/1.1  "),
                   ("target-with-space", "GET /w s HTTP/1.1"), ("only-method", "GET")]:
    add("line-" + name, head(line))
# Host
host_cases = {
    "missing": None, "empty": "Host:", "empty-space": "Host: ", "space": "Host: ws .test", "userinfo": "Host: u@ws.test",
    "userinfo-pass": "Host: u:p@ws.test", "list": "Host: ws.test, other.test", "list-nospace": "Host: ws.test,other.test",
    "latin1": "Host: w\xe9.test", "utf8": "Host: w\xc3\xa9.test", "port-99999": "Host: ws.test:99999", "port-0": "Host: ws.test:0",
    "port-neg": "Host: ws.test:-1", "port-alpha": "Host: ws.test:8o", "port-empty": "Host: ws.test:", "port-two": "Host: ws.test:80:80",
    "port-plus": "Host: ws.test:+80", "v6-open": "Host: [::1", "v6-junk": "Host: [::g]", "slash": "Host: ws.test/x",
    "backslash": "Host: ws.test\\x", "question": "Host: ws.test?x", "hash": "Host: ws.test#x", "star": "Host: *.test",
    "percent": "Host: %77s.test", "tab-inside": "Host: ws\t.test", "nul": "Host: ws\x00.test", "long": "Host: " + "a" * 300,
    "semicolon": "Host: ws.test;x", "quote": "Host: \"ws.test\"",
}
for name, h in host_cases.items():
    add("host-" + name, head(fields=base_fields(host=h)))
add("host-duplicate-same", head(fields=base_fields() + ["Host: ws.test"]))
add("host-duplicate-other", head(fields=base_fields() + ["host: other.test"]))
add("host-absolute-form-other", head("GET http://evil.test/ws HTTP/1.1"))
add("host-absolute-form-userinfo", head("GET http://u@ws.test/ws HTTP/1.1"))
add("host-absolute-form-ftp", head("GET ftp://ws.test/ws HTTP/1.1"))
# obs-fold and whitespace before the colon
for i, f in enumerate(base_fields()):
    name = f.split(":")[0]
    for ws, wname in [(" ", "sp"), ("\t", "tab")]:
        fields = base_fields()
        fields[i] = f + "\r\n" + ws + "x"
        add("obsfold-%s-%s" % (name, wname), head(fields=fields))
        fields = base_fields()
        fields[i] = name + ws + ":" + f[len(name) + 1:]
        add("ws-before-colon-%s-%s" % (name, wname), head(fields=fields))
# control characters in a field value and a field name
for c in [c for c in range(0x00, 0x20) if c not in (0x09,)] + [0x7F]:
    add("value-ctl-%02x" % c, head(fields=base_fields() + ["X-Custom: a%sb" % chr(c)]))
for c in [0x00, 0x01, 0x20, 0x22, 0x28, 0x2c, 0x2f, 0x3b, 0x40, 0x5b, 0x7b, 0x7f, 0x80, 0xff]:
    add("name-char-%02x" % c, head(fields=base_fields() + ["X-C%sx: v" % chr(c)]))
# line endings
add("eol-bare-lf-everywhere", head(eol="\n"))
add("eol-bare-cr-everywhere", head(eol="\r"))
lines = ["GET /ws HTTP/1.1"] + base_fields()
for i in range(len(lines)):
    for eol, ename in [("\n", "lf"), ("\r", "cr"), ("\r\r\n", "crcr")]:
        text = "".join(l + (eol if j == i else "\r\n") for j, l in enumerate(lines)) + "\r\n"
        add("eol-bare-%s-line%d" % (ename, i), text)
add("eol-final-bare-lf", "".join(l + "\r\n" for l in lines) + "\n")
# Sec-WebSocket-Key / -Version
for name, k in {"missing": None, "empty": "Sec-WebSocket-Key:", "15-bytes": "Sec-WebSocket-Key: AAAAAAAAAAAAAAAAAAAA",
                "17-bytes": "Sec-WebSocket-Key: AAAAAAAAAAAAAAAAAAAAAAA=", "not-base64": "Sec-WebSocket-Key: !!!!!!!!!!!!!!!!!!!!!!==",
                "no-padding": "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ", "inner-space": "Sec-WebSocket-Key: dGhlIHNhbXBs ZSBub25jZQ==",
                "url-safe": "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ-_", "list": "Sec-WebSocket-Key: %s, %s" % (KEY, KEY)}.items():
    add("key-" + name, head(fields=base_fields(key=k)))
add("key-duplicate", head(fields=base_fields() + ["Sec-WebSocket-Key: " + KEY]))
for name, v in {"missing": None, "8": "Sec-WebSocket-Version: 8", "14": "Sec-WebSocket-Version: 14", "list": "Sec-WebSocket-Version: 13, 8",
                "empty": "Sec-WebSocket-Version:", "013": "Sec-WebSocket-Version: 013"}.items():
    add("version-header-" + name, head(fields=base_fields(version=v)))
add("version-header-duplicate", head(fields=base_fields() + ["Sec-WebSocket-Version: 13"]))
add("upgrade-duplicate", head(fields=base_fields() + ["Upgrade: websocket"]))
# paths
for name, t in {"nul": "/ws%00", "bad-escape": "/ws%zz", "short-escape": "/ws%4", "enc-slash": "/ws%2Fx", "enc-backslash": "/ws%5cx",
                "overlong-dot": "/%c0%ae%c0%ae/ws", "overlong-slash": "/ws%c0%afx", "surrogate": "/ws%ed%a0%80", "backslash": "/ws\\x",
                "fragment": "/ws#x", "latin1": "/ws\xe9", "utf8-raw": "/ws\xc3\xa9", "star": "*", "relative": "ws", "empty-query-escape": "/ws?%",
                "query-fragment": "/ws?a#b", "quote": "/ws\"x", "lt": "/ws<x", "brace": "/ws{x}", "pipe": "/ws|x", "caret": "/ws^x",
                "backtick": "/ws`x", "authority-form": "ws.test:80", "double-slash-authority": "//ws.test/ws"}.items():
    add("path-" + name, head("GET %s HTTP/1.1" % t))
# framing on an upgrade
add("body-content-length", head(fields=base_fields() + ["Content-Length: 5"]) + "hello")
add("body-chunked", head(fields=base_fields() + ["Transfer-Encoding: chunked"]) + "5\r\nhello\r\n0\r\n\r\n")
add("body-cl-te", head(fields=base_fields() + ["Content-Length: 5", "Transfer-Encoding: chunked"]) + "0\r\n\r\n")
add("body-xchunked", head(fields=base_fields() + ["Transfer-Encoding: xchunked"]))
add("body-cl-list", head(fields=base_fields() + ["Content-Length: 0, 0"]))
add("body-cl-duplicate", head(fields=base_fields() + ["Content-Length: 0", "Content-Length: 0"]))
add("expect-other", head(fields=base_fields() + ["Expect: 200-ok"]))
# sizes
add("leading-empty-lines-5", "\r\n" * 5 + head())
add("leading-empty-lines-5000", "\r\n" * 5000 + head())
add("leading-bare-lf", "\n" + head())
add("target-9000", head("GET /ws?" + "a" * 9000 + " HTTP/1.1"))
add("field-17k", head(fields=base_fields() + ["X-Big: " + "b" * 17000]))
add("fields-101", head(fields=base_fields() + ["X-N: %d" % i for i in range(101)]))

if os.path.isdir(OUT):
    shutil.rmtree(OUT)
os.makedirs(OUT)
for name, data in seeds.items():
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)
print("%d seeds in %s" % (len(seeds), OUT))
