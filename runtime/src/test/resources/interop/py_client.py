"""An independent client (Debian python3-websockets) run against the URL it is given: text and binary echo,
a ping whose pong must come back, fragmented text and binary messages, then a normal close.
One JSON line per result on stdout; the test asserts on them."""
import asyncio
import json
import sys

import websockets


def out(**kw):
    print(json.dumps(kw), flush=True)


async def main(url):
    async with websockets.connect(url, open_timeout=30, close_timeout=30, max_size=4 * 1024 * 1024) as ws:
        out(event="open", extensions=[type(e).__name__ for e in ws.extensions])
        await ws.send("hello from python")
        out(event="text", text=await asyncio.wait_for(ws.recv(), 30))
        await ws.send(bytes(range(256)))
        m = await asyncio.wait_for(ws.recv(), 30)
        out(event="binary", same=m == bytes(range(256)), type=type(m).__name__)

        pong = await ws.ping(b"py-ping")
        latency = await asyncio.wait_for(pong, 30)
        out(event="pong", ok=True, latency=latency)

        await ws.send(iter(["frag-1|", "frag-2|", "frag-3"]))  # one message in three frames
        out(event="fragmented-text", text=await asyncio.wait_for(ws.recv(), 30))
        chunks = [bytes([i]) * 70000 for i in range(3)]
        await ws.send(iter(chunks))
        m = await asyncio.wait_for(ws.recv(), 30)
        out(event="fragmented-binary", same=m == b"".join(chunks), length=len(m))

        await ws.close(1000, "py done")
        out(event="close", code=ws.close_code, reason=ws.close_reason)


asyncio.run(main(sys.argv[1]))
