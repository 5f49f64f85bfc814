"""Footprint, side by side: pressod vs BlueZ's Python example-gatt-server (and bless).

Start-to-registered: a private bus with the BlueZ double as bluetoothd and `dbus-monitor
--profile` (timestamps of every message); each peer is exec'd (time noted just before the
fork), and its registration counts as done at the double's reply to its last registration call
(pressod: RegisterApplication and RegisterAdvertisement; the example: RegisterApplication;
bless: both). Also the time of its Hello (first message on the bus). The peers are started one
at a time, the order alternating per round, and stopped (SIGTERM) after each start.
RSS (VmRSS, and PSS from smaps_rollup) at idle after registration and, for pressod, during a
session with Live State subscribed. Binary sizes of the given pressod builds, as built and
stripped; with --static, the static build is a peer too (pressod-static).

usage: bench_footprint.py --bin DIR --bless-python PATH [--static PATH] [--rounds R] [--cpu C]
"""
import argparse, os, signal, sys, tempfile, time

import dbus

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..'))
import harness  # noqa: E402

LIVE_STATE = '4012bb64-16d2-4616-9ed5-bef27f442212'
CONTROL_POINT = '4012bb66-16d2-4616-9ed5-bef27f442212'
CALLS = {'pressod': {'RegisterApplication', 'RegisterAdvertisement'}, 'example': {'RegisterApplication'},
         'pressod-static': {'RegisterApplication', 'RegisterAdvertisement'},
         'bless': {'RegisterApplication', 'RegisterAdvertisement'}}


def parse_monitor(text):
    """Messages as dicts, in order."""
    out = []
    for line in text.splitlines():
        if line.startswith('#'):
            continue
        f = line.split('\t')
        if f[0] == 'mc' and len(f) >= 8:
            out.append({'type': 'mc', 't': float(f[1]), 'serial': f[2], 'sender': f[3], 'member': f[7]})
        elif f[0] in ('mr', 'err') and len(f) >= 5:
            out.append({'type': f[0], 't': float(f[1]), 'dest': f[4], 'reply_to': f[-1]})
    return out


