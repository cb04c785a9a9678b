"""An independent server (Debian python3-websockets) on 127.0.0.1 and a free port: echoes each message
(reassembled from its fragments) and answers pings with pongs as the library does. One JSON line per event
on stdout: listening (port), open, message, close; exits when its stdin closes."""
import asyncio
import json
import sys

import websockets


def out(**kw):
    print(json.dumps(kw), flush=True)


async def handler(ws, path=None):
    out(event="open", path=path if path is not None else ws.path)
    try:
        async for m in ws:
            if isinstance(m, str):
                out(event="message", binary=False, length=len(m), text=m if len(m) <= 200 else None)
            else:
                out(event="message", binary=True, length=len(m))
            await ws.send(m)
    except websockets.ConnectionClosed:
        pass
    out(event="close", code=ws.close_code, reason=ws.close_reason)


async def main():
    async with websockets.serve(handler, "127.0.0.1", 0, max_size=4 * 1024 * 1024) as server:
        port = next(iter(server.sockets)).getsockname()[1]
        out(event="listening", port=port)
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, sys.stdin.read)  # until the test closes our stdin


asyncio.run(main())
