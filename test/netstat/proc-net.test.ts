import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { parseLimits } from '../../src/runtime/config';
import { clientConnections, summarizeDestinations } from '../../src/netstat/destinations';
import { formatIpv6Groups, parseProcNetTcp, ProcNetUnavailableError, readTcpConnections, socketOwners, type TcpConnection } from '../../src/netstat/proc-net';

// Lines as this machine's kernel printed them (x86-64, little-endian words).
const tcp4 = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
  50: 0100007F:DECA 0100007F:8C63 01 00000000:00000000 00:00000000 00000000     0        0 157153 2 000000001202045f 20 0 0 10 -1
10000: 0500000A:9C40 0700000A:0885 06 00000000:00000000 03:00000F5A 00000000  1000        0 0 3 0000000000000000
`;
const tcp6 = `  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000000000000:8C63 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 157152 1 00000000e4836466 100 0 0 10 0
   2: 00000000000000000000000001000000:969C 00000000000000000000000001000000:8C63 01 00000000:00000000 00:00000000 00000000     0        0 157154 2 000000003307642e 20 0 0 10 -1
   4: 0000000000000000FFFF00000100007F:8C63 0000000000000000FFFF00000100007F:DECA 01 00000000:00000000 00:00000000 00000000     0        0 157155 1 000000004be33870 20 0 0 10 -1
   5: B80D0120000000000000000001000000:A000 B80D0120000000000000000002000000:1F90 08 00000000:00000000 00:00000000 00000000   104        0 99 1 0000000000000000 20 0 0 10 -1
