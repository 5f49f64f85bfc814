"""The Bluetooth half of the hardware-in-the-loop scenario (scenarios/30-gpio-hil.sh): pressod
on the gpio-sim chip is driven from hci1 by bluetoothctl (clients/boots_central.py), and every
conclusion is drawn from the simulator side of the lines (the plant's event log), never from
pressod's own account: a control point Start runs the chamber wave (chamber 1 first) on the
lines, the pressures follow (plant and pressod's Live State agree), a control point Stop vents.

The bluetoothctl transcript (every value decoded) is the scenario's bluetoothctl.txt; the time
from `write` handed to bluetoothctl to the first line change is measured, never asserted."""
import time

import boots_profile as boots
from boots_central import BootsCentral
from steps import expect

START_OK = bytes([0x80, 0x01, 0x01])
STOP_OK = bytes([0x80, 0x04, 0x01])


class BluetoothSession:
    def __init__(self, scenario, args, safe):
        self.scenario, self.args, self.safe = scenario, args, safe
        self.plant, self.pressod = scenario.plant, scenario.pressod
        # bluetoothctl `write` sent -> first line change, seconds (one clock: CLOCK_MONOTONIC)
        self.stop_latency = []
        self.live = []      # (time read, decoded Live State) from Start until the hold

    def registered(self):
        """pressod registered its GATT application with bluetoothd (it logs this once BlueZ
        confirmed both the application and the advertisement) and renamed itself."""
        self.pressod.wait_log('registered on hci0', 90)
        self.pressod.wait_log(f'advertising as {self.args.name}', 30)

    def start_wave(self, central):
        """Start on the control point; Live State notifications are read (and time-stamped) as
        they come until the boots hold. Returns the plant log index just before the write."""
        mark = self.plant.mark('bt-start')
        since = len(central.ctl.values)
        central.t0 = time.monotonic()
        sent = central.command(boots.START, START_OK)
        central.ctl.mark(f'Start written at {sent:.6f} (CLOCK_MONOTONIC)')
        central.watch_live_state()
        path = central.path('liveState')

        def holding_or_faulted(values):
            return any(boots.decode('liveState', v)[0]['phase'] in (3, 7) for v in values)
        central.ctl.wait_values(path, holding_or_faulted, 90, since)
        self.live = [(t, boots.decode('liveState', v)[0]) for t, p, v in central.ctl.values[since:] if p == path]
        faults = [s for _, s in self.live if s['phase'] == 7]
        expect(not faults, f'the session faulted: {faults[:1]}')
        return mark

    def plant_reports_by_chamber(self, mark):
        """{chamber: [pressures the plant reported while it alone was inflating]} after `mark`."""
        state, reports = self.plant.state_at(mark), {}
        for kind, _, fields in self.plant.events[mark:]:
            if kind == 'L':
                state[fields[0]] = int(fields[1])
            elif kind == 'P':
                open_inlets = [c for c in range(1, 7) if state.get(f'inlet{c}') == 1]
                if state.get('pump') == 1 and len(open_inlets) == 1:
                    reports.setdefault(open_inlets[0], []).append(float(fields[-1]))
        return reports

    def measured_follows(self, mark):
        """What a central is told while chambers inflate (Live State: the active chamber, its
        target and pressod's reading of the IIO channel) is what happened on the simulator side:
        the chambers in the order the lines showed, the default program's 60 mmHg, and for each
        chamber readings that climb within what the plant reported while that chamber alone
        was inflating (5 mmHg allowed: the plant reports every 50 ms, pressod samples every 2 ms).
        Matched by chamber, not by time: bluetoothctl prints notifications in bursts."""
        self.plant.poll()
        reports = self.plant_reports_by_chamber(mark)
        inflating = [s for _, s in self.live if s['phase'] == 2]
        order = []
        for s in inflating:
            if not order or order[-1] != s['activeChamber']:
                order.append(s['activeChamber'])
        print(f'{len(self.live)} Live State notifications, {len(inflating)} while inflating; '
              f'active chamber {order}', flush=True)
        expect(order == list(range(1, 7)), f'Live State active chamber went {order}')
        expect(all(s['target'] == 60 for s in inflating), 'an inflating chamber did not target 60 mmHg')
        compared, problems = 0, []
        for chamber in range(1, 7):
            measured = [s['measured'] for s in inflating if s['activeChamber'] == chamber and s['measured'] != 0xFFFF]
            plant = reports.get(chamber, [])
            print(f'chamber {chamber}: Live State {measured}; plant {min(plant, default=0):.1f}..'
                  f'{max(plant, default=0):.1f} mmHg ({len(plant)} reports)', flush=True)
            if not measured or not plant:
                continue
            compared += len(measured)
            outside = [m for m in measured if not min(plant) - 5 <= m <= max(plant) + 5]
            falling = [(x, y) for x, y in zip(measured, measured[1:]) if y < x - 3]
            if outside or falling:
                problems.append((chamber, outside, falling))
        expect(compared >= 6, f'only {compared} Live State readings to compare')
        expect(not problems, f'Live State measured not what the plant reported (chamber, outside, falling): {problems}')

    def stop_vents(self, central):
        # Selecting the control point takes bluetoothctl a second: done before the mark, so that
        # the sequencer's own steps (the hold ending, under load) rarely fall between mark and write.
        central.ctl.select_attribute(boots.uuid('controlPoint'))
        mark = self.plant.mark('bt-stop')
        sent = central.command(boots.STOP, STOP_OK, select=False)
        vented = self.plant.wait_state(self.safe, 10, mark, 'vented lines after Stop')
        first = self.plant.wait(lambda i: self.plant.events[i][0] == 'L', 1, mark + 1, 'line change')
        latency = self.plant.events[first][1] - sent
        if latency > 0:
            self.stop_latency.append(latency)
            print(f'bluetoothctl write Stop -> first line change {latency * 1000:.1f} ms, '
                  f'-> all vented {(self.plant.events[vented][1] - sent) * 1000:.1f} ms', flush=True)
        else:   # the sequencer moved a line itself just before the write: no latency to take
            print(f'a line moved {-latency * 1000:.1f} ms before the Stop was written (the sequencer\'s '
                  f'own step): no latency sample; the lines are vented all the same', flush=True)
        central.notify_off('liveState')
        live = boots.decode('liveState', central.read_marked('liveState'))[0]
        expect(live['phase'] == 0 and live['fault'] == 0, f'not idle after Stop: {live}')

    def run(self, steps):
        """The steps, in order (each depends on the ones before). Call with pressod running idle."""
        a = self.args
        steps.run('bt-registered', self.registered)
        with BootsCentral(a.transcript, a.central, a.peripheral, a.name) as central:
            steps.run('bt-select-controller', central.select_controller)
            steps.run('bt-scan', central.scan)
            steps.run('bt-connect', central.connect)
            steps.run('bt-list-attributes', central.list_attributes)
            steps.run('bt-indications-on', central.notify_on, 'controlPoint')
            steps.run('bt-idle-first', central.make_idle)
            steps.run('bt-live-state-notify-on', central.notify_on, 'liveState')
            mark = steps.run('bt-start-until-hold', self.start_wave, central)
            hold, sealed = steps.run('bt-wave-chamber-order', self.scenario.wave, mark)
            steps.run('bt-wave-pressures-follow', self.scenario.wave_pressures, mark, hold, sealed)
            steps.run('bt-live-state-follows-plant', self.measured_follows, mark)
            steps.run('bt-stop-vents', self.stop_vents, central)
            steps.run('bt-disconnect', central.disconnect)
            # 50-security's central on hci1 must not find these services cached.
            steps.run('bt-forget', central.forget)
