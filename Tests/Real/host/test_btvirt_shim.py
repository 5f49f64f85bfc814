#!/usr/bin/env python3
"""Host-side checks of btvirt_shim.c's connection-handle fix (its problem 3), run by run.sh right
after it builds the shim, before the VM boots: `test_btvirt_shim.py SHIM.so`.

This process plays btvirt: each emulated controller is a socket pair whose "controller" end is
what btvirt would hold (it reads the host's packets there and writev()s its own), with the shim
preloaded (the script runs itself again under LD_PRELOAD). "Handling a packet from controller X"
is a read() on X's controller end, as btvirt's vhci callback does, followed by the writev()s
btvirt 5.66 makes: with the sender's handles in them. The host ends show what each kernel would
receive. The held Connection Complete (problem 2) is switched off here: it delays, never alters.
The claim that two centrals work is 56-centrals's, in the VM; this pins the bookkeeping."""
import io
import os
import socket
import struct
import subprocess
import sys
import unittest

EVENT, ACL = 0x04, 0x02
PERIPHERAL, CENTRAL = 0x01, 0x00


def conn_complete(handle, role, enhanced=False):
    subevent = 0x0a if enhanced else 0x01
    params = bytes([subevent, 0x00]) + struct.pack('<H', handle) + bytes([role, 0x00]) + bytes(6) + bytes(6)
    if enhanced:
        params += bytes(12)     # local and peer RPAs
    return bytes([EVENT, 0x3e, len(params)]) + params


def disconnect_complete(handle):
    return bytes([EVENT, 0x05, 4, 0x00]) + struct.pack('<H', handle) + bytes([0x13])


def reset_complete():
    return bytes([EVENT, 0x0e, 4, 1]) + struct.pack('<H', 0x0c03) + bytes([0x00])


def conn_update_complete(handle):
    params = bytes([0x03, 0x00]) + struct.pack('<H', handle) + struct.pack('<HHH', 40, 0, 42)
    return bytes([EVENT, 0x3e, len(params)]) + params


def acl(handle, payload, flags=0x2):
    return bytes([ACL]) + struct.pack('<HH', handle | flags << 12, len(payload)) + payload


def handle_of(packet):
    """The connection handle a received packet names (and, for ACL, its flags)."""
    if packet[0] == ACL:
        word = struct.unpack_from('<H', packet, 1)[0]
        return word & 0x0fff, word >> 12
    if packet[1] == 0x3e:
        return struct.unpack_from('<H', packet, 5 if packet[3] in (0x01, 0x03, 0x0a) else 4)[0]
    return struct.unpack_from('<H', packet, 4)[0]


class Controller:
    def __init__(self, name):
        self.name = name
        self.btvirt, self.host = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)

    def handled(self):
        """btvirt reads a packet of this controller's host (what it sends to the others next)."""
        self.host.send(b'\x01')
        os.read(self.btvirt.fileno(), 64)

    def emit(self, *parts):
        """btvirt writes a packet to this controller's host, in pieces as it does."""
        os.writev(self.btvirt.fileno(), list(parts))
        return self.host.recv(4096)


class HandleFix(unittest.TestCase):
    def setUp(self):
        self.hci0, self.hci1, self.hci2 = Controller('hci0'), Controller('hci1'), Controller('hci2')

    def link(self, central, peripheral_handle_sent=42, central_handle=42, enhanced=False):
        """btdev links `central` to hci0: the peripheral's Connection Complete (carrying the
        central's handle), then the central's. Returns the handle hci0's host was told."""
        central.handled()
        told = self.hci0.emit(conn_complete(peripheral_handle_sent, PERIPHERAL, enhanced))
        central.emit(conn_complete(central_handle, CENTRAL, enhanced))
        return handle_of(told)

    def test_a_second_central_gets_the_peripheral_handle_btdev_filed(self):
        self.assertEqual(self.link(self.hci1), 42)
        self.assertEqual(self.link(self.hci2), 43)

    def test_the_enhanced_connection_complete_is_fixed_too(self):
        self.assertEqual(self.link(self.hci1, enhanced=True), 42)
        self.assertEqual(self.link(self.hci2, enhanced=True), 43)

    def test_data_reaches_each_end_under_its_own_handle(self):
        self.link(self.hci1)
        self.link(self.hci2)
        self.hci2.handled()
        self.assertEqual(handle_of(self.hci0.emit(acl(42, b'mtu?'))), (43, 0x2))
        self.hci1.handled()
        self.assertEqual(handle_of(self.hci0.emit(acl(42, b'mtu?'))), (42, 0x2))
        self.hci0.handled()
        self.assertEqual(handle_of(self.hci2.emit(acl(43, b'mtu!'))), (42, 0x2))
        self.assertEqual(handle_of(self.hci1.emit(acl(42, b'mtu!'))), (42, 0x2))
        self.hci2.handled()
        self.assertEqual(handle_of(self.hci0.emit(conn_update_complete(42))), 43)

    def test_a_long_packet_in_pieces_keeps_its_payload(self):
        self.link(self.hci1)
        self.link(self.hci2)
        payload = bytes(range(256)) * 3
        packet = acl(42, payload, flags=0x1)
        self.hci2.handled()
        got = self.hci0.emit(packet[:1], packet[1:5], packet[5:])
        self.assertEqual(handle_of(got), (43, 0x1))
        self.assertEqual(got[5:], payload)

    def test_a_controllers_own_events_are_left_alone(self):
        self.link(self.hci1)
        self.link(self.hci2)
        self.hci0.handled()     # hci0's own command: its answer already names hci0's handle
        self.assertEqual(handle_of(self.hci0.emit(conn_update_complete(43))), 43)

    def test_a_disconnected_handle_is_given_again(self):
        self.link(self.hci1)
        self.link(self.hci2)
        self.hci2.handled()
        self.hci2.emit(disconnect_complete(42))
        self.hci0.emit(disconnect_complete(43))
        self.assertEqual(self.link(self.hci2), 43)

    def test_a_reset_forgets_the_controllers_links(self):
        self.link(self.hci1)
        self.link(self.hci2)
        self.hci0.handled()
        self.hci0.emit(reset_complete())
        self.assertEqual(self.link(self.hci2), 42)


def main():
    if os.environ.get('PRESSO_SHIM_UNDER_TEST') != '1':
        shim = os.path.abspath(sys.argv[1])
        env = dict(os.environ, LD_PRELOAD=shim, PRESSO_SHIM_UNDER_TEST='1', PRESSO_BTVIRT_CONN_DELAY_MS='-1',
                   PRESSO_BTVIRT_ADV_DELAY_MS='0')
        sys.exit(subprocess.run([sys.executable, os.path.abspath(__file__)], env=env, check=False).returncode)
    # Each test is a fresh btvirt: the shim's link table lives as long as the process.
    names = unittest.defaultTestLoader.getTestCaseNames(HandleFix)
    failed = 0
    for name in names:
        if os.fork() == 0:
            report = io.StringIO()
            result = unittest.TextTestRunner(stream=report, verbosity=0).run(HandleFix(name))
            if not result.wasSuccessful():
                sys.stdout.write(report.getvalue())
                sys.stdout.flush()
            os._exit(0 if result.wasSuccessful() else 1)
        _, status = os.wait()
        ok = os.waitstatus_to_exitcode(status) == 0
        failed += not ok
        print(f'{"PASS" if ok else "FAIL"} btvirt-shim/{name}', flush=True)
    sys.exit(1 if failed else 0)


if __name__ == '__main__':
    main()
