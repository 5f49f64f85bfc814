"""bluetoothctl on hci1 as the boots' central: what every bluetoothctl client of pressod does
(find, connect, read decoded, write the control point and wait for its indication), shared by
clients/boots_btctl.py (the profile's session) and hil/gpio_hil.py (a session on gpio-sim).

Every value notified or indicated is decoded into the transcript as it arrives ('#####' lines);
RecordingBluetoothctl keeps each one with its CLOCK_MONOTONIC time (Python's time.monotonic)."""
import re
import time

import boots_profile as boots
from btctl import HEX_LINE, Bluetoothctl, BluetoothctlError
from steps import expect

CHG_VALUE = re.compile(r'CHG\] Attribute (\S+) Value:')


class RecordingBluetoothctl(Bluetoothctl):
    """Bluetoothctl that also records every '[CHG] Attribute PATH Value:' dump it reads,
    whichever command happens to be reading lines (a write waiting for its outcome reads the
    control point's indication), as (monotonic time, path, bytes)."""

    def __init__(self, transcript_path, on_value=None, echo=False):
        super().__init__(transcript_path)
        self.values, self.on_value, self._pending, self.echo = [], on_value, None, echo

    def next_line(self, deadline):
        line = super().next_line(deadline)
        if self.echo and line.strip():
            print(f'    | {line}', flush=True)
        self._parse(line)
        return line

    def _parse(self, line):
        header = CHG_VALUE.search(line)
        if header:
            self._finish()
            self._pending = (header.group(1), bytearray())
            return
        if self._pending is None:
            return
        dump = HEX_LINE.match(line)
        if dump:
            self._pending[1].extend(bytes.fromhex(dump.group(1)))
            if len(dump.group(1)) < 48:     # a short row is the last one
                self._finish()
        elif line.strip():
            self._finish()

    def _finish(self):
        if self._pending and self._pending[1]:
            entry = (time.monotonic(), self._pending[0], bytes(self._pending[1]))
            self.values.append(entry)
            if self.on_value:
                self.on_value(*entry)
        self._pending = None

    def values_of(self, path, since=0):
        return [value for _, p, value in self.values[since:] if p == path]

    def wait_values(self, path, done, timeout, since=0):
        """Reads lines until done(values of `path` recorded after index `since`) holds."""
        deadline = time.monotonic() + timeout
        while not done(self.values_of(path, since)):
            if time.monotonic() > deadline:
                raise BluetoothctlError(f'timed out waiting for values of {path}: '
                                        f'{[v.hex() for v in self.values_of(path, since)]}')
            try:
                self.next_line(min(deadline, time.monotonic() + 1))
            except Exception:   # pexpect.TIMEOUT: quiet for a second, look again
                pass
        return self.values_of(path, since)


