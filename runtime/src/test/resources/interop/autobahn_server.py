"""An independent, strict server (Debian python3-autobahn, asyncio flavour) on 127.0.0.1 and a free port: echoes each
message and answers pings as the library does; protocol violations are answered with a Close (1002, 1007...) rather
than a dropped connection. One JSON line per event on stdout: listening (port), open, message, close."""
import asyncio
import json
import sys

from autobahn.asyncio.websocket import WebSocketServerFactory, WebSocketServerProtocol


def out(**kw):
    print(json.dumps(kw), flush=True)


class Echo(WebSocketServerProtocol):
    def onOpen(self):
        out(event="open")

    def onMessage(self, payload, isBinary):
        out(event="message", binary=isBinary, length=len(payload))
        self.sendMessage(payload, isBinary)

    def onClose(self, wasClean, code, reason):
        out(event="close", clean=wasClean, code=code, reason=reason)


async def main():
    factory = WebSocketServerFactory()
    factory.protocol = Echo
    factory.setProtocolOptions(failByDrop=False, perMessageCompressionAccept=lambda offers: None)
    server = await asyncio.get_running_loop().create_server(factory, "127.0.0.1", 0)
    out(event="listening", port=server.sockets[0].getsockname()[1])
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)  # until the test closes our stdin
    server.close()


asyncio.run(main())
