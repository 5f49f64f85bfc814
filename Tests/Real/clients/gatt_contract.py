"""The GATT contract a scenario's peripheral is checked against, from command-line options.

Defaults are the contract of the project's example peripheral (`gatt-example-peripheral`):
LocalName `Presso-Example`, advertising its 128-bit service, which holds
  rw      read/write characteristic (a write is read back unchanged)
  refuse  characteristic whose write of 0xFF is refused with application error 0x80
          (org.bluez.Error.Failed "0x80"); other values are accepted
  notify  notifying characteristic counting up once per second while notified
Scenarios may point the clients at another peripheral by overriding these."""
import argparse

BASE = '50726573-736f-4578-616d-706c65'     # "PressoExample" in ASCII hex


def parser(description):
    p = argparse.ArgumentParser(description=description)
    p.add_argument('--name', default='Presso-Example', help='advertised LocalName')
    p.add_argument('--service', default=BASE + '000000', help='advertised service UUID')
    p.add_argument('--rw', default=BASE + '000001', help='read/write characteristic UUID')
    p.add_argument('--refuse', default=BASE + '000002', help='characteristic refusing --refuse-value')
    p.add_argument('--refuse-value', default='ff', help='hex bytes the peripheral must refuse')
    p.add_argument('--refuse-att', default='80', help='ATT error code (hex) of the refusal')
    p.add_argument('--accept-value', default='01', help='hex bytes --refuse must accept')
    p.add_argument('--notify', default=BASE + '000003', help='notifying characteristic UUID')
    p.add_argument('--notify-count', type=int, default=3)
    p.add_argument('--notify-check', choices=['increasing', 'changing'], default='increasing',
                   help='increasing: values read as little-endian counters grow by one each')
    p.add_argument('--write-value', default='5072', help='hex bytes written to --rw')
    return p


def check_notifications(values, mode):
    """Raises AssertionError unless `values` behave as `mode` says."""
    if mode == 'increasing':
        numbers = [int.from_bytes(v, 'little') for v in values]
        for a, b in zip(numbers, numbers[1:]):
            if b != a + 1:
                raise AssertionError(f'notified counter does not count up by one: {numbers}')
    elif len(set(values)) < 2:
        raise AssertionError(f'notified values never change: {[v.hex() for v in values]}')
