"""GATT ReadValue/WriteValue over D-Bus, side by side: pressod vs BlueZ's Python
example-gatt-server vs bless vs a bare libdbus C service (the bus's limit).

One private dbus-daemon; the BlueZ double plays bluetoothd (each peer registers its application
with it exactly as with BlueZ; the C service does not register: it is the limit). Then a C client
on libdbus (gatt-client.c) calls each peer's characteristic directly by the peer's unique name,
with the options bluetoothd passes (device, link, mtu), CALLS sequential calls per run: ReadValue,
WriteValue of one value again and again, and WriteValue alternating two values (60 and 61 mmHg for
pressod's Pressure), since a write that changes the setting does more than one that does not. Every
process (daemon, double, peers, client) is pinned to one CPU. Rounds interleave the peers, the
starting peer rotating, so drift in machine load hits all alike.

Per run: calls/s, and the CPU time per call of the peer (utime+stime from /proc/PID/stat before
and after, clock ticks; and the sum of its threads' schedstat run time, ns), of the dbus-daemon
and of the client. A peer's idle CPU (pressod's 50 Hz control loop, the example's timers) is
measured separately and shown subtracted in the "net" column.

usage: bench_gatt.py --bin DIR --bless-python PATH [--calls N] [--rounds R] [--cpu C] [--peers a,b]
       [--pressod-before PATH --peers pressod,pressod-before,...]
"""
import argparse, json, os, sys, time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..'))
import harness  # noqa: E402

PRESSURE = '4012bb61-16d2-4616-9ed5-bef27f442212'
PEERS = {
    # name: (read uuid, write uuid, value written)
    'pressod': (PRESSURE, PRESSURE, '3c00'),  # Pressure: read; write 60 mmHg (validated, applied)
    # every peer: 'write' writes the value above each time, 'write2' alternates it with 3d00 (61)
    'example': ('00002a38-0000-1000-8000-00805f9b34fb',  # Body Sensor Location: returns [0x01]
                '12345678-1234-5678-1234-56789abcdef1', '3c00'),  # Test Characteristic (prints a line)
    'bless': ('5e4e0002-1cbf-4f04-9ef5-2d8b6f4f6f00', '5e4e0002-1cbf-4f04-9ef5-2d8b6f4f6f00', '3c00'),
    'c': (None, None, '3c00'),
}
PEERS['pressod-before'] = PEERS['pressod']


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--bin', required=True, help='directory with pressod, gatt-client, c-echo')
    parser.add_argument('--bless-python', required=True)
    parser.add_argument('--calls', type=int, default=20000)
    parser.add_argument('--rounds', type=int, default=5)
    parser.add_argument('--cpu', default='0')
    parser.add_argument('--peers', default='pressod,example,bless,c')
    parser.add_argument('--json', help='write every run here')
    parser.add_argument('--pressod-before', help='another pressod binary to run side by side (peer "pressod-before")')
    args = parser.parse_args()
    peers = args.peers.split(',')
    hz = os.sysconf('SC_CLK_TCK')
    client = os.path.join(args.bin, 'gatt-client')

    bench = harness.Bench(cpu=args.cpu)
    try:
        bench.start_bus()
        procs = {}
        if 'pressod' in peers:
            procs['pressod'] = bench.start_pressod(os.path.join(args.bin, 'pressod'), ['--log-level', 'warning'])
        if 'pressod-before' in peers:
            procs['pressod-before'] = bench.start_pressod(args.pressod_before, ['--log-level', 'warning'],
                                                          log='pressod-before.log')
        if 'example' in peers:
            procs['example'] = bench.start_example()
        if 'bless' in peers:
            procs['bless'] = bench.start_bless(args.bless_python)
        if 'c' in peers:
            procs['c'] = bench.start_c_echo(os.path.join(args.bin, 'c-echo'))
        targets = {}
        for peer in peers:
            read_uuid, write_uuid, value = PEERS[peer]
            if peer == 'c':
                targets[peer] = ('presso.bench.C', '/presso/bench', '/presso/bench', value)
                continue
            name, app = bench.application_of(procs[peer].pid)
            targets[peer] = (name, bench.characteristic(name, app, read_uuid),
                             bench.characteristic(name, app, write_uuid), value)
        time.sleep(1)  # let start-up settle
        idle = {}
        for peer in peers:
            pid = procs[peer].pid
            before, t0 = harness.cpu_ns(pid), time.monotonic()
            time.sleep(2)
            idle[peer] = (harness.cpu_ns(pid) - before) / (time.monotonic() - t0)  # ns per s

        version = harness.run(['dbus-daemon', '--version']).splitlines()[0].split()[-1]
        print(f'# dbus-daemon {version}; load average before: {harness.loadavg()}; '
              f'{args.rounds} rounds x {args.calls} calls, all pinned to CPU {args.cpu}')
        for peer in peers:
            name, rpath, wpath, _ = targets[peer]
            print(f'# {peer}: pid {procs[peer].pid} {name} read {rpath} write {wpath}; idle {idle[peer] / 1e6:.2f} ms CPU/s')
        runs = []
        for rnd in range(args.rounds):
            order = peers[rnd % len(peers):] + peers[:rnd % len(peers)]
            for peer in order:
                name, rpath, wpath, value = targets[peer]
                for op, path, written in (('read', rpath, ''), ('write', wpath, value), ('write2', wpath, value + ',3d00')):
                    argv = bench.pin([client, 'call', bench.address, name, path, op[:5], written,
                                      str(args.calls), str(procs[peer].pid), str(bench.daemon.pid)])
                    kv = harness.keyvalues(harness.run(argv).strip())
                    n = kv['calls']
                    run = {'round': rnd + 1, 'peer': peer, 'op': op, 'rate': kv['rate'], 'seconds': kv['seconds'],
                           'peer_us_stat': kv['ticks_0'] * 1e6 / hz / n, 'peer_us': kv['ns_0'] / 1e3 / n,
                           'peer_us_net': (kv['ns_0'] - idle[peer] * kv['seconds']) / 1e3 / n,
                           'daemon_us': kv['ns_1'] / 1e3 / n, 'client_us': kv['client_ns'] / 1e3 / n}
                    runs.append(run)
                    print(f"round {rnd + 1} {peer:8} {op:5} {run['rate']:8.0f} calls/s  peer {run['peer_us_stat']:6.1f} µs/call "
                          f"(stat)  {run['peer_us']:6.1f} (schedstat)  daemon {run['daemon_us']:5.1f}  client {run['client_us']:5.1f}",
                          flush=True)
        print(f'# load average after: {harness.loadavg()}')
        if args.json:
            with open(args.json, 'w') as f:
                json.dump({'idle_ns_per_s': idle, 'runs': runs, 'calls': args.calls, 'rounds': args.rounds}, f, indent=1)
        report(runs, peers)
        for peer in peers:
            if procs[peer].poll() is not None:
                raise RuntimeError(f'{peer} exited during the benchmark')
    finally:
        bench.close()


