#!/usr/bin/env python3
"""bluetoothctl as central on hci1 against a peripheral on hci0 that serves the GATT contract
of gatt_contract.py: scan (name + service UUID), connect, list attributes, read, write, read
back, refused write (bluetoothctl's message AND the ATT code through gdbus on the central's
D-Bus objects), accepted write, notify, disconnect. Each step is a PASS/FAIL line."""
import sys

import central_dbus
import gatt_contract
from btctl import Bluetoothctl
from steps import StepFailed, Steps, expect

p = gatt_contract.parser(__doc__)
p.add_argument('--central', required=True, help='address of the central adapter (hci1)')
p.add_argument('--transcript', required=True)
p.add_argument('--prefix', default='btctl', help='step name prefix in results')
a = p.parse_args()
steps = Steps(a.prefix)
write_value = bytes.fromhex(a.write_value)
refuse_value, accept_value = bytes.fromhex(a.refuse_value), bytes.fromhex(a.accept_value)
state = {}


def scan():
    state['address'] = ctl.scan_for(a.name, a.service)


def list_attributes():
    attrs = ctl.list_attributes(state['address'])
    for uuid in (a.service, a.rw, a.refuse, a.notify):
        expect(uuid in attrs, f'{uuid} not among the attributes: {sorted(attrs)}')
    state['attrs'] = attrs


def read_write():
    ctl.select_attribute(a.rw)
    before = ctl.read()
    ctl.mark(f'read {a.rw}: {before.hex()}')
    error = ctl.write(write_value)
    expect(error is None, f'write refused: {error}')
    after = ctl.read()
    expect(after == write_value, f'read back {after.hex()}, wrote {write_value.hex()}')


def refused_write():
    ctl.select_attribute(a.refuse)
    error = ctl.write(refuse_value)
    expect(error == 'org.bluez.Error.Failed', f'bluetoothctl said {error!r} for a refused write')
    ok, output = central_dbus.write_value(state['attrs'][a.refuse], refuse_value)
    ctl.mark(f'gdbus WriteValue {refuse_value.hex()}: {output}')
    code = central_dbus.att_error_of(output)
    expect(not ok and code == int(a.refuse_att, 16), f'ATT error 0x{a.refuse_att} expected: {output}')


def accepted_write():
    ctl.select_attribute(a.refuse)
    error = ctl.write(accept_value)
    expect(error is None, f'write of {accept_value.hex()} refused: {error}')


def notify():
    ctl.select_attribute(a.notify)
    values = ctl.notify_collect(state['attrs'][a.notify], a.notify_count)
    gatt_contract.check_notifications(values, a.notify_check)


with Bluetoothctl(a.transcript) as ctl:
    try:
        steps.run('select-controller', ctl.select_controller, a.central)
        steps.run('scan', scan)
        steps.run('connect', ctl.connect, state['address'])
        steps.run('list-attributes', list_attributes)
        steps.run('read-write', read_write)
        steps.run('refused-write', refused_write)
        steps.run('accepted-write', accepted_write)
        steps.run('notify', notify)
        steps.run('disconnect', ctl.disconnect, state['address'])
    except StepFailed:
        pass
sys.exit(1 if steps.failed else 0)
