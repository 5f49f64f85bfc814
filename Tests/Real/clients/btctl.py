"""Drive BlueZ's bluetoothctl (5.66) as a BLE central, through pexpect.

bluetoothctl is read line by line: ANSI colour codes and readline markers are stripped, and
since bluetoothctl redraws its prompt with a carriage return before every asynchronous message,
only the text after the last '\\r' of a line counts. Everything bluetoothctl prints goes to a
transcript file, with '#####' marker lines for each command sent and each step's outcome.

Typical use (see gatt_example_btctl.py):
    with Bluetoothctl(transcript) as ctl:
        ctl.select_controller(central_address)
        address = ctl.scan_for(name='Presso-Example', service_uuid=SERVICE)
        ctl.connect(address)
        attrs = ctl.list_attributes(address)
        ctl.select_attribute(uuid); value = ctl.read(); ctl.write(b'\\x01'); ...
"""
import re
import time

import pexpect

ANSI = re.compile(r'\x1b\[[0-9;?]*[A-Za-z]|[\x01\x02\x08]')
HEX_LINE = re.compile(r'^\s*((?:[0-9a-f]{2} ){1,16})')
ADDRESS = r'[0-9A-F]{2}(?::[0-9A-F]{2}){5}'


class BluetoothctlError(Exception):
    pass


def clean(raw):
    text = ANSI.sub('', raw).rstrip('\r\n')
    segments = [s for s in text.split('\r') if s.strip()]
    line = segments[-1] if segments else ''
    # an asynchronous message can follow a prompt on the same line: "[bluetooth]# [NEW] ..."
    return re.sub(r'^\[[^\]]*\]# ', '', line)


def hex_bytes(text):
    """'0x01 0x02' style argument for bluetoothctl's write."""
    return ' '.join(f'0x{b:02x}' for b in text)


