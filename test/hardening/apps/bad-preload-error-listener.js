'use strict';
// A deliberately bad tracer for sensitivity.test.ts: it listens for 'error' on every socket,
// which swallows the error of a socket the app left without a listener.
const net = require('node:net');
const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function (...args) {
  this.on('error', () => {});
  return connect.apply(this, args);
};
