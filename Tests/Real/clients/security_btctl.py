"""bluetoothctl (hci1, the central) against pressod's boots profile, for the security and
resilience scenarios (50-security.sh, 55-resilience.sh). One action per run; each records its
steps (steps.py) as <prefix>.<step>.

Actions:
  unpaired-write   a central that never paired writes Pressure: the write must fail, the central
                   must not end up paired, and the value read back must be unchanged
  pair-refused     `pair` while the boots' pairing window is closed: fails, Device1.Paired false
  pair             `pair` while the window is open, with a NoInputNoOutput agent registered by
                   bluetoothctl (deliberately: see real-bluez.md, "Pairing in the VM"); then
                   Paired and Bonded must be true on BOTH sides (the central's device object for
                   the boots, and the peripheral adapter's object for the central)
  write            connect, write Pressure (--value), read it back equal; without pairing again
  write-refused    connect, write Pressure: refused, value unchanged (after a bond was removed)
  read-state       connect, read Live State and Session Timer, print them as JSON (--json FILE)
  scan             the boots are seen in a scan (advertising)

Facts this relies on are properties read over D-Bus (busctl), never bluetoothctl's echoes."""
import argparse
import json
import re
import subprocess
import sys
import time

from btctl import Bluetoothctl, BluetoothctlError
from steps import Steps, StepFailed, expect

SERVICE = '4012bb60-16d2-4616-9ed5-bef27f442212'
PRESSURE = '4012bb61-16d2-4616-9ed5-bef27f442212'
TIMER = '4012bb63-16d2-4616-9ed5-bef27f442212'
LIVE_STATE = '4012bb64-16d2-4616-9ed5-bef27f442212'


def device_path(adapter, address):
    return f'/org/bluez/{adapter}/dev_' + address.upper().replace(':', '_')


def device_flag(adapter, address, prop):
    """Device1.<prop> (a boolean) of `address` under `adapter`; None if there is no such object."""
    proc = subprocess.run(['busctl', '--system', 'get-property', 'org.bluez', device_path(adapter, address),
                           'org.bluez.Device1', prop], capture_output=True, text=True, timeout=10)
    if proc.returncode != 0:
        return None
    return proc.stdout.strip() == 'b true'


def adapter_address(adapter):
    out = subprocess.run(['busctl', '--system', 'get-property', 'org.bluez', f'/org/bluez/{adapter}',
                          'org.bluez.Adapter1', 'Address'], capture_output=True, text=True, timeout=10).stdout
    return out.split('"')[1]


class Session:
    """One bluetoothctl process with the central selected and the boots found."""

    def __init__(self, args, steps):
        self.args, self.steps = args, steps
        self.ctl = Bluetoothctl(args.transcript)
        self.boots = None
        self.central = args.central

    def start(self):
        # bluetoothctl 5.66 drops the "[NEW] Controller" lines it prints before its shell is
        # attached (client/main.c), and btctl.select_controller waits for a Controller line:
        # `list` asks for them (the input waits in the pty until the shell reads it).
        self.ctl.send('list')
        self.steps.run('select-central', self.ctl.select_controller, self.central)
        known = self.args.boots and device_flag('hci1', self.args.boots, 'Paired')
        if known:
            # A bonded central connects to the address it knows, as a phone does; no scan (and
            # a link left up by the previous run would keep the boots from advertising anyway)
            self.boots = self.args.boots
            self.ctl.mark(f'bonded with {self.boots} already: no scan')
            if self.connected():
                self.ctl.disconnect(self.boots)
        else:
            self.boots = self.steps.run('scan', self.ctl.scan_for, self.args.name, SERVICE)

    def connect(self):
        self.ctl.send('back')       # out of the gatt menu, if in it (harmless in the main menu)
        self.steps.run('connect', self.ctl.connect, self.boots)
        attrs = self.steps.run('list-attributes', self.ctl.list_attributes, self.boots)
        expect(PRESSURE in attrs and LIVE_STATE in attrs, f'boots service incomplete: {sorted(attrs)}')
        return attrs

    def connected(self):
        return device_flag('hci1', self.boots, 'Connected')

    def read(self, uuid):
        self.ctl.select_attribute(uuid)
        return self.ctl.read()

    def close(self):
        self.ctl.close()


def write_outcome(ctl, value, wait):
    """Writes the selected attribute; returns None if bluetoothctl reports no failure within
    `wait` s, else its error. (btctl's write() waits 3 s only: a write that first makes the
    central's stack try to pair takes longer to fail.)"""
    from btctl import hex_bytes
    ctl.send(f'write "{hex_bytes(value)}"')
    ctl.wait_line(r'Attempting to write', 20)
    try:
        return ctl.wait_line(r'Failed to write: (.*)', wait).group(1).strip()
    except BluetoothctlError:
        return None


