'use strict';
// A deliberately bad tracer for sensitivity.test.ts: it listens for 'data' (to see whether a
// socket received anything), which puts every socket in flowing mode and loses data the app
// meant to read later.
const net = require('node:net');
const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function (...args) {
  this.on('data', () => {});
  return connect.apply(this, args);
};
