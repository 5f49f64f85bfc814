#!/usr/bin/env python3
"""bluetoothctl as central on hci1 drives pressod (hci0) through a whole session of the boots'
GATT profile (boots_profile.py): scan (name, service UUID, live status in the manufacturer
data), connect, list attributes, read and decode every characteristic, set pressure, chambers
and timer, indications on the control point, Select Program, notify on Live State, start,
watch the wave climb 1..4 and vent, a refused 300 mmHg write (bluetoothctl's message, the ATT
code through gdbus, the value read back unchanged), stop, disconnect. Each step is a PASS/FAIL
line; every decoded value goes into the transcript (and stdout) as a '#####' line."""
import sys
import time

import boots_profile as boots
import central_dbus
from boots_central import BootsCentral
from btctl import BluetoothctlError
from steps import StepFailed, Steps, expect

p = boots.parser(__doc__)
p.add_argument('--central', required=True, help='address of the central adapter (hci1)')
p.add_argument('--transcript', required=True)
p.add_argument('--echo', action='store_true', help="also print bluetoothctl's own lines (a demonstration)")
a = p.parse_args()
steps = Steps(a.prefix)


def read_all():
    values = {cid: boots.decode(cid, central.read_marked(cid))[0] for cid in boots.readable()}
    expect(values['chambers']['installed'] == boots.INSTALLED, f'installed {values["chambers"]}')
    expect(values['liveState']['fault'] == 0 and values['liveState']['flags'] & 1 == 0, 'idle boots')
    expect(values['manufacturer'] == 'Presso' and values['model'] == 'Presso Boots', 'device strings')
    expect(values['serial'] == a.peripheral.replace(':', ''), f'serial {values["serial"]}')


def write_and_read_back(cid, data):
    """Writes `data` (must be accepted), reads back; returns (bytes, decoded)."""
    ctl.select_attribute(boots.uuid(cid))
    error = ctl.write(data)
    expect(error is None, f'write {data.hex()} to {cid} refused: {error}')
    back = central.read_marked(cid)
    return back, boots.decode(cid, back)[0]


def set_pressure():
    back, decoded = write_and_read_back('pressure', boots.PRESSURE)
    expect(back == boots.PRESSURE and decoded['target'] == 120, f'pressure read back {back.hex()}')


def set_chambers():
    back, decoded = write_and_read_back('chambers', boots.CHAMBERS)
    expect(back == boots.CHAMBERS_READ_BACK, f'chambers read back {back.hex()}: {decoded}')


def set_timer():
    _, timer = write_and_read_back('timer', boots.TIMER)
    expect(timer['duration'] == 60 and timer['remaining'] == 60, f'timer {timer}')


def select_program():
    central.command(boots.SELECT_PROGRAM, bytes([0x80, 0x07, 0x01]))
    expect(central.read_marked('program') == boots.PROGRAM, 'Program does not read back the selection')


def start_and_watch_wave():
    path = central.path('liveState')
    since = len(ctl.values)
    central.t0 = time.monotonic()
    central.command(boots.START, bytes([0x80, 0x01, 0x01]))
    central.watch_live_state()

    def released(values):
        return any(s['cycle'] == 1 and s['phase'] == 4 for s in map(lambda v: boots.decode('liveState', v)[0], values))
    values = ctl.wait_values(path, released, 60, since)
    states = [boots.decode('liveState', v)[0] for v in values]
    ctl.mark(f'{len(states)} Live State notifications: {boots.check_wave(states)}')


def refused_write():
    ctl.select_attribute(boots.uuid('pressure'))
    error = ctl.write(boots.REFUSED)
    expect(error == 'org.bluez.Error.Failed', f'bluetoothctl said {error!r} for 300 mmHg')
    ok, output = central_dbus.write_value(central.path('pressure'), boots.REFUSED)
    ctl.mark(f'gdbus WriteValue {boots.REFUSED.hex()} on the central: {output}')
    code = central_dbus.att_error_of(output)
    expect(not ok and code == boots.REFUSED_ATT, f'ATT error 0x{boots.REFUSED_ATT:02x} expected: {output}')
    ctl.mark(f'ATT error 0x{code:02x}: {boots.CONTRACT.errors[code]}')
    back = central.read_marked('pressure')
    expect(back == boots.PRESSURE, f'pressure read back {back.hex()} after the refused write, not {boots.PRESSURE.hex()}')


def stop():
    path = central.path('liveState')
    since = len(ctl.values)
    central.command(boots.STOP, bytes([0x80, 0x04, 0x01]))
    central.watch_live_state()

    def idle(values):
        return any(boots.decode('liveState', v)[0]['phase'] == 0 for v in values)
    try:
        last = boots.decode('liveState', ctl.wait_values(path, idle, 15, since)[-1])[0]
    except BluetoothctlError:
        # Idle may have been notified while the control point was still selected: read it.
        for _ in range(5):
            last = boots.decode('liveState', central.read_marked('liveState'))[0]
            if last['phase'] == 0:
                break
    expect(last['phase'] == 0, f'not idle after stop: {last}')
    expect(last['flags'] & 1 == 0 and last['fullMask'] == 0, f'after stop: {last}')


def notify_off():
    for cid in ('liveState', 'controlPoint'):
        central.notify_off(cid)


with BootsCentral(a.transcript, a.central, a.peripheral, a.name, a.echo) as central:
    ctl = central.ctl
    try:
        steps.run('select-controller', central.select_controller)
        steps.run('scan', central.scan)
        steps.run('connect', central.connect)
        steps.run('list-attributes', central.list_attributes)
        steps.run('read-all-decoded', read_all)
        steps.run('set-pressure-120', set_pressure)
        steps.run('set-chambers-4', set_chambers)
        steps.run('set-timer-60s', set_timer)
        steps.run('indications-on', central.notify_on, 'controlPoint')
        steps.run('idle-first', central.make_idle)
        steps.run('select-program', select_program)
        steps.run('live-state-notify-on', central.notify_on, 'liveState')
        steps.run('start-wave-1-to-4-and-vent', start_and_watch_wave)
        steps.run('refused-300-mmHg', refused_write)
        steps.run('stop', stop)
        steps.run('notify-off', notify_off)
        steps.run('disconnect', central.disconnect)
    except StepFailed:
        pass
sys.exit(1 if steps.failed else 0)