def pressure_of(raw):
    expect(len(raw) == 2, f'Pressure is 2 bytes, read {raw.hex()}')
    return int.from_bytes(raw, 'little')


def paired_state(central, boots):
    return {'central.Paired': device_flag('hci1', boots, 'Paired'),
            'central.Bonded': device_flag('hci1', boots, 'Bonded'),
            'peripheral.Paired': device_flag('hci0', central, 'Paired'),
            'peripheral.Bonded': device_flag('hci0', central, 'Bonded')}


def unpaired_write(s, steps, args):
    s.connect()
    before = steps.run('read-before', lambda: pressure_of(s.read(PRESSURE)))
    target = 100 if before != 100 else 110
    s.ctl.mark(f'unpaired write of Pressure {target} mmHg (was {before}); expected: refused')

    def write_refused():
        error = write_outcome(s.ctl, target.to_bytes(2, 'little'), 20)
        # The central's BlueZ answers Insufficient Encryption by trying to pair; the boots are
        # not Pairable, so that fails and the link may drop. Let it settle before judging.
        s.ctl.drain(quiet=2.0, limit=15)
        expect(error is not None, 'bluetoothctl reported no error for the unpaired write')
        s.ctl.mark(f'write refused: {error}')
        return error
    steps.run('write-refused', write_refused)
    state = paired_state(s.central, s.boots)
    s.ctl.mark(f'after the refused write: {state}')
    steps.run('not-paired', lambda: expect(not state['central.Paired'] and not state['peripheral.Paired'],
                                           f'a pairing happened: {state}'))
    if not s.connected():
        s.ctl.mark('the link was dropped (pairing refused): reconnecting to read back')
        s.connect()
    after = steps.run('read-back-unchanged', lambda: pressure_of(s.read(PRESSURE)))
    steps.run('value-unchanged', lambda: expect(after == before, f'Pressure changed {before} -> {after}'))
    s.ctl.disconnect(s.boots)


def pair(s, steps, args, expect_success):
    s.ctl.send('agent off')     # whatever agent bluetoothctl registered by itself
    s.ctl.drain(quiet=1.0, limit=5)
    # NoInputNoOutput, registered but NOT made default: `pair` uses the agent of its caller, so
    # the central pairs Just Works, while the peripheral side's authorization request still goes
    # to bluetoothd's default agent — pressod's (its pairing-window agent).
    s.ctl.send('agent NoInputNoOutput')
    s.ctl.wait_line(r'Agent registered|Agent is already registered', 10)
    if args.before_pair:
        # e.g. `pressoctl pair --seconds 10`: opened only now, after the (slow, under TCG) scan,
        # so that a short window is still open when the pairing request arrives
        s.ctl.mark(f'RUN: {args.before_pair}')
        done = subprocess.run(args.before_pair, shell=True, capture_output=True, text=True, timeout=30)
        s.ctl.mark(f'exit {done.returncode}: {(done.stdout + done.stderr).strip()}')
        steps.run('before-pair', lambda: expect(done.returncode == 0, f'{args.before_pair} failed'))
    s.ctl.send(f'pair {s.boots}')

    def outcome():
        # Under a loaded TCG host bluetoothctl's own "Pairing successful" can come late (or not
        # within a minute although BlueZ reports Paired/Bonded): the properties decide.
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                m = s.ctl.wait_line(r'Pairing successful|Failed to pair: (.*)|Accept pairing|Authorize service', 2)
            except BluetoothctlError:
                state = paired_state(s.central, s.boots)
                if all(state.values()):
                    s.ctl.mark(f'paired and bonded per BlueZ (bluetoothctl has not said so yet): {state}')
                    return None
                continue
            if re.search(r'Accept pairing|Authorize service', m.group(0)):
                # bluetoothctl's agent was asked instead of pressod's: refuse, that is a finding
                s.ctl.send('no')
                raise AssertionError(f'bluetoothctl was asked to authorize: {m.group(0)}')
            return m.group(1)
        raise AssertionError('no outcome of pair within 60 s')
    error = steps.run('pair-attempt', outcome)
    s.ctl.drain(quiet=2.0, limit=10)
    state = paired_state(s.central, s.boots)
    s.ctl.mark(f'after pair: bluetoothctl error={error}; {state}')
    if expect_success:
        steps.run('paired-and-bonded', lambda: expect(all(state.values()), f'not paired/bonded: {state}'))
    else:
        steps.run('refused', lambda: expect(error is not None, 'pairing succeeded outside the window'))
        steps.run('not-paired', lambda: expect(not state['central.Paired'] and not state['peripheral.Paired'],
                                               f'paired anyway: {state}'))
    if s.connected():
        s.ctl.disconnect(s.boots)


