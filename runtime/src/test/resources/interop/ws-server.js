// An independent, strict WebSocket server (npm ws): echoes every message with its type, offers
// permessage-deflate (compressing every message, so RSV1 frames cross the proxy), selects subprotocol
// chat.v2 when offered, and closes with 4001 when a client sends "close-4001". One JSON line per event
// on stdout: listening (port), open, message, close (code/reason it received), error (ws's error code).
'use strict';
const { WebSocketServer } = require('ws');

const out = (o) => process.stdout.write(JSON.stringify(o) + '\n');
const wss = new WebSocketServer({
  host: '127.0.0.1',
  port: 0,
  perMessageDeflate: { threshold: 0 },
  maxPayload: 8 * 1024 * 1024,
  handleProtocols: (protocols) => (protocols.has('chat.v2') ? 'chat.v2' : false),
});
let next = 0;
wss.on('listening', () => out({ event: 'listening', port: wss.address().port }));
wss.on('connection', (ws, req) => {
  const id = ++next;
  out({ event: 'open', id, path: req.url, protocol: ws.protocol, extensions: ws.extensions,
    offeredExtensions: req.headers['sec-websocket-extensions'] || null });
  ws.on('message', (data, isBinary) => {
    const text = isBinary ? null : data.toString('utf8');
    out({ event: 'message', id, binary: isBinary, length: data.length, text: text !== null && text.length <= 200 ? text : null });
    if (text === 'close-4001') {
      ws.close(4001, 'server says bye');
    } else {
      ws.send(data, { binary: isBinary });
    }
  });
  ws.on('ping', (data) => out({ event: 'ping', id, data: data.toString('utf8') }));
  ws.on('close', (code, reason) => out({ event: 'close', id, code, reason: reason.toString('utf8') }));
  ws.on('error', (err) => out({ event: 'error', id, code: err.code || null, message: err.message }));
});
process.stdin.on('end', () => process.exit(0)); // the test closes our stdin (or kills us) when done
process.stdin.resume();
