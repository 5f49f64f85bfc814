#!/usr/bin/python3
"""A tiny GATT application + advertisement used by bluez_double_selftest.sh to exercise the
double's callbacks. usage: bluez_double_selftest_app.py MODE   (bus from $DBUS_SYSTEM_BUS_ADDRESS)
MODE: valid | bad-flag | no-primary | dangling-service | twice (valid, then register again)
Prints one line per outcome: "app: ok" / "app: <error name> <message>", "adv: ...", "released"."""
import sys
import dbus, dbus.service
from dbus.mainloop.glib import DBusGMainLoop
from gi.repository import GLib

B, PROPS, OM = 'org.bluez.', 'org.freedesktop.DBus.Properties', 'org.freedesktop.DBus.ObjectManager'
ROOT, SERVICE, BASE = '/org/presso/selftest', '/org/presso/selftest/service0', '50726573-736f-4578-616d-706c65'
MODE = sys.argv[1]
DBusGMainLoop(set_as_default=True)
bus = dbus.bus.BusConnection(__import__('os').environ['DBUS_SYSTEM_BUS_ADDRESS'])


class Failed(dbus.DBusException):
    _dbus_error_name = 'org.bluez.Error.Failed'


class Chrc(dbus.service.Object):
    def __init__(self, index, flags, value):
        self.path, self.value, self.count = f'{SERVICE}/char{index}', bytes(value), 0
        self.props = {'UUID': f'{BASE}00000{index + 1}', 'Flags': dbus.Array(flags, signature='s'),
                      'Service': dbus.ObjectPath('/org/presso/nowhere' if MODE == 'dangling-service' else SERVICE)}
        super().__init__(bus, self.path)

    @dbus.service.method(B + 'GattCharacteristic1', in_signature='a{sv}', out_signature='ay')
    def ReadValue(self, options):
        print(f'read options: {sorted(str(k) for k in options)}', flush=True)
        return dbus.ByteArray(self.value)

    @dbus.service.method(B + 'GattCharacteristic1', in_signature='aya{sv}')
    def WriteValue(self, value, options):
        if bytes(value) == b'\xff':
            raise Failed('0x80')
        self.value = bytes(value)

    @dbus.service.method(B + 'GattCharacteristic1')
    def StartNotify(self):
        GLib.timeout_add(200, self.tick)

    @dbus.service.method(B + 'GattCharacteristic1')
    def StopNotify(self):
        self.count = -1

    def tick(self):
        if self.count < 0:
            return False
        self.count += 1
        self.PropertiesChanged(B + 'GattCharacteristic1', {'Value': dbus.ByteArray(bytes([self.count]))}, [])
        return True

    @dbus.service.signal(PROPS, signature='sa{sv}as')
    def PropertiesChanged(self, iface, changed, invalidated):
        pass


class App(dbus.service.Object):
    def __init__(self):
        super().__init__(bus, ROOT)
        rw_flags = ['read', 'write', 'bogus-flag'] if MODE == 'bad-flag' else ['read', 'write']
        self.chrcs = [Chrc(0, rw_flags, b'\x01'), Chrc(1, ['notify'], b'')]

    @dbus.service.method(OM, out_signature='a{oa{sa{sv}}}')
    def GetManagedObjects(self):
        service = {'UUID': BASE + '000000'}
        if MODE != 'no-primary':
            service['Primary'] = dbus.Boolean(True)
        objects = {dbus.ObjectPath(SERVICE): {B + 'GattService1': service}}
        objects.update({dbus.ObjectPath(c.path): {B + 'GattCharacteristic1': c.props} for c in self.chrcs})
        return objects


class Advertisement(dbus.service.Object):
    def __init__(self):
        super().__init__(bus, ROOT + '/adv0')

    @dbus.service.method(PROPS, in_signature='s', out_signature='a{sv}')
    def GetAll(self, iface):
        return {'Type': 'peripheral', 'LocalName': 'Presso-Double', 'Discoverable': dbus.Boolean(True),
                'ServiceUUIDs': dbus.Array([BASE + '000000'], signature='s')}

    @dbus.service.method(B + 'LEAdvertisement1')
    def Release(self):
        print('released', flush=True)


app, adv = App(), Advertisement()
adapter = bus.get_object('org.bluez', '/org/bluez/hci0')


def outcome(tag):
    return (lambda *a: print(f'{tag}: ok', flush=True),
            lambda e: print(f'{tag}: {e.get_dbus_name()} {e.get_dbus_message()}', flush=True))


def register(tag):
    ok, fail = outcome(tag)
    adapter.RegisterApplication(ROOT, {}, dbus_interface=B + 'GattManager1', reply_handler=ok, error_handler=fail)


register('app')
if MODE == 'twice':
    GLib.timeout_add(500, lambda: register('app-again') and False)
ok, fail = outcome('adv')
adapter.RegisterAdvertisement(ROOT + '/adv0', {}, dbus_interface=B + 'LEAdvertisingManager1',
                              reply_handler=ok, error_handler=fail)
GLib.MainLoop().run()
