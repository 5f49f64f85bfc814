"""Calls on the CENTRAL side's org.bluez objects with gdbus (a D-Bus client independent of
bluetoothctl). bluetoothctl 5.66 prints only the D-Bus error name of a refused write; the ATT
error code travels in the error message ("Operation failed with ATT error: 0x80"), which only a
D-Bus client sees."""
import re
import subprocess


def write_value(char_path, value, timeout=30):
    """GattCharacteristic1.WriteValue(value, {}) on the central. Returns (ok, output)."""
    array = '[' + ', '.join(f'byte 0x{b:02x}' for b in value) + ']'
    proc = subprocess.run(
        ['gdbus', 'call', '--system', '--dest', 'org.bluez', '--object-path', char_path,
         '--timeout', str(timeout), '--method', 'org.bluez.GattCharacteristic1.WriteValue',
         array, '@a{sv} {}'],
        capture_output=True, text=True, timeout=timeout + 5)
    return proc.returncode == 0, (proc.stdout + proc.stderr).strip()


def att_error_of(output):
    """The ATT error code in a BlueZ error message, or None."""
    m = re.search(r'ATT error: 0x([0-9a-fA-F]{2})', output)
    return int(m.group(1), 16) if m else None
