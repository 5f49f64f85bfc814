"""What BlueZ (5.66, Debian 12) does with the contract's codes and sizes.

From src/gatt-database.c (server: D-Bus error -> ATT code), src/gatt-client.c (a BlueZ
central: ATT code -> D-Bus error) and src/advertising.c; see shared/docs/bluez-facts.md.
"""

# The largest value that survives the default ATT_MTU of 23 in one PDU (MTU - 3).
MAX_VALUE_BYTES = 20
# Legacy advertising data (and scan response) size.
MAX_LEGACY_ADVERTISING = 31

# ATT codes a GATT application can make bluetoothd send: code -> how the daemon does it.
SERVER_ATT_ERRORS = {
    0x03: "org.bluez.Error.NotPermitted (on a write)",
    0x06: "org.bluez.Error.NotSupported",
    0x07: "org.bluez.Error.InvalidOffset",
    0x08: "org.bluez.Error.NotAuthorized",
    0x0D: "org.bluez.Error.InvalidValueLength",
    0x0E: "any other D-Bus error",
    0x0F: "none: bluetoothd answers itself, from the encrypt-write flag",
    0xFE: "org.bluez.Error.InProgress",
}
APPLICATION_CODES = range(0x80, 0xA0)

# What a BlueZ central (bluetoothctl, bleak on Linux) reports for an ATT error.
CLIENT_VIEW = {
    0x02: "org.bluez.Error.NotPermitted",
    0x03: "org.bluez.Error.NotPermitted",
    0x05: "org.bluez.Error.NotPermitted (\"Not paired\")",
    0x06: "org.bluez.Error.NotSupported",
    0x07: "org.bluez.Error.InvalidArguments (\"Invalid offset\")",
    0x08: "org.bluez.Error.NotAuthorized",
    0x0D: "org.bluez.Error.InvalidArguments (\"Invalid Length\")",
    0x0F: "org.bluez.Error.NotPermitted (\"Not paired\"), if it did not pair first",
}


def server_side(code):
    """How the daemon produces an error code through BlueZ."""
    if code in APPLICATION_CODES:
        return f'org.bluez.Error.Failed, message "0x{code:02x}"'
    return SERVER_ATT_ERRORS.get(code)


def client_side(code):
    """How a BlueZ central sees an error code."""
    return CLIENT_VIEW.get(code, f'org.bluez.Error.Failed ("Operation failed with ATT error: 0x{code:02x}")')


def advertising_size(advertisement, uuid_lengths, payload_size):
    """Bytes of legacy advertising data BlueZ builds, as [(what, bytes)]."""
    parts = []
    if advertisement["type"] == "peripheral" and advertisement.get("discoverable", False):
        parts.append(("Flags", 3))
    for width in (2, 16):
        count = sum(1 for length in uuid_lengths if length == width)
        if count:
            parts.append((f"{width * 8}-bit service UUIDs", 2 + width * count))
    if "appearance" in advertisement:
        parts.append(("Appearance", 4))
    parts.append(("Manufacturer Specific Data", 2 + 2 + payload_size))
    return parts
