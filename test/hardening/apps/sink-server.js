'use strict';
// A loopback server in a process of its own, for the memory, load and bench drivers: it listens
// on every address given (all on one port), accepts and holds every connection until the client
// ends it, and prints `{"port":N}` when ready. It exits when its stdin closes, so it never
// outlives the test that started it. Its own descriptors do not count against the client's.
//   node sink-server.js 127.0.0.1[,127.0.1.1,…] [PORT]
const net = require('node:net');

const hosts = (process.argv[2] || '127.0.0.1').split(',');
let port = Number(process.argv[3] || 0);

function onConnection(socket) {
  socket.on('error', () => {});
  socket.on('end', () => socket.end());
}

function listenOn(host, wanted) {
  return new Promise((resolve, reject) => {
    const server = net.createServer(onConnection);
    server.once('error', reject);
    // A deep backlog: the drivers open thousands of connections at once.
    server.listen({ host, port: wanted, backlog: 4096 }, () => resolve(server.address().port));
  });
}

async function main() {
  port = await listenOn(hosts[0], port);
  for (const host of hosts.slice(1)) await listenOn(host, port);
  process.stdout.write(`${JSON.stringify({ port })}\n`);
  process.stdin.resume();
  process.stdin.on('end', () => process.exit(0));
  process.stdin.on('error', () => process.exit(0));
}

main().catch((error) => {
  process.stderr.write(`sink-server: ${error.message}\n`);
  process.exit(1);
});
