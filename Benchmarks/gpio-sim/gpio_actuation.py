#!/usr/bin/env python3
"""GATT write -> line change on gpio-sim, in the real tier's VM (Benchmarks/gpio-sim/10-gpio-
actuation.sh; scripts/bench-gpio-actuation.sh boots it). A benchmark: it measures and prints,
it asserts nothing but that every write was answered and its lines moved.

pressod runs on the gpio-sim chip with gpio-sim-plant on the simulator side, registered with
bluetoothd on hci0. Each sample: Start (untimed) and wait until the plant sees the pump on
(after the 2 s start-up vent), wait a random 0-300 ms (so writes do not lock to the 50 Hz tick),
note t0 = CLOCK_MONOTONIC, write Stop (0x04), and take the plant's time stamp of the first
line change after t0 (its pass that saw the pump off or a valve venting; the plant polls every
1 ms, on the same clock). Two paths:

  dbus     org.bluez.GattCharacteristic1.WriteValue called on pressod's control point object
           (found with GetManagedObjects on pressod's unique name) exactly as bluetoothd calls
           it, from this process on the system bus: "a write reaching pressod", plus one bus hop;
  btctl    bluetoothctl on hci1, `write` over the emulated radio (btvirt), bluetoothd on both
           sides: t0 is when the `write` line went to bluetoothctl (end to end).

Writes: dbus.csv / btctl.csv (t0, reply or indication, first line change, all vented), and the
summary (p50/p90/p99/max) in actuation.txt."""
import argparse
import asyncio
import os
import random
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REAL = os.path.join(HERE, '..', '..', 'Tests', 'Real')
sys.path[:0] = [os.path.join(REAL, 'clients'), os.path.join(REAL, 'hil')]
import boots_profile as boots  # noqa: E402
from boots_central import BootsCentral  # noqa: E402
from gpio_hil import SAFE, PlantLog, percentile  # noqa: E402
from steps import StepFailed, Steps, expect  # noqa: E402

from dbus_fast import BusType, Message, MessageType, Variant  # noqa: E402
from dbus_fast.aio import MessageBus  # noqa: E402

START, STOP, CLEAR_FAULT = bytes([0x01]), bytes([0x04]), bytes([0x06])
OBJECT_ROOT = '/org/presso/peripheral/app'  # the application under BlueZ.PeripheralConfiguration's objectRoot


class Sampler:
    """The plant's side of a sample: ready (pump on), then what moved after t0."""

    def __init__(self, plant):
        self.plant = plant
        self.rows, self.skipped, self.lost = [], [], []

    def lose(self, error, limit):
        """A sample that went wrong (a fault under emulation, a timeout): counted and shown,
        never silently dropped; more than `limit` of them ends the run."""
        self.lost.append(str(error).splitlines()[0])
        print(f'sample lost ({len(self.lost)}): {self.lost[-1]}', flush=True)
        expect(len(self.lost) <= limit, f'{len(self.lost)} samples lost, the last: {self.lost[-1]}')

    def inflating(self, start):
        return self.plant.wait_state({'pump': 1, 'exhaust': 0}, 30, start, 'pump on')

    def judge(self, start, t0, answered):
        """Records (t0, answered, first line change, all vented) from the events after index
        `start` (the last one read before t0)."""
        vented = self.plant.wait_state(SAFE, 10, start, 'vented after Stop')
        moves = [e for e in self.plant.line_events(start + 1, vented + 1) if e[1] >= t0]
        early = [e for e in self.plant.line_events(start + 1, vented + 1) if e[1] < t0]
        if early or not moves:
            self.skipped.append((t0, early))    # something moved on its own: not this write's
            return
        self.rows.append((t0, answered, moves[0][1], self.plant.events[vented][1]))


async def control_point_of(bus, pid):
    """pressod's unique name and its control point's path: among the connections of process
    `pid` (pressod has no well-known name without its policy file), the one that exports the
    control point under OBJECT_ROOT. What the others answered goes into the error message."""
    bus_object = dict(destination='org.freedesktop.DBus', path='/org/freedesktop/DBus', interface='org.freedesktop.DBus')
    reply = await bus.call(Message(member='ListNames', **bus_object))
    uuid, answers = boots.uuid('controlPoint'), []
    for name in (n for n in reply.body[0] if n.startswith(':')):
        owner = await bus.call(Message(member='GetConnectionUnixProcessID', signature='s', body=[name], **bus_object))
        if owner.message_type != MessageType.METHOD_RETURN or owner.body[0] != pid:
            continue
        try:
            objects = await asyncio.wait_for(bus.call(Message(
                destination=name, path=OBJECT_ROOT, interface='org.freedesktop.DBus.ObjectManager',
                member='GetManagedObjects')), 10)
        except asyncio.TimeoutError:
            answers.append(f'{name}: no answer in 10 s')
            continue
        if objects.message_type != MessageType.METHOD_RETURN:
            answers.append(f'{name}: {objects.error_name} {objects.body}')
            continue
        for path, interfaces in objects.body[0].items():
            characteristic = interfaces.get('org.bluez.GattCharacteristic1')
            if characteristic and characteristic['UUID'].value.lower() == uuid:
                return name, path
        answers.append(f'{name}: {len(objects.body[0])} objects, no control point')
    raise AssertionError(f'no control point under {OBJECT_ROOT} from process {pid}: {answers}')


