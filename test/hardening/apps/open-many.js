'use strict';
// The load driver (test/hardening/load.test.ts): opens COUNT connections to each of the given
// hosts on PORT (a sink-server.js listens there), holds them all open at once, then closes them.
// Prints `{"open":N}` once all are connected and `{"closed":N}` at the end.
//   node [-r register] open-many.js HOST[,HOST…] PORT COUNT
const net = require('node:net');

const hosts = process.argv[2].split(',');
const port = Number(process.argv[3]);
const count = Number(process.argv[4]);
// Connects in waves, so the server's accept queue never overflows into SYN retries.
const wave = 500;

function open(host) {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, host);
    socket.once('error', reject);
    socket.once('connect', () => resolve(socket));
  });
}

async function main() {
  const targets = [];
  for (const host of hosts) for (let i = 0; i < count; i++) targets.push(host);
  const sockets = [];
  for (let start = 0; start < targets.length; start += wave) {
    sockets.push(...(await Promise.all(targets.slice(start, start + wave).map(open))));
  }
  process.stdout.write(`${JSON.stringify({ open: sockets.length })}\n`);
  await Promise.all(sockets.map((socket) => new Promise((resolve) => {
    socket.once('close', resolve);
    socket.destroy();
  })));
  process.stdout.write(`${JSON.stringify({ closed: sockets.length })}\n`);
}

main().catch((error) => {
  process.stderr.write(`open-many: ${error.message}\n`);
  process.exit(1);
});