def registered_at(messages, sender, members):
    """Time of the last reply to `sender`'s registration calls, and of its Hello."""
    calls = {m['serial']: m['member'] for m in messages if m['type'] == 'mc' and m['sender'] == sender
             and m['member'] in members}
    replies = {}
    for m in messages:
        if m['type'] in ('mr', 'err') and m['dest'] == sender and m['reply_to'] in calls:
            replies[calls[m['reply_to']]] = m['t']
    hello = next((m['t'] for m in messages if m['type'] == 'mc' and m['sender'] == sender and m['member'] == 'Hello'), None)
    if set(replies) != members:
        return None, hello
    return max(replies.values()), hello


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--bin', required=True, help='directory with pressod')
    parser.add_argument('--static', help='pressod built with --static-swift-stdlib')
    parser.add_argument('--bless-python')
    parser.add_argument('--rounds', type=int, default=7)
    parser.add_argument('--cpu', default='0')
    args = parser.parse_args()
    peers = ['pressod'] + (['pressod-static'] if args.static else []) + ['example'] + (['bless'] if args.bless_python else [])
    pressod = os.path.join(args.bin, 'pressod')

    bench = harness.Bench(cpu=args.cpu)
    starts = {p: [] for p in peers}
    hellos = {p: [] for p in peers}
    rss = {p: [] for p in peers}
    try:
        bench.start_bus()
        monitor = bench.spawn(['dbus-monitor', '--address', bench.address, '--profile'], 'monitor.log')
        time.sleep(0.5)
        print(f'# load average before: {harness.loadavg()}; all pinned to CPU {args.cpu}')
        for rnd in range(args.rounds):
            for peer in (peers if rnd % 2 == 0 else list(reversed(peers))):
                t0 = time.time()
                if peer.startswith('pressod'):
                    binary = pressod if peer == 'pressod' else args.static
                    proc = bench.start_pressod(binary, ['--log-level', 'warning'], log=f'{peer}-{rnd}.log')
                elif peer == 'example':
                    proc = bench.start_example()
                else:
                    proc = bench.start_bless(args.bless_python)
                time.sleep(1)  # no polling of the double while the peer starts: it shares the CPU
                name, _ = bench.application_of(proc.pid)
                time.sleep(1)  # idle a while after registering
                rss[peer].append((harness.status_kib(proc.pid, 'VmRSS'), harness.pss_kib(proc.pid)))
                proc.send_signal(signal.SIGTERM)
                proc.wait(timeout=10)
                time.sleep(0.3)
                done, hello = registered_at(parse_monitor(bench.log('monitor.log')), name, CALLS[peer])
                starts[peer].append((done - t0) * 1000 if done else float('nan'))
                hellos[peer].append((hello - t0) * 1000 if hello else float('nan'))
                print(f'round {rnd + 1} {peer:8} exec → Hello {hellos[peer][-1]:6.1f} ms, → registered {starts[peer][-1]:6.1f} ms, '
                      f'idle VmRSS {rss[peer][-1][0] / 1024:.1f} MiB, PSS {rss[peer][-1][1] / 1024:.1f} MiB', flush=True)

        # pressod during a session, Live State subscribed.
        proc = bench.start_pressod(pressod, ['--log-level', 'warning'], log='pressod-session.log')
        name, app = bench.application_of(proc.pid)
        live = bench.characteristic(name, app, LIVE_STATE)
        control = bench.characteristic(name, app, CONTROL_POINT)
        bench.ctl.StartNotify(dbus.ObjectPath(live))
        error, message = bench.ctl.WriteValue(dbus.ObjectPath(control), dbus.Array([dbus.Byte(1)], signature='y'),
                                              dbus.Dictionary({}, signature='sv'))
        if error:
            raise RuntimeError(f'start: {error} {message}')
        session = []
        for _ in range(6):
            time.sleep(5)
            session.append((harness.status_kib(proc.pid, 'VmRSS'), harness.pss_kib(proc.pid),
                            harness.status_kib(proc.pid, 'VmHWM')))
        print(f'pressod session (30 s, Live State subscribed): VmRSS every 5 s {[s[0] for s in session]} KiB, '
              f'VmHWM {session[-1][2]} KiB', flush=True)
        print(f'# load average after: {harness.loadavg()}')
    finally:
        bench.close()

    m = harness.median
    print()
    print('| peer | exec → Hello (median) | exec → registered (median, min–max) | idle VmRSS | idle PSS |')
    print('|---|---|---|---|---|')
    for p in peers:
        print(f'| {p} | {m(hellos[p]):.1f} ms | {m(starts[p]):.1f} ms ({min(starts[p]):.1f}–{max(starts[p]):.1f}) | '
              f'{m([r[0] for r in rss[p]]) / 1024:.1f} MiB | {m([r[1] for r in rss[p]]) / 1024:.1f} MiB |')
    print(f'| pressod in a session | | | {session[-1][0] / 1024:.1f} MiB (peak {session[-1][2] / 1024:.1f}) | '
          f'{session[-1][1] / 1024:.1f} MiB |')
    print()
    print('| pressod binary | size | stripped |')
    print('|---|---|---|')
    for label, path in (('dynamic (swift build -c release)', pressod), ('--static-swift-stdlib', args.static)):
        if path and os.path.exists(path):
            with tempfile.TemporaryDirectory() as scratch:
                stripped = os.path.join(scratch, 'pressod')
                harness.run(['strip', '-o', stripped, path])
                size = os.path.getsize(stripped)
            print(f'| {label} | {os.path.getsize(path) / 1048576:.1f} MiB | {size / 1048576:.1f} MiB |')


if __name__ == '__main__':
    main()