def bonded_write(s, steps, args):
    s.connect()
    before = steps.run('read-before', lambda: pressure_of(s.read(PRESSURE)))
    target = args.value
    expect(target != before, f'choose a --value other than the current {before}')

    def write():
        error = write_outcome(s.ctl, target.to_bytes(2, 'little'), 8)
        expect(error is None, f'bonded write refused: {error}')
    steps.run('write', write)
    after = steps.run('read-back', lambda: pressure_of(s.read(PRESSURE)))
    steps.run('value-changed', lambda: expect(after == target, f'read back {after}, wrote {target}'))
    state = paired_state(s.central, s.boots)
    steps.run('still-bonded', lambda: expect(all(state.values()), f'bond lost: {state}'))
    s.ctl.disconnect(s.boots)


def write_refused(s, steps, args):
    s.connect()
    before = steps.run('read-before', lambda: pressure_of(s.read(PRESSURE)))

    def refused():
        error = write_outcome(s.ctl, args.value.to_bytes(2, 'little'), 20)
        s.ctl.drain(quiet=2.0, limit=15)
        expect(error is not None, 'the write was accepted')
    steps.run('write-refused', refused)
    if not s.connected():
        s.connect()
    after = steps.run('read-back', lambda: pressure_of(s.read(PRESSURE)))
    steps.run('value-unchanged', lambda: expect(after == before, f'Pressure changed {before} -> {after}'))
    s.ctl.disconnect(s.boots)


def read_state(s, steps, args):
    s.connect()
    live = steps.run('read-live-state', s.read, LIVE_STATE)
    # When Live State (and its `remaining`) was read: the reads after it take seconds under TCG,
    # and a stamp taken after them made a correct `remaining` look 7–9 s off.
    read_at = time.time()
    timer = steps.run('read-session-timer', s.read, TIMER)
    pressure = steps.run('read-pressure', lambda: pressure_of(s.read(PRESSURE)))
    expect(len(live) == 15 and len(timer) == 8, f'live {live.hex()} timer {timer.hex()}')
    state = {'phase': live[0], 'activeChamber': live[1], 'measured': int.from_bytes(live[2:4], 'little'),
             'cycle': int.from_bytes(live[6:8], 'little'), 'remaining': int.from_bytes(live[8:10], 'little'),
             'fault': live[11], 'flags': live[12],
             'duration': int.from_bytes(timer[0:2], 'little'), 'elapsed': int.from_bytes(timer[2:4], 'little'),
             'pressure': pressure, 'read_at': read_at}
    s.ctl.mark(f'state read: {state}')
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(state, f)
    s.ctl.disconnect(s.boots)
    print(json.dumps(state))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('action', choices=['unpaired-write', 'pair-refused', 'pair', 'write', 'write-refused',
                                      'read-state', 'scan'])
    p.add_argument('--central', required=True, help='address of the central adapter (hci1)')
    p.add_argument('--name', default='Presso-Sec', help='advertised name of the boots')
    p.add_argument('--transcript', required=True)
    p.add_argument('--prefix', required=True)
    p.add_argument('--value', type=int, default=120, help='Pressure to write, mmHg')
    p.add_argument('--boots', help='address of the boots: once bonded, connect without scanning')
    p.add_argument('--before-pair', help='pair: shell command run right before `pair`')
    p.add_argument('--json', help='read-state: write the state here')
    args = p.parse_args()
    steps = Steps(args.prefix)
    s = Session(args, steps)
    try:
        s.start()
        {'unpaired-write': unpaired_write, 'pair-refused': lambda *a: pair(*a, expect_success=False),
         'pair': lambda *a: pair(*a, expect_success=True), 'write': bonded_write, 'write-refused': write_refused,
         'read-state': read_state, 'scan': lambda *a: None}[args.action](s, steps, args)
    except StepFailed:
        return 1
    except (BluetoothctlError, AssertionError) as e:
        print(f'FAIL outside a step: {e}', flush=True)
        steps._record(f'FAIL {steps.scenario}/{steps.prefix}.error: {e}')
        return 1
    finally:
        s.close()
    return 0


if __name__ == '__main__':
    sys.exit(main())
