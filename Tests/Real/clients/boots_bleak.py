#!/usr/bin/env python3
"""bleak as central on hci1 drives pressod (hci0) through the same session as boots_btctl.py
(boots_profile.py): scan (name, service UUID, manufacturer data), connect, services, read and
decode every characteristic, set pressure/chambers/timer, indications on the control point,
Select Program, Live State notifications, start, the wave 1..4 and its vent, a refused
300 mmHg write (ATT 0x80, value unchanged), stop, disconnect. Each step is a PASS/FAIL line;
decoded values go to --log and stdout."""
import time

import bleak_central
import boots_profile as boots
from steps import Steps, expect

p = boots.parser(__doc__)
p.add_argument('--adapter', default='hci1')
p.add_argument('--log', required=True)
a = p.parse_args()
steps = Steps(a.prefix)
logfile = open(a.log, 'a')
t0 = time.monotonic()


def log(text):
    line = f'[{time.monotonic() - t0:7.2f}] {text}'
    print(line, flush=True)
    logfile.write(line + '\n')
    logfile.flush()


async def main():
    found = {}

    async def scan():
        device = await bleak_central.find(a.name, boots.SERVICE, a.adapter, log=log)
        expect(device.address == a.peripheral.upper(), f'{a.name} is {device.address}, not {a.peripheral}')
        found['device'] = device
    await steps.arun('scan', scan)
    client = bleak_central.client(found['device'], a.adapter)
    await steps.arun('connect', client.connect)
    live = bleak_central.Notified(lambda v: log(boots.live_line(v, t0)))
    indications = bleak_central.Notified(lambda v: log(f'indication {v.hex()}: {boots.indication_text(v)}'))
    try:
        async def services():
            uuids = {s.uuid for s in client.services} | {c.uuid for s in client.services for c in s.characteristics}
            missing = [u for u in boots.all_uuids() if u not in uuids]
            expect(not missing, f'missing: {missing}')
        await steps.arun('services', services)

        async def read(cid):
            value = bytes(await client.read_gatt_char(boots.uuid(cid)))
            decoded, text = boots.decode(cid, value)
            log(f'read {cid} = {value.hex()}: {text}')
            return value, decoded

        async def read_all():
            values = {cid: (await read(cid))[1] for cid in boots.readable()}
            expect(values['chambers']['installed'] == boots.INSTALLED, f'{values["chambers"]}')
            expect(values['serial'] == a.peripheral.replace(':', ''), f'serial {values["serial"]}')
        await steps.arun('read-all-decoded', read_all)

        async def write_and_read_back(cid, data, expected):
            await client.write_gatt_char(boots.uuid(cid), data, response=True)
            back, decoded = await read(cid)
            expect(back == expected, f'{cid} read back {back.hex()}, not {expected.hex()}')
        await steps.arun('set-pressure-120', write_and_read_back, 'pressure', boots.PRESSURE, boots.PRESSURE)
        await steps.arun('set-chambers-4', write_and_read_back, 'chambers', boots.CHAMBERS, boots.CHAMBERS_READ_BACK)

        async def set_timer():
            await client.write_gatt_char(boots.uuid('timer'), boots.TIMER, response=True)
            _, timer = await read('timer')
            expect(timer['duration'] == 60 and timer['remaining'] == 60, f'timer {timer}')
        await steps.arun('set-timer-60s', set_timer)

        await steps.arun('indications-on', client.start_notify, boots.uuid('controlPoint'), indications)

        async def command(data, expected):
            since = len(indications.values)
            await client.write_gatt_char(boots.uuid('controlPoint'), data, response=True)
            got = await indications.wait(lambda v: len(v) >= 1, 20, since)
            expect(got == [expected], f'indicated {[v.hex() for v in got]}, expected {expected.hex()}')

        async def make_idle():
            # A session or fault left by an earlier client is ended first (logged).
            live_now = (await read('liveState'))[1]
            needed = boots.to_idle(live_now)
            if needed:
                log(f'boots not idle (phase {live_now["phase"]}, fault {live_now["fault"]}): control point {needed[0].hex()}')
                await command(*needed)
        await steps.arun('idle-first', make_idle)

        async def select_program():
            await command(boots.SELECT_PROGRAM, bytes([0x80, 0x07, 0x01]))
            expect((await read('program'))[0] == boots.PROGRAM, 'Program does not read back the selection')
        await steps.arun('select-program', select_program)
        await steps.arun('live-state-notify-on', client.start_notify, boots.uuid('liveState'), live)

        async def start_and_watch_wave():
            global t0
            since = len(live.values)
            t0 = time.monotonic()
            await command(boots.START, bytes([0x80, 0x01, 0x01]))

            def released(values):
                return any(s['cycle'] == 1 and s['phase'] == 4 for s in (boots.decode('liveState', v)[0] for v in values))
            values = await live.wait(released, 120, since)
            states = [boots.decode('liveState', v)[0] for v in values]
            log(f'{len(states)} Live State notifications: {boots.check_wave(states)}')
        await steps.arun('start-wave-1-to-4-and-vent', start_and_watch_wave)

        async def refused_write():
            error = await bleak_central.write_error(client, boots.uuid('pressure'), boots.REFUSED)
            log(f'write {boots.REFUSED.hex()} to pressure: {error}')
            expect(error is not None and error[0] == boots.REFUSED_ATT, f'ATT 0x{boots.REFUSED_ATT:02x} expected: {error}')
            back, _ = await read('pressure')
            expect(back == boots.PRESSURE, f'pressure read back {back.hex()} after the refused write')
        await steps.arun('refused-300-mmHg', refused_write)

        async def stop():
            since = len(live.values)
            await command(boots.STOP, bytes([0x80, 0x04, 0x01]))
            values = await live.wait(lambda v: any(boots.decode('liveState', x)[0]['phase'] == 0 for x in v), 60, since)
            last = boots.decode('liveState', values[-1])[0]
            expect(last['flags'] & 1 == 0 and last['fullMask'] == 0, f'after stop: {last}')
        await steps.arun('stop', stop)

        async def notify_off():
            await client.stop_notify(boots.uuid('liveState'))
            await client.stop_notify(boots.uuid('controlPoint'))
        await steps.arun('notify-off', notify_off)
    finally:
        await bleak_central.disconnect_step(steps, client)


bleak_central.run_steps(main, steps)
