'use strict';
// The memory driver (test/hardening/memory.test.ts, run under the preload with --expose-gc).
// Prints one JSON line per measurement: heapUsed after forced garbage collections.
//   node --expose-gc [-r register] churn.js cycles TOTAL WARM     connect/close TOTAL times
//   node --expose-gc [-r register] churn.js held COUNT HOST PORT  hold COUNT open, then close
//   node --expose-gc [-r register] churn.js sites COUNT           COUNT distinct creation sites
const net = require('node:net');
const vm = require('node:vm');

async function settledHeap() {
  // Several rounds: a collection can leave work to finalizers and weak callbacks that run in
  // between, and a socket's native handle is released only after its JS object goes.
  for (let i = 0; i < 4; i++) {
    global.gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
  return process.memoryUsage().heapUsed;
}

function report(fields) {
  process.stdout.write(`${JSON.stringify(fields)}\n`);
}

function startServer() {
  const server = net.createServer((socket) => {
    socket.on('error', () => {});
    socket.on('end', () => socket.end());
  });
  // CHURN_PORT: the port the test set a limit on, so the preload's limited path is the one measured.
  return new Promise((resolve) => server.listen(Number(process.env.CHURN_PORT || 0), '127.0.0.1', () => resolve(server)));
}

function connectAndClose(port, connect = net.connect) {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => socket.destroy());
    socket.once('error', reject);
    socket.once('close', resolve);
  });
}

async function cycles(total, warm) {
  const server = await startServer();
  const { port } = server.address();
  for (let done = 0; done < total; ) {
    await connectAndClose(port);
    done++;
    if (done === warm || done === total || done % 10000 === 0) report({ cycles: done, heapUsed: await settledHeap() });
  }
  server.close();
}

async function held(count, host, port) {
  const before = await settledHeap();
  const sockets = [];
  const pending = [];
  for (let i = 0; i < count; i++) {
    const socket = net.connect(port, host);
    socket.on('error', (error) => {
      process.stderr.write(`churn: ${error.message}\n`);
      process.exit(3);
    });
    pending.push(new Promise((resolve) => socket.once('connect', resolve)));
    sockets.push(socket);
  }
  await Promise.all(pending);
  const open = await settledHeap();
  await Promise.all(sockets.map((socket) => new Promise((resolve) => {
    socket.once('close', resolve);
    socket.destroy();
  })));
  sockets.length = 0;
  pending.length = 0;
  report({ count, before, open, after: await settledHeap() });
}

async function sites(count) {
  const server = await startServer();
  const { port } = server.address();
  const before = await settledHeap();
  for (let i = 0; i < count; i++) {
    // A distinct script per site, as a large program or code generated at run time has: each
    // has its own file name, so each connect has its own creation site.
    const connect = vm.runInThisContext(`(function connectFromSite${i}(net, port, host) {\n  return net.connect(port, host);\n})`, { filename: `/generated/site-${i}.js` });
    await connectAndClose(port, (p, host) => connect(net, p, host));
  }
  report({ count, before, after: await settledHeap() });
  server.close();
}

const [mode, ...args] = process.argv.slice(2);
const run = { cycles: () => cycles(Number(args[0]), Number(args[1])), held: () => held(Number(args[0]), args[1], Number(args[2])), sites: () => sites(Number(args[0])) }[mode];
if (!run) {
  process.stderr.write('usage: churn.js cycles TOTAL WARM | held COUNT HOST PORT | sites COUNT\n');
  process.exit(2);
}
run().catch((error) => {
  process.stderr.write(`churn: ${error.stack}\n`);
  process.exit(1);
});
