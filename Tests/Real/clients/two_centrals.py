#!/usr/bin/env python3
"""Two centrals (bleak, one adapter each: hci1 and hci2) connected to pressod at once.

  1. the first central connects; the second finds the boots in a scan while the first is
     connected (advertising goes on) and connects too; both subscribe to Live State, Pressure
     and the control point's indications;
  2. the first starts a session (120 mmHg): BOTH get Live State notifications, the same values in
     the same order;
  3. serialised writes, two ways:
     - both write Pressure at the same time, each its own increasing series (first: 100, 104,
       ...; second: 102, 106, ...): every write is accepted; both centrals are notified the SAME
       sequence of values, each value one that was written, each writer's values in its order;
       the last value notified is what both read back, and it is the last value of one of them;
     - both send Pause (then Resume) at the same time, ROUNDS times: exactly one of each pair
       succeeds and the other is answered Operation Failed (already paused / not paused), and
       both centrals receive both indications. Were the two writes applied concurrently, both
       could succeed.
  4. stop, both disconnect.
Each step is a PASS/FAIL line (steps.py); values go to --log."""
import asyncio

import bleak_central
import boots_profile as boots
from steps import Steps, expect

p = boots.parser(__doc__)
p.add_argument('--adapters', default='hci1,hci2', help='the two central adapters')
p.add_argument('--writes', type=int, default=8, help='Pressure writes per central')
p.add_argument('--rounds', type=int, default=3, help='simultaneous Pause/Resume pairs')
p.add_argument('--log', required=True)
a = p.parse_args()
steps = Steps(a.prefix)
log = bleak_central.line_logger(a.log)
PAUSE, RESUME = bytes([0x02]), bytes([0x03])
SUCCESS, OPERATION_FAILED = 0x01, 0x04


class Central:
    """One adapter's connection to the boots and what it was sent."""

    def __init__(self, name, adapter):
        self.name, self.adapter, self.client = name, adapter, None
        self.notified = {cid: bleak_central.Notified(self.logger(cid)) for cid in ('liveState', 'pressure', 'controlPoint')}

    def logger(self, cid):
        return None if cid == 'liveState' else lambda value: log(f'{self.name}: {cid} {value.hex()}')

    def received(self, cid, since=0):
        return self.notified[cid].values[since:]

    async def connect(self):
        device = await bleak_central.find(a.name, boots.SERVICE, self.adapter, log=log)
        expect(device.address == a.peripheral.upper(), f'{a.name} is {device.address}, not {a.peripheral}')
        # bleak's connect includes service discovery; on a loaded TCG host a connection alone
        # took 25 s, so the default 30 s timed out (then bleak disconnects).
        self.client = bleak_central.client(device, self.adapter, timeout=90)
        await self.client.connect()
        # What service discovery found, for when a characteristic is missing.
        for service in self.client.services:
            log(f'{self.name}: service {service.uuid} {service.handle:#06x}: '
                f'{[c.uuid[:8] for c in service.characteristics]}')
        for cid, notified in self.notified.items():
            await self.client.start_notify(boots.uuid(cid), notified)
        log(f'{self.name} ({self.adapter}) connected, subscribed to {list(self.notified)}')

    async def wait(self, cid, count, timeout, since=0):
        return await self.notified[cid].wait_count(count, timeout, since)

    async def write(self, cid, value):
        await self.client.write_gatt_char(boots.uuid(cid), value, response=True)

    async def read(self, cid):
        return bytes(await self.client.read_gatt_char(boots.uuid(cid)))


def contiguous_in(part, whole):
    return any(whole[i:i + len(part)] == part for i in range(len(whole) - len(part) + 1))


def mmhg(value):
    return int.from_bytes(value, 'little')


