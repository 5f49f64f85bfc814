"""Shared parts of the side-by-side benchmarks (run with Debian's /usr/bin/python3: python3-dbus).

A private dbus-daemon, the BlueZ double (Tests/Support/bluez_double.py) as "bluetoothd" on it, and
the peers started against it as they would start on a board (DBUS_SYSTEM_BUS_ADDRESS), every
process pinned to one CPU with taskset. Every process started here is recorded and killed by its
own PID at the end, never by name.
"""
import os, re, shutil, signal, statistics, subprocess, sys, tempfile, time

import dbus

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..'))
DOUBLE = os.path.join(ROOT, 'Tests/Support/bluez_double.py')
EXAMPLE = '/usr/share/doc/bluez-test-scripts/examples/example-gatt-server'
BLESS_SERVER = os.path.join(ROOT, 'Benchmarks/gatt/bless_server.py')
CTL = 'org.presso.Test.BlueZDouble'

PRESSOD_CONF = """[daemon]
state_directory = {state}
[bluetooth]
name = Presso-Bench
security = open
[simulator]
chambers = 6
exhaust = common
sensing = manifold
seed = 1
"""


def median(values):
    return statistics.median(values) if values else float('nan')


def loadavg():
    with open('/proc/loadavg') as f:
        return ' '.join(f.read().split()[:3])


def cpu_ns(pid):
    """Run time (ns) of the living threads of `pid`: sum of /proc/PID/task/*/schedstat."""
    total = 0
    for tid in os.listdir(f'/proc/{pid}/task'):
        try:
            with open(f'/proc/{pid}/task/{tid}/schedstat') as f:
                total += int(f.read().split()[0])
        except OSError:
            pass
    return total


def cpu_ticks(pid):
    """utime + stime of /proc/PID/stat (all threads, clock ticks)."""
    with open(f'/proc/{pid}/stat') as f:
        fields = f.read().rsplit(')', 1)[1].split()
    return int(fields[11]) + int(fields[12])


def status_kib(pid, key):
    with open(f'/proc/{pid}/status') as f:
        for line in f:
            if line.startswith(key + ':'):
                return int(line.split()[1])
    return None


def pss_kib(pid):
    try:
        with open(f'/proc/{pid}/smaps_rollup') as f:
            for line in f:
                if line.startswith('Pss:'):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


class Bench:
    """A private bus with the BlueZ double, and the processes started on it."""

    def __init__(self, cpu='0', monitor=False):
        self.cpu = cpu
        self.dir = tempfile.mkdtemp(prefix='presso-bench-')
        self.procs = []
        self.address = None
        self.bus = None

    def pin(self, argv):
        return ['taskset', '-c', self.cpu] + argv if self.cpu is not None else argv

    def spawn(self, argv, log, env=None, pin=True):
        full = dict(os.environ)
        full.update(env or {})
        out = open(os.path.join(self.dir, log), 'w')
        proc = subprocess.Popen(self.pin(argv) if pin else argv, stdout=out, stderr=subprocess.STDOUT,
                                env=full, stdin=subprocess.DEVNULL)
        self.procs.append(proc)
        return proc

    def log(self, name):
        with open(os.path.join(self.dir, name)) as f:
            return f.read()

    def wait_log(self, name, pattern, timeout=30):
        end = time.time() + timeout
        while time.time() < end:
            if re.search(pattern, self.log(name)):
                return
            time.sleep(0.02)
        raise RuntimeError(f'{name}: no "{pattern}" after {timeout} s:\n{self.log(name)[-2000:]}')

    def start_bus(self):
        self.daemon = self.spawn(['dbus-daemon', '--session', '--nofork', '--nopidfile', '--print-address=1'],
                                 'dbus-daemon.log')
        self.wait_log('dbus-daemon.log', r'unix:')
        self.address = self.log('dbus-daemon.log').splitlines()[0].strip()
        self.env = {'DBUS_SYSTEM_BUS_ADDRESS': self.address, 'DBUS_SESSION_BUS_ADDRESS': self.address}
        self.double = self.spawn(['/usr/bin/python3', DOUBLE, '--address', self.address], 'double.log')
        self.wait_log('double.log', 'READY')
        self.bus = dbus.bus.BusConnection(self.address)
        self.ctl = dbus.Interface(self.bus.get_object(CTL, '/org/presso/test'), CTL)

    # -- peers --------------------------------------------------------------------------------

    def start_pressod(self, pressod, extra=(), log='pressod.log'):
        state = os.path.join(self.dir, 'state-' + log)
        os.makedirs(state, exist_ok=True)
        conf = os.path.join(self.dir, log + '.conf')
        with open(conf, 'w') as f:
            f.write(PRESSOD_CONF.format(state=state))
        return self.spawn([pressod, 'run', '--config', conf, *extra], log, env=self.env)

    def start_example(self):
        return self.spawn(['/usr/bin/python3', EXAMPLE], 'example.log', env=self.env)

    def start_bless(self, python):
        return self.spawn([python, BLESS_SERVER], 'bless.log', env=self.env)

    def start_c_echo(self, binary, name='presso.bench.C'):
        proc = self.spawn([binary, self.address, name], 'c-echo.log')
        self.wait_log('c-echo.log', 'ready')
        return proc

    # -- what the double sees -----------------------------------------------------------------

    def unique_name(self, pid):
        bus = dbus.Interface(self.bus.get_object('org.freedesktop.DBus', '/org/freedesktop/DBus'),
                             'org.freedesktop.DBus')
        for name in bus.ListNames():
            if name.startswith(':') and int(bus.GetConnectionUnixProcessID(name)) == pid:
                return str(name)
        return None

    def application_of(self, pid, timeout=30):
        """(unique name, application path) once the double has the application of `pid`."""
        end = time.time() + timeout
        while time.time() < end:
            name = self.unique_name(pid)
            for entry in self.ctl.Registered().get('applications', []):
                sender, path = str(entry).split(' ', 1)
                if sender == name:
                    return name, path
            time.sleep(0.05)
        raise RuntimeError(f'pid {pid}: no application registered with the double after {timeout} s')

    def characteristic(self, name, app, uuid):
        """Object path of the characteristic `uuid` in the application (GetManagedObjects, as
        bluetoothd reads it)."""
        om = dbus.Interface(self.bus.get_object(name, app), 'org.freedesktop.DBus.ObjectManager')
        for path, interfaces in om.GetManagedObjects().items():
            props = interfaces.get('org.bluez.GattCharacteristic1')
            if props and str(props['UUID']).lower() == uuid.lower():
                return str(path)
        raise RuntimeError(f'{name} {app}: no characteristic {uuid}')

    def close(self):
        for proc in reversed(self.procs):
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in reversed(self.procs):
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


def run(argv):
    """Runs a command to completion; its stdout, or an exception with its output."""
    done = subprocess.run(argv, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f'{" ".join(argv)}: exit {done.returncode}\n{done.stdout}{done.stderr}')
    return done.stdout


def keyvalues(line):
    return {k: float(v) for k, v in (item.split('=', 1) for item in line.split())}