class Bluetoothctl:
    def __init__(self, transcript_path, default_timeout=30):
        self.transcript = open(transcript_path, 'a', encoding='utf-8')
        self.timeout = default_timeout
        self.child = pexpect.spawn('bluetoothctl', encoding='utf-8', codec_errors='replace',
                                   timeout=default_timeout, env={'TERM': 'dumb', 'PATH': '/usr/bin:/bin'})
        self.child.logfile_read = self.transcript
        self.lines = []     # every cleaned line read so far (for diagnostics)

    # -- plumbing ------------------------------------------------------------------------------
    def mark(self, text):
        line = f'##### [{time.monotonic():.2f}] {text}'
        self.transcript.write('\n' + line + '\n')
        self.transcript.flush()
        print(line, flush=True)

    def send(self, command):
        self.mark(f'SEND: {command}')
        self.child.sendline(command)

    def next_line(self, deadline):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise pexpect.TIMEOUT('deadline passed')
        self.child.expect('\n', timeout=remaining)
        line = clean(self.child.before)
        self.lines.append(line)
        return line

    def wait_line(self, pattern, timeout=None, fail=None):
        """Consumes lines until one matches `pattern` (regex search); returns the match.
        A line matching `fail` raises BluetoothctlError at once."""
        deadline = time.monotonic() + (timeout or self.timeout)
        while True:
            try:
                line = self.next_line(deadline)
            except pexpect.TIMEOUT:
                raise BluetoothctlError(f'timed out waiting for /{pattern}/') from None
            if fail and re.search(fail, line):
                raise BluetoothctlError(f'bluetoothctl: {line.strip()}')
            found = re.search(pattern, line)
            if found:
                return found

    def drain(self, quiet=1.0, limit=20):
        """Reads lines until bluetoothctl is quiet for `quiet` seconds; returns them."""
        got, deadline = [], time.monotonic() + limit
        while time.monotonic() < deadline:
            try:
                got.append(self.next_line(time.monotonic() + quiet))
            except pexpect.TIMEOUT:
                break
        return got

    def hex_values_after(self, header, timeout):
        """Waits for a line matching `header`, then returns the bytes of the hex dump under it."""
        self.wait_line(header, timeout)
        value = bytearray()
        while True:
            try:
                line = self.next_line(time.monotonic() + 1.0)
            except pexpect.TIMEOUT:
                break
            if not line.strip():
                continue        # a prompt redraw
            dump = HEX_LINE.match(line)
            if not dump:
                break
            value += bytes.fromhex(dump.group(1))
            if len(dump.group(1)) < 48:     # a short row is the last one
                break
        return bytes(value)

    # -- commands ------------------------------------------------------------------------------
    def select_controller(self, address):
        # bluetoothctl 5.66 adds its controllers before it reads stdin (client/main.c attaches
        # the shell in client_ready, after GetManagedObjects), and bt_shell_printf drops output
        # until then: the "[NEW] Controller" lines never show. The first Controller line it
        # prints by itself is a property change, "Pairable: yes" when its agent happens to be
        # the first one registered with bluetoothd — not so when a peripheral under test has
        # registered one before. `list` asks instead (input waits in the pty until attached).
        self.send('list')
        self.wait_line(rf'Controller {address}', 20)
        self.send(f'select {address}')
        self.send('show')
        self.wait_line(rf'Controller {address}', 10)
        self.wait_line(r'Powered: yes', 10, fail=r'Powered: no')

    def scan_for(self, name, service_uuid=None, cycles=3, cycle_timeout=15):
        """Scans until a device called `name` appears; returns its address. With
        `service_uuid`, the device's advertised UUIDs (bluetoothctl `info`) must include it."""
        found = None
        # btvirt emits an advertiser's report once per scan start; Tests/Real/host/
        # btvirt_shim.c delays it so the kernel is ready for it. Should the single report
        # still be lost, only a new scan start repeats it: that race is the one reason for
        # more than one scan cycle here. Extra cycles are logged, so flakiness stays visible.
        for cycle in range(1, cycles + 1):
            self.send('scan on')
            try:
                m = self.wait_line(rf'(?:NEW|CHG)\] Device ({ADDRESS}) (?:Name: |Alias: )?{re.escape(name)}$',
                                   cycle_timeout)
                found = m.group(1)
                self.mark(f'device {name} = {found} seen in scan cycle {cycle}')
                break
            except BluetoothctlError:
                self.mark(f'scan cycle {cycle}: {name} not seen')
            finally:
                self.send('scan off')
                self.wait_line(r'Discovery stopped|Discovering: no', 20)
        if found is None:
            raise BluetoothctlError(f'{name} not seen in {cycles} scan cycles')
        if service_uuid:
            self.send(f'info {found}')
            uuids = []
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                line = self.wait_line(r'UUID: .*\(([0-9a-fA-F-]{36})\)|(?:Connected|RSSI|TxPower|AdvertisingFlags)', 10)
                if line.group(1):
                    uuids.append(line.group(1).lower())
                elif line.group(0).startswith(('Connected', 'RSSI', 'TxPower', 'Advertising')) and uuids:
                    break
            if service_uuid.lower() not in uuids:
                raise BluetoothctlError(f'{name} advertises {uuids}, not {service_uuid}')
            self.mark(f'{name} advertises {service_uuid}')
        return found

    def connect(self, address):
        self.send(f'connect {address}')
        self.wait_line(r'Connection successful', 60, fail=r'Failed to connect')
        self.wait_line(rf'Device {address} ServicesResolved: yes', 60,
                       fail=rf'Device {address} Connected: no')

    def list_attributes(self, address):
        """Returns {uuid: object path} of every service/characteristic/descriptor of the device."""
        self.send('menu gatt')
        self.drain(0.5)
        self.send(f'list-attributes {address}')
        lines = self.drain(1.5)
        attrs, path = {}, None
        for line in lines:
            text = line.strip()
            if text.startswith('/org/bluez/'):
                path = text
            elif path and re.fullmatch(r'[0-9a-f-]{36}', text):
                attrs[text] = path
                path = None
        if not attrs:
            raise BluetoothctlError('list-attributes printed no attribute')
        return attrs

    def select_attribute(self, uuid):
        # success changes only the prompt (no newline), so wait briefly for a complaint instead
        self.send(f'select-attribute {uuid}')
        try:
            m = self.wait_line(r'No attribute|not found|Missing|No device', 1)
        except BluetoothctlError:
            return
        raise BluetoothctlError(f'select-attribute {uuid}: {m.string.strip()}')

    def read(self):
        """Reads the selected attribute. bluetoothctl 5.66 prints the reply as a bare hex dump
        (16 bytes a row, nothing at all for an empty value); when the read changed the cached
        value, a "[CHG] Attribute ... Value:" block with the same bytes comes first. So the rows
        are split into dumps (a short row or a CHG header ends one) and the last dump is the reply."""
        self.send('read')
        self.wait_line(r'Attempting to read', 20, fail=r'Failed to read|Unable to read')
        # The reply can take longer than drain's quiet time on a loaded host (seen: more than
        # 1.5 s): wait for its first line, then drain. An empty value prints nothing (20 s).
        try:
            first = [self.wait_line(r'^\s*(?:[0-9a-f]{2} )|Failed to read|Invalid response|Unable to parse|'
                                    r'CHG\] Attribute .* Value:', 20).string]
        except BluetoothctlError:
            first = []
        dumps, current, after_chg = [], [], False
        for line in first + self.drain(quiet=1.5, limit=20):
            if re.search(r'Failed to read|Invalid response|Unable to parse', line):
                raise BluetoothctlError(f'bluetoothctl: {line.strip()}')
            if re.search(r'CHG\] Attribute .* Value:', line):
                current = []
                dumps.append(current)
                after_chg = True
                continue
            dump = HEX_LINE.match(line)
            if not dump:
                continue
            if not dumps or (current and len(current[-1]) < 16):
                current = []
                dumps.append(current)
            current.append(bytes.fromhex(dump.group(1)))
        if not dumps:
            return b''
        rows = dumps[-1]
        half = len(rows) // 2
        if after_chg and len(dumps) == 1 and rows and len(rows) % 2 == 0 and rows[:half] == rows[half:]:
            rows = rows[:half]      # CHG dump and reply of a 16*n-byte value ran together
        return b''.join(rows)

    def write(self, value):
        """Writes and waits for the outcome: returns None on success, else the error line
        (bluetoothctl 5.66 prints only the D-Bus error name, e.g. org.bluez.Error.Failed)."""
        self.send(f'write "{hex_bytes(value)}"')
        self.wait_line(r'Attempting to write', 20)
        try:
            m = self.wait_line(r'Failed to write: (.*)', 3)
            return m.group(1).strip()
        except BluetoothctlError:
            return None     # 5.66 prints nothing after a successful write

    def notify_collect(self, path, count, timeout=30):
        """`notify on`, collects `count` values of the characteristic at `path`, `notify off`."""
        self.send('notify on')
        self.wait_line(r'Notify started', 20, fail=r'Failed to start notify')
        values = []
        header = rf'CHG\] Attribute {re.escape(path)} Value:'
        deadline = time.monotonic() + timeout
        while len(values) < count:
            values.append(self.hex_values_after(header, max(1, deadline - time.monotonic())))
            self.mark(f'notification {len(values)}: {values[-1].hex()}')
        self.send('notify off')
        self.wait_line(r'Notify stopped', 20, fail=r'Failed to stop notify')
        return values

    def disconnect(self, address):
        self.send('back')
        self.send(f'disconnect {address}')
        self.wait_line(rf'Successful disconnected|Device {address} Connected: no', 30,
                       fail=r'Failed to disconnect')

    def remove(self, address):
        """Forgets the device (its cached services and any bond): a later scenario's central on
        this controller then starts from "never seen"."""
        self.send(f'remove {address}')
        self.wait_line(rf'Device has been removed|Device {address} not available', 30,
                       fail=r'Failed to remove device')

    def close(self):
        try:
            self.child.sendline('quit')
            self.child.expect(pexpect.EOF, timeout=5)
        except Exception:
            self.child.terminate(force=True)
        self.transcript.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
