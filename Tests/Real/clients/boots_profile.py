"""The boots' GATT profile for the real tier's clients: UUIDs and meanings from the contract
(gatt-schema/presso-boots.json), decoded by the INDEPENDENT decoder Tests/Support/boots_decoder.py
(Python's struct, never pressod's Swift codecs), and the session both clients drive:

  set pressure 120 mmHg, 4 chambers, 60 s; indications on; idle first (clear a fault, stop a
  session left running); Select Program: wave, hold 2 s, release 1 s, rest 30 s; start; watch
  cycle 1 inflate chambers 1..4 to 120 mmHg, hold, release (vent); a refused 300 mmHg write (the
  pressure reads back 120) and stop while the boots rest, vented, pump off."""
import argparse
import os
import sys
import time
from pathlib import Path

REPO = Path(os.environ.get('PRESSO_REPO', Path(__file__).resolve().parents[3]))
sys.path.insert(0, str(REPO / 'Tests' / 'Support'))

from boots_decoder import Contract  # noqa: E402

CONTRACT = Contract()
CAP, INSTALLED = 200, 6     # the scenario's pressod.conf (defaults: cap 200, 6 chambers)
SERVICE = CONTRACT.json['services'][0]['uuid']

PRESSURE = bytes([0x78, 0x00])          # 120 mmHg, the contract's example write
SESSION_MMHG = 120
# Under TCG on a loaded host the control loop's ticks come late. A late tick while the pump runs
# overshoots, and at low targets the simulated chambers fill so fast (about 170 mmHg/s at 40 mmHg)
# that a 100 ms late tick passes target + 15 mmHg: over-pressure, vented and latched, as the
# safety rules demand (seen once at 40 mmHg). At 120 mmHg (about 45 mmHg/s) that takes a 330 ms
# gap. A gap over 500 ms faults any session (control loop stalled): so the wave is one cycle and
# the steps after it run while the boots rest (pump off).
CHAMBERS = bytes([0x04])                # chambers 1..4
CHAMBERS_READ_BACK = bytes.fromhex('04060f00')
TIMER = bytes([0x3c, 0x00])             # 60 s, the shortest session
# Select Program: kind 0 (wave), hold 2 s, release 1 s, rest 30 s, no parameter/zones/warm-up.
PROGRAM = bytes.fromhex('00 0200 0100 1e00 00 0000 00 00'.replace(' ', ''))
REFUSED = bytes([0x2c, 0x01])           # 300 mmHg: above the absolute 250 -> 0x80 OutOfRange
REFUSED_ATT = 0x80
START, STOP, CLEAR_FAULT, SELECT_PROGRAM = bytes([0x01]), bytes([0x04]), bytes([0x06]), bytes([0x07]) + PROGRAM
WAVE = [1, 2, 3, 4]


def full_uuid(uuid):
    return f'0000{uuid}-0000-1000-8000-00805f9b34fb' if len(uuid) == 4 else uuid.lower()


def uuid(characteristic):
    return full_uuid(CONTRACT.uuid(characteristic))


def readable():
    """Contract ids of every readable characteristic, in contract order."""
    return [cid for cid, ch in CONTRACT.characteristics.items() if 'read' in ch['properties']]


def all_uuids():
    return [SERVICE] + [full_uuid(ch['uuid']) for ch in CONTRACT.characteristics.values()]


def decode(characteristic, data):
    """(decoded value, one readable line); raises if the bytes break the contract's layout or
    a field is outside its documented range."""
    value = CONTRACT.decode(characteristic, data)
    problems = CONTRACT.problems(characteristic, data, cap=CAP, installed=INSTALLED)
    if problems:
        raise AssertionError(f'{characteristic} {bytes(data).hex()}: {problems}')
    return value, CONTRACT.describe(characteristic, data)


def indication_text(data):
    return CONTRACT.indication(data)[1]


def live_line(data, t0=None):
    """A Live State value as the console shows it."""
    stamp = f'[{time.monotonic() - t0:6.2f}s] ' if t0 is not None else ''
    return f'{stamp}live: {decode("liveState", data)[1]}'


def check_wave(states):
    """Cycle 1 of the decoded Live States: inflating 1..4 in order (each at the set pressure),
    all four sealed in the hold, then released (vented). Values notified before the Start took
    effect (still in flight when it was written) are skipped. Returns a summary line."""
    running = [i for i, s in enumerate(states) if s['flags'] & 1]
    states = states[running[0]:] if running else []
    cycle1 = [s for s in states if s['cycle'] == 1]
    climbing = []
    for s in cycle1:
        if s['phase'] == 2 and (not climbing or climbing[-1] != s['activeChamber']):
            climbing.append(s['activeChamber'])
    if climbing != WAVE:
        raise AssertionError(f'active chamber went {climbing}, not {WAVE}')
    if any(s['target'] != SESSION_MMHG for s in cycle1 if s['phase'] == 2):
        raise AssertionError(f'an inflating chamber did not target {SESSION_MMHG} mmHg')
    holding = [s for s in cycle1 if s['phase'] == 3]
    if not holding or holding[0]['fullMask'] != 0b1111:
        raise AssertionError(f'hold without chambers 1-4 sealed: {holding[:1]}')
    released = [s for s in cycle1 if s['phase'] == 4]
    if not released or released[-1]['fullMask'] != 0:
        raise AssertionError('cycle 1 never released (vented)')
    if not all(s['flags'] & 1 for s in states):
        raise AssertionError('Live State says not running during the session')
    peak = max(s['measured'] for s in holding if s['measured'] != 0xFFFF)
    return f'wave {climbing}, hold with chambers 1-4 sealed at {peak} mmHg, released'


def to_idle(live):
    """The control point command (and its indication) that makes these boots idle, or None."""
    if live['phase'] == 7:
        return CLEAR_FAULT, bytes([0x80, 0x06, 0x01])
    if live['flags'] & 1:
        return STOP, bytes([0x80, 0x04, 0x01])
    return None


def parser(description):
    p = argparse.ArgumentParser(description=description)
    p.add_argument('--name', required=True, help="the boots' advertised name (Presso-XXXX)")
    p.add_argument('--peripheral', required=True, help="the boots' adapter address (hci0)")
    p.add_argument('--prefix', required=True, help='step name prefix in results')
    return p