async def dbus_writes(args, plant, sampler, out):
    bus = await MessageBus(bus_type=BusType.SYSTEM).connect()
    print('looking for the control point', flush=True)
    name, path = await control_point_of(bus, args.pid)
    print(f'pressod is {name}; control point {path}', flush=True)
    # The options bluetoothd 5.66 sends with a Write Request from a connected central.
    options = {'device': Variant('o', '/org/bluez/hci0/dev_00_AA_01_01_00_01'),
               'link': Variant('s', 'LE'), 'mtu': Variant('q', 517)}

    def write(value):
        return Message(destination=name, path=path, interface='org.bluez.GattCharacteristic1',
                       member='WriteValue', signature='aya{sv}', body=[value, options])
    async def sample():
        start = len(plant.events)
        reply = await bus.call(write(START))
        expect(reply.message_type == MessageType.METHOD_RETURN, f'Start: {reply.body}')
        ready = sampler.inflating(start)
        await asyncio.sleep(random.uniform(0, 0.3))
        plant.poll()
        start = max(ready, len(plant.events) - 1)
        message = write(STOP)
        t0 = time.monotonic()
        reply = await bus.call(message)
        answered = time.monotonic()
        expect(reply.message_type == MessageType.METHOD_RETURN, f'Stop: {reply.body}')
        sampler.judge(start, t0, answered)
    for n in range(args.writes):
        try:
            await sample()
        except AssertionError as error:
            sampler.lose(error, max(5, args.writes // 10))
            for command in (CLEAR_FAULT, STOP):     # whichever applies: back to idle
                await bus.call(write(command))
        if (n + 1) % 50 == 0:
            print(f'{n + 1} writes; load {open("/proc/loadavg").read().strip()}', flush=True)
    bus.disconnect()


def btctl_writes(args, plant, sampler):
    with BootsCentral(os.path.join(args.out, 'bluetoothctl.txt'), args.central, args.peripheral, args.name) as central:
        central.select_controller()
        central.scan()
        central.connect()
        central.list_attributes()
        central.notify_on('controlPoint')
        central.make_idle()
        def sample():
            start = len(plant.events)
            central.command(START, bytes([0x80, 0x01, 0x01]))
            ready = sampler.inflating(start)
            time.sleep(random.uniform(0, 0.3))
            plant.poll()
            start = max(ready, len(plant.events) - 1)
            # Still selected by the Start: selecting again would add a second before t0, in which
            # chamber 1 fills and the sequencer moves on (9 of 10 samples left out that way).
            t0 = central.command(STOP, bytes([0x80, 0x04, 0x01]), select=False)
            sampler.judge(start, t0, time.monotonic())     # "answered": the indication was read
        for _ in range(args.btctl_writes):
            try:
                sample()
            except AssertionError as error:
                sampler.lose(error, max(3, args.btctl_writes // 5))
                central.make_idle()
        central.disconnect()


def summary(label, values):
    ms = [v * 1000 for v in values]
    if not ms:
        return f'{label}: no samples'
    return (f'{label}: n={len(ms)} p50={percentile(ms, 50):.2f} p90={percentile(ms, 90):.2f} '
            f'p99={percentile(ms, 99):.2f} max={max(ms):.2f} min={min(ms):.2f} ms')


def report(out, kind, sampler, label):
    with open(os.path.join(out, f'{kind}.csv'), 'w') as f:
        f.write('t0,answered,first_line_change,all_vented\n')
        for row in sampler.rows:
            f.write(','.join(f'{v:.6f}' for v in row) + '\n')
    lines = [summary(f'{label} -> first line change', [r[2] - r[0] for r in sampler.rows]),
             summary(f'{label} -> all lines vented', [r[3] - r[0] for r in sampler.rows]),
             summary(f'{label} -> {"reply" if kind == "dbus" else "indication read"}', [r[1] - r[0] for r in sampler.rows])]
    if sampler.skipped:
        lines.append(f'{kind}: {len(sampler.skipped)} samples left out (a line moved before the write)')
    if sampler.lost:
        lines.append(f'{kind}: {len(sampler.lost)} samples lost (first: {sampler.lost[0]})')
    with open(os.path.join(out, 'actuation.txt'), 'a') as f:
        f.write('\n'.join(lines) + '\n')
    for line in lines:
        print('BENCH ' + line, flush=True)


def main():
    p = argparse.ArgumentParser(description=__doc__)
    for name in ('plant-log', 'control', 'out', 'central', 'peripheral', 'name'):
        p.add_argument('--' + name, required=True)
    p.add_argument('--pid', type=int, required=True, help="pressod's process id")
    p.add_argument('--writes', type=int, default=1000)
    p.add_argument('--btctl-writes', type=int, default=20)
    args = p.parse_args()
    plant = PlantLog(args.plant_log, args.control)
    steps = Steps('bench')
    with open(os.path.join(args.out, 'actuation.txt'), 'w') as f:
        f.write(f'guest load average at start: {open("/proc/loadavg").read().strip()}\n')
    try:
        if args.writes:
            sampler = Sampler(plant)
            steps.run(f'dbus-writevalue-{args.writes}', lambda: asyncio.run(dbus_writes(args, plant, sampler, args.out)))
            report(args.out, 'dbus', sampler, 'WriteValue(Stop) sent on the system bus')
        if args.btctl_writes:
            sampler = Sampler(plant)
            steps.run(f'bluetoothctl-writes-{args.btctl_writes}', btctl_writes, args, plant, sampler)
            report(args.out, 'btctl', sampler, 'bluetoothctl write Stop (hci1 -> btvirt -> hci0)')
    except StepFailed:
        pass
    with open(os.path.join(args.out, 'actuation.txt'), 'a') as f:
        f.write(f'guest load average at end: {open("/proc/loadavg").read().strip()}\n')
    return 1 if steps.failed else 0


if __name__ == '__main__':
    sys.exit(main())
