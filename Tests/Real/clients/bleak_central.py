"""bleak (BLE central library over BlueZ's D-Bus API) as a second, independent client on the
central adapter (hci1 by default). Thin helpers for scenarios: scan, connect, read, write,
notifications, a stamped log, notified values to wait for, and a scenario's run and its
closing disconnect step."""
import asyncio
import sys
import time

from bleak import BleakClient, BleakScanner
from bleak.exc import BleakDBusError, BleakGATTProtocolError
from steps import StepFailed, expect


async def find(name, service_uuid=None, adapter='hci1', cycles=3, cycle_timeout=10, log=print):
    """Scans until a device advertising LocalName `name` (and `service_uuid`) shows up."""
    service_uuid = service_uuid.lower() if service_uuid else None

    def match(device, adv):
        return adv.local_name == name and (service_uuid is None or service_uuid in adv.service_uuids)

    # btvirt sends an advertiser's report once per scan start (see btctl.scan_for): a lost
    # report comes again only with a new scan, hence scan cycles. Extra cycles are logged.
    for cycle in range(1, cycles + 1):
        device = await BleakScanner.find_device_by_filter(match, timeout=cycle_timeout,
                                                          bluez={'adapter': adapter})
        if device is not None:
            log(f'  {name} = {device.address} seen in scan cycle {cycle}')
            return device
        log(f'  scan cycle {cycle}: {name} not seen')
    raise AssertionError(f'{name} not seen in {cycles} scan cycles')


def client(device, adapter='hci1', timeout=30):
    return BleakClient(device, timeout=timeout, bluez={'adapter': adapter})


async def write_error(client, uuid, value):
    """Writes with response. Returns None if accepted, else (ATT error code or None, text).
    bleak 3 turns BlueZ's "Operation failed with ATT error: 0xNN" (org.bluez.Error.Failed) into
    BleakGATTProtocolError(code); other D-Bus errors stay BleakDBusError."""
    try:
        await client.write_gatt_char(uuid, value, response=True)
    except BleakGATTProtocolError as e:
        return int(e.code), str(e)
    except BleakDBusError as e:
        return None, f'{e.dbus_error}: {e.dbus_error_details}'
    return None


async def collect_notifications(client, uuid, count, timeout=30):
    values, enough = [], asyncio.Event()

    def received(_char, data):
        values.append(bytes(data))
        if len(values) >= count:
            enough.set()

    await client.start_notify(uuid, received)
    try:
        await asyncio.wait_for(enough.wait(), timeout)
    finally:
        await client.stop_notify(uuid)
    return values[:count]


def line_logger(path):
    """A log(text) function: each line stamped with the seconds since this call, printed and
    appended to the file at `path`."""
    t0, logfile = time.monotonic(), open(path, 'a')

    def log(text):
        line = f'[{time.monotonic() - t0:7.2f}] {text}'
        print(line, flush=True)
        logfile.write(line + '\n')
        logfile.flush()
    return log


class Notified:
    """The values one characteristic notified (a bleak notification callback), with a way to wait
    for enough of them; `on_value(value)` is called for each (e.g. to log it)."""

    def __init__(self, on_value=None):
        self.values, self.changed, self.on_value = [], asyncio.Event(), on_value

    def __call__(self, _char, data):
        self.values.append(bytes(data))
        if self.on_value:
            self.on_value(bytes(data))
        self.changed.set()

    async def wait(self, done, timeout, since=0):
        """Waits until done(values since `since`) is true; returns those values."""
        async def until():
            while not done(self.values[since:]):
                self.changed.clear()
                await self.changed.wait()
        await asyncio.wait_for(until(), timeout)
        return self.values[since:]

    async def wait_count(self, count, timeout, since=0):
        return await self.wait(lambda v: len(v) >= count, timeout, since)


async def disconnect_step(steps, *clients, name='disconnect'):
    """A scenario's closing step: every client that was created disconnects (a client is None
    when its central never got that far)."""
    clients = [c for c in clients if c is not None]

    async def disconnect():
        for client in clients:
            await client.disconnect()
        expect(not any(c.is_connected for c in clients), 'still connected')
    await steps.arun(name, disconnect)


def run_steps(main, steps):
    """Runs the scenario coroutine function `main`, then exits 1 if a step failed, else 0 (a
    failed step has already recorded itself and ended `main`)."""
    try:
        asyncio.run(main())
    except StepFailed:
        pass
    sys.exit(1 if steps.failed else 0)
