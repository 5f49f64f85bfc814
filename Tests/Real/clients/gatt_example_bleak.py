#!/usr/bin/env python3
"""bleak as central on hci1 against a peripheral serving the GATT contract of gatt_contract.py:
scan (name + service UUID), connect, services, read, write, read back, refused write (ATT code),
accepted write, notify, disconnect. Each step is a PASS/FAIL line; a log goes to --log."""
import time

import bleak_central
import gatt_contract
from steps import Steps, expect

p = gatt_contract.parser(__doc__)
p.add_argument('--adapter', default='hci1')
p.add_argument('--log', required=True)
p.add_argument('--prefix', default='bleak')
a = p.parse_args()
steps = Steps(a.prefix)
logfile = open(a.log, 'a')


def log(text):
    line = f'[{time.monotonic():.2f}] {text}'
    print(line, flush=True)
    logfile.write(line + '\n')
    logfile.flush()


async def main():
    device = await steps.arun('scan', lambda: bleak_central.find(a.name, a.service, a.adapter, log=log))
    client = bleak_central.client(device, a.adapter)
    await steps.arun('connect', client.connect)
    try:
        async def services():
            found = {s.uuid for s in client.services} | {c.uuid for s in client.services for c in s.characteristics}
            log(f'  attributes: {sorted(found)}')
            for uuid in (a.service, a.rw, a.refuse, a.notify):
                expect(uuid in found, f'{uuid} missing')
        await steps.arun('services', services)

        async def read_write():
            before = await client.read_gatt_char(a.rw)
            log(f'  read {a.rw}: {before.hex()}')
            value = bytes.fromhex(a.write_value)[::-1]    # differs from the bluetoothctl run's
            await client.write_gatt_char(a.rw, value, response=True)
            after = await client.read_gatt_char(a.rw)
            expect(after == value, f'read back {after.hex()}, wrote {value.hex()}')
        await steps.arun('read-write', read_write)

        async def refused_write():
            error = await bleak_central.write_error(client, a.refuse, bytes.fromhex(a.refuse_value))
            log(f'  refused write: {error}')
            expect(error is not None, 'write was accepted')
            expect(error[0] == int(a.refuse_att, 16), f'ATT 0x{a.refuse_att} expected: {error}')
        await steps.arun('refused-write', refused_write)

        async def accepted_write():
            error = await bleak_central.write_error(client, a.refuse, bytes.fromhex(a.accept_value))
            expect(error is None, f'refused: {error}')
        await steps.arun('accepted-write', accepted_write)

        async def notify():
            values = await bleak_central.collect_notifications(client, a.notify, a.notify_count)
            log(f'  notifications: {[v.hex() for v in values]}')
            gatt_contract.check_notifications(values, a.notify_check)
        await steps.arun('notify', notify)
    finally:
        await bleak_central.disconnect_step(steps, client)


bleak_central.run_steps(main, steps)
