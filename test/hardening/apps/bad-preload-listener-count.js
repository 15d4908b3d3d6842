'use strict';
// A deliberately bad tracer for sensitivity.test.ts: it counts closes with a 'close' listener,
// so removeAllListeners() or a throwing listener before it hides the close, and CONNLEAK_FAIL
// style exit checks would see a leak. Here it makes the exit code 3 when a socket is unclosed.
const net = require('node:net');
const live = new Set();
const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function (...args) {
  live.add(this);
  this.once('close', () => live.delete(this));
  return connect.apply(this, args);
};
process.on('exit', (code) => {
  if (code === 0 && live.size > 0) process.exitCode = 3;
});
