// An independent, strict WebSocket client (npm ws) that runs one scenario against the URL it is given
// and prints one JSON line per result; the test asserts on them. Scenarios:
//   echo   text, binary and a 1 MiB binary echo; then asks the server to close with 4001
//   close  closes with 4002 "client says bye" and reports the server's answering Close
//   listen offers no subprotocol, prints every message it gets (event "text"/"binary") and the Close
'use strict';
const crypto = require('crypto');
const WebSocket = require('ws');

const [url, scenario] = process.argv.slice(2);
const out = (o) => process.stdout.write(JSON.stringify(o) + '\n');
const protocols = scenario === 'listen' ? [] : ['chat.v1', 'chat.v2'];
const ws = new WebSocket(url, protocols, { perMessageDeflate: true, maxPayload: 8 * 1024 * 1024, handshakeTimeout: 30000 });
const inbox = [];
let waiter = null;
ws.on('message', (data, isBinary) => {
  if (scenario === 'listen') {
    out({ event: isBinary ? 'binary' : 'text', text: data.toString('utf8') });
    return;
  }
  inbox.push({ data, isBinary });
  if (waiter) { const w = waiter; waiter = null; w(); }
});
const next = () => new Promise((resolve) => {
  if (inbox.length) { resolve(inbox.shift()); return; }
  waiter = () => resolve(inbox.shift());
});
const sha = (b) => crypto.createHash('sha256').update(b).digest('hex');
ws.on('error', (err) => out({ event: 'error', code: err.code || null, message: err.message }));
ws.on('close', (code, reason) => {
  out({ event: 'close', code, reason: reason.toString('utf8') });
});
ws.on('open', async () => {
  out({ event: 'open', protocol: ws.protocol, extensions: ws.extensions });
  if (scenario === 'echo') {
    ws.send('hello through wsroute');
    let m = await next();
    out({ event: 'text', binary: m.isBinary, text: m.data.toString('utf8') });

    const small = Buffer.from([0, 1, 2, 0x7f, 0x80, 0xfe, 0xff]);
    ws.send(small);
    m = await next();
    out({ event: 'binary', binary: m.isBinary, hex: m.data.toString('hex') });

    const big = crypto.randomBytes(1024 * 1024);
    ws.send(big);
    m = await next();
    out({ event: 'big', binary: m.isBinary, length: m.data.length, same: sha(m.data) === sha(big) });

    ws.send('close-4001');
  } else if (scenario === 'close') {
    ws.close(4002, 'client says bye');
  }
});
