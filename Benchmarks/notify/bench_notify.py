"""Notifications, side by side, every process pinned to one CPU.

1. Emitting PropertiesChanged as fast as it goes: the Swift DBus module (`DBusBenchmark emit`,
   emitPropertiesChanged — what a GATTNotifier's sink calls) vs bare libdbus (`gatt-client emit`),
   a C listener subscribed as bluetoothd is (`gatt-client count`) checking that every signal
   arrives. Rounds alternate the order.
2. pressod's Live State at its real rate: CPU time of pressod per second (schedstat of all its
   threads) idle, in a session nobody is subscribed to, and in a session with Live State
   subscribed (the BlueZ double calls StartNotify as bluetoothd does for a central enabling
   notifications, and counts the PropertiesChanged it receives). Rounds repeat the three states.

usage: bench_notify.py --bin DIR [--signals N] [--rounds R] [--seconds S] [--cpu C]
"""
import argparse, os, sys, time

import dbus

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..'))
import harness  # noqa: E402

LIVE_STATE = '4012bb64-16d2-4616-9ed5-bef27f442212'
CONTROL_POINT = '4012bb66-16d2-4616-9ed5-bef27f442212'


def micro(bench, args):
    rows = {'swift': [], 'c': []}
    swift = [os.path.join(args.bin, 'DBusBenchmark'), 'emit', bench.address, str(args.signals)]
    c = [os.path.join(args.bin, 'gatt-client'), 'emit', bench.address, str(args.signals)]
    for rnd in range(args.rounds):
        for name, argv in (('swift', swift), ('c', c)) if rnd % 2 == 0 else (('c', c), ('swift', swift)):
            listener = bench.spawn([os.path.join(args.bin, 'gatt-client'), 'count', bench.address, '3600'],
                                   f'listener-{name}-{rnd}.log')
            bench.wait_log(f'listener-{name}-{rnd}.log', 'listening')
            kv = harness.keyvalues(harness.run(bench.pin(argv)).strip())
            time.sleep(0.3)  # the listener drains what the daemon still queues for it
            listener.send_signal(2)
            listener.wait()
            got = harness.keyvalues(bench.log(f'listener-{name}-{rnd}.log').splitlines()[-1]).get('signals', -1)
            kv['received'] = got
            rows[name].append(kv)
            print(f"round {rnd + 1} {name:5} {kv['rate']:9.0f} signals/s  emitter CPU {kv['cpu_us_per_signal']:.2f} µs/signal  "
                  f"listener received {got:.0f}/{args.signals + args.signals // 10}", flush=True)
    return rows


def pressod_rates(bench, args):
    proc = bench.start_pressod(os.path.join(args.bin, 'pressod'), ['--log-level', 'warning'])
    name, app = bench.application_of(proc.pid)
    live = bench.characteristic(name, app, LIVE_STATE)
    control = bench.characteristic(name, app, CONTROL_POINT)
    ctl = bench.ctl

    def write_control(byte):
        error, message = ctl.WriteValue(dbus.ObjectPath(control), dbus.Array([dbus.Byte(byte)], signature='y'),
                                        dbus.Dictionary({}, signature='sv'))
        if error:
            raise RuntimeError(f'control point 0x{byte:02x}: {error} {message}')

    def cpu_per_second():
        before, t0 = harness.cpu_ns(proc.pid), time.monotonic()
        time.sleep(args.seconds)
        return (harness.cpu_ns(proc.pid) - before) / 1e6 / (time.monotonic() - t0)  # ms per s

    time.sleep(1)
    rows = []
    for rnd in range(args.rounds):
        idle = cpu_per_second()
        write_control(0x01)  # Start
        session = cpu_per_second()
        ctl.StartNotify(dbus.ObjectPath(live))
        received0 = len(ctl.Notifications(dbus.ObjectPath(live)))
        t0 = time.monotonic()
        subscribed = cpu_per_second()
        rate = (len(ctl.Notifications(dbus.ObjectPath(live))) - received0) / (time.monotonic() - t0)
        ctl.StopNotify(dbus.ObjectPath(live))
        write_control(0x04)  # Stop
        time.sleep(0.5)
        rows.append((idle, session, subscribed, rate))
        print(f'round {rnd + 1}: pressod CPU idle {idle:.2f} ms/s, session {session:.2f} ms/s, '
              f'session + Live State subscribed {subscribed:.2f} ms/s at {rate:.1f} notifications/s', flush=True)
    if proc.poll() is not None:
        raise RuntimeError('pressod exited:\n' + bench.log('pressod.log')[-2000:])
    return rows


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--bin', required=True, help='directory with pressod, DBusBenchmark, gatt-client')
    parser.add_argument('--signals', type=int, default=50000)
    parser.add_argument('--rounds', type=int, default=5)
    parser.add_argument('--seconds', type=float, default=5)
    parser.add_argument('--cpu', default='0')
    args = parser.parse_args()
    bench = harness.Bench(cpu=args.cpu)
    try:
        bench.start_bus()
        print(f'# load average before: {harness.loadavg()}; all pinned to CPU {args.cpu}')
        rows = micro(bench, args)
        daemon = pressod_rates(bench, args)
        print(f'# load average after: {harness.loadavg()}')
    finally:
        bench.close()
    m = harness.median
    print()
    print('| emitter | PropertiesChanged/s (median) | × C | emitter CPU µs/signal | received by listener |')
    print('|---|---|---|---|---|')
    ratios = [s['rate'] / c['rate'] for s, c in zip(rows['swift'], rows['c'])]
    sent = args.signals + args.signals // 10  # the warm-up tenth is emitted too

    def received(r):
        worst = min(x['received'] for x in r)
        return 'all' if worst >= sent else str(int(worst))
    for name, label in (('swift', 'Swift DBus module (emitPropertiesChanged)'), ('c', 'C libdbus')):
        r = rows[name]
        print(f"| {label} | {m([x['rate'] for x in r]):.0f} | {m(ratios) if name == 'swift' else 1.0:.2f} | "
              f"{m([x['cpu_us_per_signal'] for x in r]):.2f} | {received(r)} of {sent} (worst round) |")
    print()
    print('| pressod state | CPU ms per s (median) | Live State notifications/s |')
    print('|---|---|---|')
    print(f'| idle (50 Hz control loop) | {m([r[0] for r in daemon]):.2f} | - |')
    print(f'| session, nobody subscribed | {m([r[1] for r in daemon]):.2f} | 0 |')
    print(f'| session, Live State subscribed | {m([r[2] for r in daemon]):.2f} | {m([r[3] for r in daemon]):.1f} |')


if __name__ == '__main__':
    main()