class BootsCentral:
    """One bluetoothctl session against pressod: `with BootsCentral(...) as boots:`; `boots.ctl`
    is the RecordingBluetoothctl underneath. Each method is meant to be one recorded step."""

    def __init__(self, transcript, central, peripheral, name, echo=False):
        self.central, self.peripheral, self.name = central, peripheral, name
        self.t0 = time.monotonic()
        self.attrs, self.address = {}, None
        self.ctl = RecordingBluetoothctl(transcript, self.on_value, echo)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.ctl.close()

    def path(self, cid):
        return self.attrs[boots.uuid(cid)]

    def on_value(self, _t, path, value):
        """Every notified/indicated value, decoded into the transcript as it arrives."""
        if path == self.attrs.get(boots.uuid('liveState')):
            self.ctl.mark(boots.live_line(value, self.t0))
        elif path == self.attrs.get(boots.uuid('controlPoint')):
            self.ctl.mark(f'indication {value.hex()}: {boots.indication_text(value)}')

    def select_controller(self):
        try:
            self.ctl.select_controller(self.central)
        except BluetoothctlError as error:
            # Seen once (1 run of 2, loaded host): bluetoothctl registered its agent but printed
            # no "[NEW] Controller" in 20 s. `list` asks again; the transcript shows when.
            self.ctl.mark(f'no controller listed at start ({error}); asking with `list`')
            self.ctl.send('list')
            self.ctl.select_controller(self.central)

    def scan(self):
        """Finds the boots by name and service UUID; the idle status in the manufacturer data."""
        ctl = self.ctl
        since = len(ctl.lines)
        self.address = ctl.scan_for(self.name, boots.SERVICE)
        expect(self.address == self.peripheral.upper(),
               f'{self.name} is {self.address}, not hci0 ({self.peripheral})')
        # `info` (run by scan_for) printed the manufacturer data: the live status without connecting.
        lines = ctl.lines[since:]
        for i, line in enumerate(lines):
            if re.search(r'ManufacturerData Key: 0xffff', line):
                dump = next((HEX_LINE.match(x) for x in lines[i + 1:i + 4] if HEX_LINE.match(x)), None)
                expect(dump is not None, 'no ManufacturerData value under its key')
                decoded, _, text = boots.CONTRACT.manufacturer_data(bytes.fromhex(dump.group(1)))
                ctl.mark(f'advertised status (manufacturer data 0xffff): {text}')
                expect(decoded['version'] == 1 and decoded['flags'] & 1 == 0, f'idle boots advertise {decoded}')
                return
        raise AssertionError('info showed no ManufacturerData Key: 0xffff')

    def connect(self):
        self.ctl.connect(self.address)

    def list_attributes(self):
        attrs = self.ctl.list_attributes(self.address)
        missing = [u for u in boots.all_uuids() if u not in attrs]
        expect(not missing, f'not among the attributes: {missing}')
        self.attrs = attrs

    def read_marked(self, cid):
        """Selects and reads `cid`; the decoded value goes into the transcript. Returns the bytes."""
        self.ctl.select_attribute(boots.uuid(cid))
        value = self.ctl.read()
        self.ctl.mark(f'read {cid} = {value.hex()}: {boots.decode(cid, value)[1]}')
        return value

    def notify_on(self, cid):
        self.ctl.select_attribute(boots.uuid(cid))
        self.ctl.send('notify on')
        self.ctl.wait_line(r'Notify started', 20, fail=r'Failed to start notify')

    def notify_off(self, cid):
        self.ctl.select_attribute(boots.uuid(cid))
        self.ctl.send('notify off')
        self.ctl.wait_line(r'Notify stopped', 20, fail=r'Failed to stop notify')

    def command(self, data, expected, select=True):
        """Writes to the control point (indications on) and waits for the indication `expected`.
        Returns the monotonic time just before the `write` went to bluetoothctl. `select=False`
        when the control point is still selected (selecting takes a second: it waits for a
        complaint that does not come)."""
        path = self.path('controlPoint')
        since = len(self.ctl.values)
        if select:
            self.ctl.select_attribute(boots.uuid('controlPoint'))
        sent = time.monotonic()
        error = self.ctl.write(data)
        expect(error is None, f'control point write {data.hex()} refused: {error}')
        got = self.ctl.wait_values(path, lambda v: len(v) >= 1, 20, since)
        expect(got == [expected], f'indicated {[v.hex() for v in got]}, expected {expected.hex()}')
        return sent

    def make_idle(self):
        """A session or fault left by an earlier client is ended first (never silently: marked)."""
        live = boots.decode('liveState', self.read_marked('liveState'))[0]
        needed = boots.to_idle(live)
        if needed:
            self.ctl.mark(f'boots not idle (phase {live["phase"]}, fault {live["fault"]}): control point {needed[0].hex()}')
            self.command(*needed)

    def watch_live_state(self):
        """bluetoothctl 5.66 prints "[CHG] Attribute ... Value" only for the SELECTED attribute
        (main.c property_changed: `proxy == default_attr`): Live State is selected again after
        every control point command, whose indication needs the control point selected."""
        self.ctl.select_attribute(boots.uuid('liveState'))

    def disconnect(self):
        self.ctl.disconnect(self.address)

    def forget(self):
        self.ctl.remove(self.address)