async def main():
    first, second = (Central(n, ad) for n, ad in zip(('first', 'second'), a.adapters.split(',')))
    await steps.arun('first-connects', first.connect)
    # While one central is connected the boots must still advertise, or no second can find them.
    await steps.arun('second-finds-and-connects-while-first-connected', second.connect)
    both = (first, second)
    try:
        async def command(central, data, expected):
            since = [len(c.received('controlPoint')) for c in both]
            await central.write('controlPoint', data)
            got = await central.wait('controlPoint', 1, 20, since[both.index(central)])
            expect(got[0] == expected, f'indicated {got[0].hex()}, expected {expected.hex()}')

        async def start():
            live = boots.decode('liveState', await first.read('liveState'))[0]
            needed = boots.to_idle(live)
            if needed:
                log(f'not idle (phase {live["phase"]}, fault {live["fault"]}): {needed[0].hex()}')
                await command(first, *needed)
            await first.write('pressure', boots.PRESSURE)
            await first.write('chambers', boots.CHAMBERS)
            await command(first, boots.START, bytes([0x80, 0x01, 0x01]))
        await steps.arun('first-starts-session', start)

        async def both_notified():
            since = [len(c.received('liveState')) for c in both]
            got = await asyncio.gather(*(c.wait('liveState', 6, 60, s) for c, s in zip(both, since)))
            await asyncio.sleep(0.5)        # let the last value reach both
            a_values, b_values = (c.received('liveState', s) for c, s in zip(both, since))
            for c, values in zip(both, (a_values, b_values)):
                log(f'{c.name}: {len(values)} Live State notifications, last: {boots.live_line(values[-1])}')
                expect(all(boots.decode('liveState', v)[0]['flags'] & 1 for v in values), f'{c.name}: not running')
            shorter, longer = sorted((a_values, b_values), key=len)
            expect(contiguous_in(shorter[1:-1], longer), 'the centrals were notified different Live State sequences')
            return got
        await steps.arun('both-notified-same-live-state', both_notified)

        async def pressure_race():
            series = {first: [100 + 4 * i for i in range(a.writes)], second: [102 + 4 * i for i in range(a.writes)]}
            since = [len(c.received('pressure')) for c in both]

            async def writer(central):
                for value in series[central]:
                    await central.write('pressure', value.to_bytes(2, 'little'))
            await asyncio.gather(*(writer(c) for c in both))
            reads = [mmhg(await c.read('pressure')) for c in both]
            await asyncio.sleep(1.0)        # notifications still in flight
            seen = [[mmhg(v) for v in c.received('pressure', s)] for c, s in zip(both, since)]
            log(f'Pressure notified to first: {seen[0]}; to second: {seen[1]}; read back: {reads}')
            expect(seen[0] == seen[1], 'the centrals were notified different Pressure sequences')
            expect(seen[0], 'no Pressure notification')
            written = set(series[first]) | set(series[second])
            expect(set(seen[0]) <= written, f'a value nobody wrote was notified: {set(seen[0]) - written}')
            for c in both:
                own = [v for v in seen[0] if v in series[c]]
                expect(own == sorted(own), f'{c.name}\'s writes notified out of its order: {own}')
            expect(reads[0] == reads[1] == seen[0][-1], f'read back {reads}, last notified {seen[0][-1]}')
            expect(reads[0] in (series[first][-1], series[second][-1]), f'final {reads[0]} is no writer\'s last value')
        await steps.arun('simultaneous-pressure-writes-serialised', pressure_race)

        async def race(opcode, name):
            since = [len(c.received('controlPoint')) for c in both]
            await asyncio.gather(*(c.write('controlPoint', opcode) for c in both))
            got = await asyncio.gather(*(c.wait('controlPoint', 2, 30, s) for c, s in zip(both, since)))
            await asyncio.sleep(0.5)
            for c, s in zip(both, since):
                answers = c.received('controlPoint', s)
                expect(len(answers) == 2, f'{c.name} got {len(answers)} indications for two {name}s')
                results = sorted(x[2] for x in answers)
                expect(all(x[:2] == bytes([0x80, opcode[0]]) for x in answers), f'{[x.hex() for x in answers]}')
                expect(results == [SUCCESS, OPERATION_FAILED],
                       f'{c.name}: two simultaneous {name}s answered {[x.hex() for x in answers]}: not one success, one failure')
            log(f'{name} x2 at once: {[x.hex() for x in got[0]]} (first) {[x.hex() for x in got[1]]} (second)')

        for r in range(1, a.rounds + 1):
            await steps.arun(f'simultaneous-pause-{r}-one-wins', race, PAUSE, 'Pause')
            await steps.arun(f'simultaneous-resume-{r}-one-wins', race, RESUME, 'Resume')

        await steps.arun('second-stops-session', command, second, boots.STOP, bytes([0x80, 0x04, 0x01]))
    finally:
        await bleak_central.disconnect_step(steps, *(c.client for c in both), name='both-disconnect')


bleak_central.run_steps(main, steps)