`;

describe('parseProcNetTcp', () => {
  test('decodes IPv4 words, hex ports, state, uid and inode', () => {
    assert.deepEqual(parseProcNetTcp(tcp4, 4), [
      { family: 4, localAddress: '127.0.0.1', localPort: 0xdeca, remoteAddress: '127.0.0.1', remotePort: 0x8c63, state: 'ESTABLISHED', uid: 0, inode: 157153 },
      // A five-digit slot number shifts every later column; TIME_WAIT sockets have inode 0.
      { family: 4, localAddress: '10.0.0.5', localPort: 40000, remoteAddress: '10.0.0.7', remotePort: 2181, state: 'TIME_WAIT', uid: 1000, inode: 0 },
    ]);
  });

  test('decodes IPv6, shows IPv4-mapped addresses as IPv4, compresses zero runs', () => {
    const parsed = parseProcNetTcp(tcp6, 6);
    assert.deepEqual(
      parsed.map((c) => [c.localAddress, c.localPort, c.remoteAddress, c.remotePort, c.state, c.uid, c.inode]),
      [
        ['::', 0x8c63, '::', 0, 'LISTEN', 0, 157152],
        ['::1', 0x969c, '::1', 0x8c63, 'ESTABLISHED', 0, 157154],
        ['127.0.0.1', 0x8c63, '127.0.0.1', 0xdeca, 'ESTABLISHED', 0, 157155],
        ['2001:db8::1', 0xa000, '2001:db8::2', 8080, 'CLOSE_WAIT', 104, 99],
      ],
    );
    assert.ok(parsed.every((c) => c.family === 6));
  });

  test('drops a line the kernel repeated while the table changed under the read', () => {
    const [header, first, second] = tcp4.split('\n');
    const repeated = [header, first, first, second, second, ''].join('\n');
    assert.deepEqual(parseProcNetTcp(repeated, 4), parseProcNetTcp(tcp4, 4));
  });

  test('with a remote port, keeps only connections to it and the listening sockets', () => {
    assert.deepEqual(parseProcNetTcp(tcp4, 4, [], 2181).map((c) => c.remotePort), [2181]);
    assert.deepEqual(parseProcNetTcp(tcp6, 6, [], 8080).map((c) => [c.state, c.remotePort]), [
      ['LISTEN', 0],
      ['CLOSE_WAIT', 8080],
    ]);
  });

  test('formats IPv6 groups as RFC 5952 says', () => {
    assert.equal(formatIpv6Groups([0, 0, 0, 0, 0, 0, 0, 1]), '::1');
    assert.equal(formatIpv6Groups([0x2001, 0xdb8, 0, 0, 1, 0, 0, 1]), '2001:db8::1:0:0:1');
    assert.equal(formatIpv6Groups([0x2001, 0xdb8, 0, 1, 1, 1, 1, 1]), '2001:db8:0:1:1:1:1:1');
    assert.equal(formatIpv6Groups([0xfe80, 0, 0, 0, 0xabcd, 0, 0, 0]), 'fe80::abcd:0:0:0');
  });
});

describe('readTcpConnections and socketOwners on a procfs copy', () => {
  test('a missing /proc/net/tcp is ProcNetUnavailableError; a missing tcp6 is fine', () => {
    const root = mkdtempSync(path.join(tmpdir(), 'connleak-proc-'));
    try {
      assert.throws(() => readTcpConnections({ procRoot: root }), ProcNetUnavailableError);
      mkdirSync(path.join(root, 'net'));
      writeFileSync(path.join(root, 'net/tcp'), tcp4);
      assert.equal(readTcpConnections({ procRoot: root }).length, 2);
      // No process directories: no owners, no error.
      assert.equal(socketOwners([157153], { procRoot: root }).size, 0);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('summarizeDestinations', () => {
  const connection = (remoteAddress: string, remotePort: number, state: TcpConnection['state'], inode: number, localPort = 50000): TcpConnection => ({
    family: 4,
    localAddress: '10.0.0.5',
    localPort,
    remoteAddress,
    remotePort,
    state,
    uid: 0,
    inode,
  });

  test('counts ESTABLISHED as live, other states apart, and attaches the catalog setting', () => {
    const connections = [
      ...Array.from({ length: 50 }, (_, i) => connection('10.0.0.7', 2181, 'ESTABLISHED', 1000 + i, 40000 + i)),
      connection('10.0.0.7', 2181, 'CLOSE_WAIT', 2000, 45000),
      connection('10.0.0.7', 2181, 'TIME_WAIT', 0, 45001),
      connection('10.0.0.8', 6379, 'ESTABLISHED', 3000),
    ];
    const owners = new Map(Array.from({ length: 40 }, (_, i) => [1000 + i, { pid: 42, command: 'node app.js' }] as const));
    owners.set(2000, { pid: 42, command: 'node app.js' });
    const [zookeeper, redis] = summarizeDestinations(clientConnections(connections, {}, { ephemeralPorts: [32768, 60999] }), {
      limits: parseLimits('*:2181=60'),
      warnAt: 0.8,
      owners,
    });
    assert.deepEqual(zookeeper, {
      destination: '10.0.0.7:2181',
      host: '10.0.0.7',
      port: 2181,
      live: 50,
      states: { CLOSE_WAIT: 1, TIME_WAIT: 1 },
      limit: { max: 60, warnThreshold: 48, rule: '*:2181=60', setting: 'maxClientCnxns', serverName: 'ZooKeeper', scope: 'per-client-ip' },
      share: 50 / 60,
      status: 'near',
      processes: [{ pid: 42, command: 'node app.js', live: 40, other: 1 }],
      unownedLive: 10,
    });
    assert.equal(redis!.status, 'ok');
    assert.equal(redis!.limit, undefined);
  });

  test('leaves out connections accepted by a listener here, and orphaned server sides', () => {
    const listener: TcpConnection = { ...connection('0.0.0.0', 0, 'LISTEN', 1), localAddress: '0.0.0.0', localPort: 2181 };
    const accepted = { ...connection('10.0.0.9', 51000, 'ESTABLISHED', 2), localPort: 2181 };
    // Its listener gone: a fixed local port, an ephemeral remote one.
    const orphan = { ...connection('10.0.0.9', 51001, 'TIME_WAIT', 0), localPort: 5432 };
    const outgoing = connection('10.0.0.9', 2181, 'ESTABLISHED', 3, 51002);
    assert.deepEqual(clientConnections([listener, accepted, orphan, outgoing], {}, { ephemeralPorts: [32768, 60999] }), [outgoing]);
  });
});
