"""A GATT server on `bless` (PyPI), the way its README builds one: one service with one
read/write characteristic whose read and write handlers keep the value in the characteristic.
Run with a venv that has bless (scripts/bench-gatt.sh makes one); it uses the system bus
(DBUS_SYSTEM_BUS_ADDRESS) and registers with whatever owns org.bluez there.
Prints "ready" once the application is registered."""
import asyncio
import sys

from bless import (BlessServer, GATTAttributePermissions, GATTCharacteristicProperties)

SERVICE = "5e4e0001-1cbf-4f04-9ef5-2d8b6f4f6f00"
CHARACTERISTIC = "5e4e0002-1cbf-4f04-9ef5-2d8b6f4f6f00"


def read_request(characteristic, **kwargs):
    return characteristic.value


def write_request(characteristic, value, **kwargs):
    characteristic.value = value


async def main():
    server = BlessServer(name="BlessBench")
    server.read_request_func = read_request
    server.write_request_func = write_request
    await server.add_new_service(SERVICE)
    await server.add_new_characteristic(
        SERVICE, CHARACTERISTIC,
        GATTCharacteristicProperties.read | GATTCharacteristicProperties.write,
        bytearray(b"\x3c\x00"),
        GATTAttributePermissions.readable | GATTAttributePermissions.writeable)
    await server.start()
    print("ready", flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main())
