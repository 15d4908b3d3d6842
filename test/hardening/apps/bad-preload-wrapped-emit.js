'use strict';
// A deliberately bad tracer for sensitivity.test.ts: it wraps Socket#emit to watch events, which
// adds a frame to the stack of every exception thrown from a socket listener.
const net = require('node:net');
const emit = net.Socket.prototype.emit;
net.Socket.prototype.emit = function watchedEmit(...args) {
  return emit.apply(this, args);
};