def report(runs, peers):
    def pick(peer, op, key):
        return [r[key] for r in runs if r['peer'] == peer and r['op'] == op]

    def paired_ratio(peer, op):
        """Median over rounds of rate(peer)/rate(c) within the same round."""
        c = {r['round']: r['rate'] for r in runs if r['peer'] == 'c' and r['op'] == op}
        return harness.median([r['rate'] / c[r['round']] for r in runs
                               if r['peer'] == peer and r['op'] == op and r['round'] in c])

    print()
    print('| peer | op | calls/s (median) | × C limit (paired median) | peer CPU µs/call, /proc/PID/stat | '
          'peer CPU µs/call, schedstat | net of idle | dbus-daemon µs/call | client µs/call |')
    print('|---|---|---|---|---|---|---|---|---|')
    for peer in peers:
        for op in ('read', 'write', 'write2'):
            ratio = paired_ratio(peer, op) if 'c' in peers else float('nan')
            label = {'read': 'ReadValue', 'write': 'WriteValue, same value', 'write2': 'WriteValue, value changing'}[op]
            print(f"| {peer} | {label} | {harness.median(pick(peer, op, 'rate')):.0f} | {ratio:.2f} | "
                  f"{harness.median(pick(peer, op, 'peer_us_stat')):.1f} | {harness.median(pick(peer, op, 'peer_us')):.1f} | "
                  f"{harness.median(pick(peer, op, 'peer_us_net')):.1f} | {harness.median(pick(peer, op, 'daemon_us')):.1f} | "
                  f"{harness.median(pick(peer, op, 'client_us')):.1f} |")


if __name__ == '__main__':
    main()
