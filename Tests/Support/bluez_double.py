#!/usr/bin/python3
"""A bluetoothd double for the fast test tier: behaves like BlueZ 5.66's D-Bus API on a PRIVATE
bus (python-dbusmock has no GattManager1). Run with Debian's python3 (python3-dbus, python3-gi):

    bluez_double.py [--address BUS_ADDRESS]   (default: $DBUS_SYSTEM_BUS_ADDRESS)

It prints "READY" on stdout once it owns `org.bluez` and `org.presso.Test.BlueZDouble`.

What bluetoothd-like objects it serves (errors named and worded like BlueZ's):
  /                 org.freedesktop.DBus.ObjectManager (GetManagedObjects, InterfacesAdded/Removed)
  /org/bluez        org.bluez.AgentManager1: RegisterAgent(o,s), RequestDefaultAgent(o), UnregisterAgent(o)
  /org/bluez/hci0   org.bluez.Adapter1 via Properties (Address, Alias, Name, Powered, Pairable,
                    PairableTimeout, Discoverable; the last five and Alias settable)
                    org.bluez.GattManager1: RegisterApplication(o,a{sv}) calls GetManagedObjects on
                      the caller BEFORE replying and validates the tree as BlueZ does;
                      UnregisterApplication(o)
                    org.bluez.LEAdvertisingManager1: RegisterAdvertisement(o,a{sv}) calls GetAll
                      (org.bluez.LEAdvertisement1) on the caller and stores the properties,
                      then follows its PropertiesChanged (changed and invalidated) as 5.66 does;
                      UnregisterAdvertisement(o); ActiveInstances/SupportedInstances (y)
  Registrations of a client vanish when its connection leaves the bus, as in BlueZ.

CONTROL API: org.presso.Test.BlueZDouble at /org/presso/test (well-known name
org.presso.Test.BlueZDouble, so it stays reachable while `org.bluez` is released):
  Registered() -> a{sv}           applications (as "sender path"), services/characteristics/
                                  descriptors (a{sv}: path -> a{sv} of their properties),
                                  advertisements (a{sv}: "sender path" -> properties),
                                  agents (as "sender path capability"), default_agent (s)
  RegisteredJSON() -> s           the same, as JSON (bytes as lists of ints)
  ReadValue(o chrc, a{sv} opts) -> (ay value, s error_name, s error_message)
  WriteValue(o chrc, ay value, a{sv} opts) -> (s error_name, s error_message)
                                  call the registered characteristic as BlueZ would, adding the
                                  options BlueZ always passes when missing (device, link, mtu);
                                  error_name is "" on success
  StartNotify(o chrc) / StopNotify(o chrc) -> (s error_name, s error_message)
  Notifications(o chrc) -> aay    Value PropertiesChanged received since StartNotify
  ReleaseAdvertisement(o adv) -> b   call Release on it and forget it (as bluetoothd does)
  StopAdvertising()               forget every advertisement WITHOUT Release, ActiveInstances -> 0
                                  (a controller that silently stopped advertising)
  Restart(u downtime_ms)          a bluetoothd restart: Release every advertisement, forget all
                                  registrations, release `org.bluez`, re-own it after downtime_ms
  Exit()                          Release advertisements and quit the process (a stop)
  AddDevice(s address, b connected) -> o   Device1 under hci0 (InterfacesAdded)
  SetDeviceConnected(o device, b connected)
  RemoveDevice(o device)
  RemoveAdapter() / AddAdapter()  InterfacesRemoved/Added of hci0 (its registrations are dropped;
                                  a re-added adapter is unpowered, like a new controller)
  Calls() -> as                   "Interface.Method sender" of every org.bluez call received
"""
import argparse, json, os, re, sys
import dbus, dbus.service
from dbus.mainloop.glib import DBusGMainLoop
from gi.repository import GLib

B, PROPS, OM = 'org.bluez.', 'org.freedesktop.DBus.Properties', 'org.freedesktop.DBus.ObjectManager'
ADAPTER, CTL = '/org/bluez/hci0', 'org.presso.Test.BlueZDouble'
UUID = re.compile(r'^([0-9a-fA-F]{4}|[0-9a-fA-F]{8}|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$')
CHRC_FLAGS = set('broadcast read write-without-response write notify indicate authenticated-signed-writes '
                 'extended-properties reliable-write writable-auxiliaries encrypt-read encrypt-write '
                 'encrypt-notify encrypt-indicate encrypt-authenticated-read encrypt-authenticated-write '
                 'encrypt-authenticated-notify encrypt-authenticated-indicate secure-read secure-write '
                 'secure-notify secure-indicate authorize'.split())
DESC_FLAGS = set('read write encrypt-read encrypt-write encrypt-authenticated-read '
                 'encrypt-authenticated-write secure-read secure-write authorize'.split())
SIGNATURE_ERROR = ('org.freedesktop.DBus.Error.InvalidArgs', 'Invalid arguments in method call')


def err(name, message):
    e = dbus.DBusException(message)
    e._dbus_error_name = name if '.' in name else B + 'Error.' + name
    return e


def validate(tree, root):
    """BlueZ's checks of an application's objects; returns (services, chrcs, descs) or raises."""
    mine = {str(p): v for p, v in tree.items() if root == '/' or p == root or p.startswith(root + '/')}
    kinds = {k: {p: dict(v[B + 'Gatt%s1' % k]) for p, v in mine.items() if B + 'Gatt%s1' % k in v}
             for k in ('Service', 'Characteristic', 'Descriptor')}
    bad = err('Failed', 'No valid service object found')
    for kind, objects in kinds.items():
        for props in objects.values():
            if not UUID.match(str(props.get('UUID', ''))):
                raise bad
    for props in kinds['Service'].values():
        if not isinstance(props.get('Primary'), dbus.Boolean):
            raise bad
    for link, parent, flags, kind in (('Service', 'Service', CHRC_FLAGS, 'Characteristic'),
                                      ('Characteristic', 'Characteristic', DESC_FLAGS, 'Descriptor')):
        for props in kinds[kind].values():
            if str(props.get(link, '')) not in kinds[parent]:
                raise bad
            if not props.get('Flags') or not set(map(str, props['Flags'])) <= flags:
                raise bad
    if not kinds['Service']:
        raise bad
    return kinds


class Double(dbus.service.Object):
    def __init__(self, bus):
        self.bus, self.loop = bus, GLib.MainLoop()
        super().__init__(bus, '/org/presso/test')
        self.root = Root(bus, self)
        self.calls, self.devices, self.notified = [], {}, {}
        self.adapter = None
        self.reset()
        self.add_adapter()
        bus.add_signal_receiver(self.on_props, 'PropertiesChanged', PROPS, path_keyword='path',
                                sender_keyword='sender')
        bus.add_signal_receiver(self.on_owner, 'NameOwnerChanged', 'org.freedesktop.DBus')

    def reset(self):
        self.apps, self.ads, self.agents, self.default_agent = {}, {}, {}, ''

    def call(self, iface, method, sender):
        self.calls.append(f'{iface}.{method} {sender}')

    def on_owner(self, name, old, new):   # a client left the bus: BlueZ drops all it registered
        if name.startswith(':') and not new:
            for table in (self.apps, self.ads, self.agents):
                for key in [k for k in table if k[0] == name]:
                    del table[key]
            self.adapter and self.adapter.ad_count_changed()

    def on_props(self, iface, changed, invalidated, path=None, sender=None):
        if iface == B + 'GattCharacteristic1' and 'Value' in changed and path in self.notified:
            self.notified[path].append(bytes(changed['Value']))
        if iface == B + 'LEAdvertisement1' and (sender, path) in self.ads:
            # src/advertising.c properties_changed: each change is parsed and the data refreshed
            self.ads[(sender, path)].update(changed)
            for name in invalidated:
                self.ads[(sender, path)].pop(name, None)

    def objects(self):
        objs = {dbus.ObjectPath('/org/bluez'): {B + 'AgentManager1': {}}}
        if self.adapter:
            objs[dbus.ObjectPath(ADAPTER)] = {B + 'Adapter1': self.adapter.props, B + 'GattManager1': {},
                                              B + 'LEAdvertisingManager1': self.adapter.ad_props()}
            objs.update({dbus.ObjectPath(p): {B + 'Device1': d.props} for p, d in self.devices.items()})
        return objs

    def add_adapter(self):
        self.adapter = Adapter(self.bus, self)
        self.root.InterfacesAdded(ADAPTER, self.objects()[ADAPTER])

    def chrc_owner(self, path):
        for (sender, _), kinds in self.apps.items():
            if path in kinds['Characteristic']:
                return self.bus.get_object(sender, path, introspect=False)
        raise err('DoesNotExist', f'no registered characteristic {path}')

    def options(self, opts):
        dev = next(iter(self.devices), ADAPTER + '/dev_00_00_00_00_00_01')
        return dbus.Dictionary({'device': dbus.ObjectPath(dev), 'link': 'LE', 'mtu': dbus.UInt16(23), **opts},
                               signature='sv')

    def attempt(self, fn):
        try:
            return fn(), '', ''
        except dbus.DBusException as e:
            return None, e.get_dbus_name(), e.get_dbus_message() or ''

    # ---- control API ----
    def snapshot(self):
        pick = lambda kind: {p: v for k in self.apps.values() for p, v in k[kind].items()}
        return {'applications': [f'{s} {p}' for s, p in self.apps], 'services': pick('Service'),
                'characteristics': pick('Characteristic'), 'descriptors': pick('Descriptor'),
                'advertisements': {f'{s} {p}': v for (s, p), v in self.ads.items()},
                'agents': [f'{s} {p} {c}' for (s, p), c in self.agents.items()],
                'default_agent': self.default_agent}

    @dbus.service.method(CTL, out_signature='a{sv}')
    def Registered(self):
        s = self.snapshot()
        return {k: (dbus.Dictionary(v, signature='sv') if isinstance(v, dict) else
                    dbus.Array(v, signature='s') if isinstance(v, list) else v) for k, v in s.items()}

    @dbus.service.method(CTL, out_signature='s')
    def RegisteredJSON(self):
        plain = lambda v: (list(v) if isinstance(v, (bytes, dbus.ByteArray)) else
                           {str(k): plain(x) for k, x in v.items()} if isinstance(v, dict) else
                           [plain(x) for x in v] if isinstance(v, (list, tuple)) else
                           bool(v) if isinstance(v, dbus.Boolean) else
                           int(v) if isinstance(v, int) else str(v) if isinstance(v, str) else v)
        return json.dumps(plain(self.snapshot()))

    @dbus.service.method(CTL, in_signature='oa{sv}', out_signature='ayss')
    def ReadValue(self, path, opts):
        value, name, msg = self.attempt(lambda: self.chrc_owner(path).ReadValue(
            self.options(opts), dbus_interface=B + 'GattCharacteristic1', byte_arrays=True))
        return dbus.ByteArray(bytes(value or b'')), name, msg

    @dbus.service.method(CTL, in_signature='oaya{sv}', out_signature='ss')
    def WriteValue(self, path, value, opts):
        return self.attempt(lambda: self.chrc_owner(path).WriteValue(
            dbus.Array(value, signature='y'), self.options(opts), dbus_interface=B + 'GattCharacteristic1'))[1:]

    @dbus.service.method(CTL, in_signature='o', out_signature='ss')
    def StartNotify(self, path):
        self.notified[str(path)] = []
        return self.attempt(lambda: self.chrc_owner(path).StartNotify(dbus_interface=B + 'GattCharacteristic1'))[1:]

    @dbus.service.method(CTL, in_signature='o', out_signature='ss')
    def StopNotify(self, path):
        result = self.attempt(lambda: self.chrc_owner(path).StopNotify(dbus_interface=B + 'GattCharacteristic1'))
        return result[1:]

    @dbus.service.method(CTL, in_signature='o', out_signature='aay')
    def Notifications(self, path):
        return [dbus.ByteArray(v) for v in self.notified.get(str(path), [])]

    @dbus.service.method(CTL, in_signature='o', out_signature='b')
    def ReleaseAdvertisement(self, path):
        for key in [k for k in self.ads if k[1] == path]:
            self.bus.get_object(key[0], key[1], introspect=False).Release(
                dbus_interface=B + 'LEAdvertisement1', reply_handler=lambda: None, error_handler=lambda e: None)
            del self.ads[key]
            self.adapter.ad_count_changed()
            return True
        return False

    @dbus.service.method(CTL)
    def StopAdvertising(self):
        self.ads.clear()
        self.adapter.ad_count_changed()

    def release_all(self):
        for _, path in list(self.ads):
            self.ReleaseAdvertisement(path)

    @dbus.service.method(CTL, in_signature='u')
    def Restart(self, downtime_ms):
        self.release_all()
        self.reset()
        self.bus.release_name('org.bluez')
        GLib.timeout_add(max(1, downtime_ms), self.come_back)

    def come_back(self):
        self.adapter.props['Powered'] = dbus.Boolean(False)
        self.bus.request_name('org.bluez', dbus.bus.NAME_FLAG_DO_NOT_QUEUE)
        return False

    @dbus.service.method(CTL)
    def Exit(self):
        self.release_all()
        GLib.timeout_add(100, self.loop.quit)

    @dbus.service.method(CTL, in_signature='sb', out_signature='o')
    def AddDevice(self, address, connected):
        path = f'{ADAPTER}/dev_{address.upper().replace(":", "_")}'
        self.devices[path] = Device(self.bus, path, address, connected)
        self.root.InterfacesAdded(path, {B + 'Device1': self.devices[path].props})
        return path

    @dbus.service.method(CTL, in_signature='ob')
    def SetDeviceConnected(self, path, connected):
        self.devices[str(path)].set('Connected', dbus.Boolean(connected))

    @dbus.service.method(CTL, in_signature='o')
    def RemoveDevice(self, path):
        self.devices.pop(str(path)).remove_from_connection()
        self.root.InterfacesRemoved(path, [B + 'Device1'])

    @dbus.service.method(CTL)
    def RemoveAdapter(self):
        for path in list(self.devices):
            self.RemoveDevice(path)
        self.adapter.remove_from_connection()
        self.adapter = None
        self.apps, self.ads = {}, {}
        self.root.InterfacesRemoved(ADAPTER, [B + 'Adapter1', B + 'GattManager1', B + 'LEAdvertisingManager1'])

    @dbus.service.method(CTL)
    def AddAdapter(self):
        if not self.adapter:
            self.add_adapter()

    @dbus.service.method(CTL, out_signature='as')
    def Calls(self):
        return self.calls


class Root(dbus.service.Object):
    def __init__(self, bus, double):
        super().__init__(bus, '/')
        self.double = double
        AgentManager(bus, double)

    @dbus.service.method(OM, out_signature='a{oa{sa{sv}}}')
    def GetManagedObjects(self):
        return self.double.objects()

    @dbus.service.signal(OM, signature='oa{sa{sv}}')
    def InterfacesAdded(self, path, interfaces):
        pass

    @dbus.service.signal(OM, signature='oas')
    def InterfacesRemoved(self, path, interfaces):
        pass


class AgentManager(dbus.service.Object):
    CAPS = {'', 'DisplayOnly', 'DisplayYesNo', 'KeyboardOnly', 'NoInputNoOutput', 'KeyboardDisplay'}

    def __init__(self, bus, double):
        super().__init__(bus, '/org/bluez')
        self.d = double

    @dbus.service.method(B + 'AgentManager1', in_signature='os', sender_keyword='sender')
    def RegisterAgent(self, path, capability, sender=None):
        self.d.call('AgentManager1', 'RegisterAgent', sender)
        if capability not in self.CAPS:
            raise err('InvalidArguments', 'Invalid arguments in method call')
        if any(k[0] == sender for k in self.d.agents):
            raise err('AlreadyExists', 'Already Exists')
        self.d.agents[(sender, str(path))] = capability or 'KeyboardDisplay'

    @dbus.service.method(B + 'AgentManager1', in_signature='o', sender_keyword='sender')
    def RequestDefaultAgent(self, path, sender=None):
        self.d.call('AgentManager1', 'RequestDefaultAgent', sender)
        if (sender, str(path)) not in self.d.agents:
            raise err('DoesNotExist', 'Does Not Exist')
        self.d.default_agent = f'{sender} {path}'

    @dbus.service.method(B + 'AgentManager1', in_signature='o', sender_keyword='sender')
    def UnregisterAgent(self, path, sender=None):
        self.d.call('AgentManager1', 'UnregisterAgent', sender)
        if self.d.agents.pop((sender, str(path)), None) is None:
            raise err('DoesNotExist', 'Does Not Exist')
        if self.d.default_agent == f'{sender} {path}':
            self.d.default_agent = ''


class Adapter(dbus.service.Object):
    SETTABLE = {'Alias': 's', 'Powered': 'b', 'Pairable': 'b', 'PairableTimeout': 'u', 'Discoverable': 'b'}

    def __init__(self, bus, double):
        super().__init__(bus, ADAPTER)
        self.d = double
        self.props = {'Address': '00:AA:01:00:00:23', 'AddressType': 'public', 'Name': 'presso-double',
                      'Alias': 'presso-double', 'Powered': dbus.Boolean(False), 'Discoverable': dbus.Boolean(False),
                      'Pairable': dbus.Boolean(False), 'PairableTimeout': dbus.UInt32(0),
                      'DiscoverableTimeout': dbus.UInt32(180), 'UUIDs': dbus.Array([], signature='s')}

    def ad_props(self):
        return {'ActiveInstances': dbus.Byte(len(self.d.ads)), 'SupportedInstances': dbus.Byte(5 - len(self.d.ads)),
                'SupportedIncludes': dbus.Array(['tx-power', 'appearance', 'local-name'], signature='s')}

    def ad_count_changed(self):
        self.PropertiesChanged(B + 'LEAdvertisingManager1', self.ad_props(), [])

    @dbus.service.method(PROPS, in_signature='ss', out_signature='v')
    def Get(self, iface, name):
        return self.GetAll(iface)[name]

    @dbus.service.method(PROPS, in_signature='s', out_signature='a{sv}')
    def GetAll(self, iface):
        return {B + 'Adapter1': self.props, B + 'LEAdvertisingManager1': self.ad_props()}.get(iface, {})

    @dbus.service.method(PROPS, in_signature='ssv')
    def Set(self, iface, name, value):
        if iface != B + 'Adapter1' or name not in self.SETTABLE:
            raise err('org.freedesktop.DBus.Error.PropertyReadOnly', f'Property {name} is read-only')
        if getattr(value, 'signature', None) != self.SETTABLE[name] and \
                dbus.Signature(self.SETTABLE[name]) != {dbus.Boolean: 'b', dbus.String: 's', dbus.UInt32: 'u'}.get(type(value)):
            raise err('InvalidArguments', 'Invalid arguments in method call')
        self.props[name] = value
        self.PropertiesChanged(B + 'Adapter1', {name: value}, [])

    @dbus.service.signal(PROPS, signature='sa{sv}as')
    def PropertiesChanged(self, iface, changed, invalidated):
        pass

    @dbus.service.method(B + 'GattManager1', in_signature='oa{sv}', sender_keyword='sender',
                         message_keyword='msg', async_callbacks=('ok', 'fail'))
    def RegisterApplication(self, path=None, options=None, sender=None, msg=None, ok=None, fail=None):
        self.d.call('GattManager1', 'RegisterApplication', sender)
        if msg.get_signature() != 'oa{sv}':
            return fail(err(*SIGNATURE_ERROR))
        key = (sender, str(path))
        if key in self.d.apps:
            return fail(err('AlreadyExists', 'Already Exists'))

        def got(tree):
            try:
                self.d.apps[key] = validate(tree, str(path))
            except dbus.DBusException as e:
                return fail(e)
            ok()
        self.d.bus.get_object(sender, path, introspect=False).GetManagedObjects(
            dbus_interface=OM, reply_handler=got, timeout=10,
            error_handler=lambda e: fail(err('Failed', 'No valid service object found')))

    @dbus.service.method(B + 'GattManager1', in_signature='o', sender_keyword='sender')
    def UnregisterApplication(self, path, sender=None):
        self.d.call('GattManager1', 'UnregisterApplication', sender)
        if self.d.apps.pop((sender, str(path)), None) is None:
            raise err('DoesNotExist', 'Does Not Exist')

    @dbus.service.method(B + 'LEAdvertisingManager1', in_signature='oa{sv}', sender_keyword='sender',
                         message_keyword='msg', async_callbacks=('ok', 'fail'))
    def RegisterAdvertisement(self, path=None, options=None, sender=None, msg=None, ok=None, fail=None):
        self.d.call('LEAdvertisingManager1', 'RegisterAdvertisement', sender)
        if msg.get_signature() != 'oa{sv}':
            return fail(err(*SIGNATURE_ERROR))
        key = (sender, str(path))
        if key in self.d.ads:
            return fail(err('AlreadyExists', 'Already Exists'))
        if len(self.d.ads) >= 5:
            return fail(err('NotPermitted', 'Maximum advertisements reached'))

        def got(props):
            if str(props.get('Type', '')) not in ('broadcast', 'peripheral'):
                return fail(err('Failed', 'Failed to parse advertisement.'))
            self.d.ads[key] = dict(props)
            self.ad_count_changed()
            ok()
        self.d.bus.get_object(sender, path, introspect=False).GetAll(
            B + 'LEAdvertisement1', dbus_interface=PROPS, reply_handler=got, timeout=10,
            error_handler=lambda e: fail(err('Failed', 'Failed to parse advertisement.')))

    @dbus.service.method(B + 'LEAdvertisingManager1', in_signature='o', sender_keyword='sender')
    def UnregisterAdvertisement(self, path, sender=None):
        self.d.call('LEAdvertisingManager1', 'UnregisterAdvertisement', sender)
        if self.d.ads.pop((sender, str(path)), None) is None:
            raise err('DoesNotExist', 'Does Not Exist')
        self.ad_count_changed()


class Device(dbus.service.Object):
    def __init__(self, bus, path, address, connected):
        super().__init__(bus, path)
        self.props = {'Address': address, 'AddressType': 'public', 'Alias': address.replace(':', '-'),
                      'Adapter': dbus.ObjectPath(ADAPTER), 'Connected': dbus.Boolean(connected),
                      'Paired': dbus.Boolean(False), 'ServicesResolved': dbus.Boolean(False)}

    def set(self, name, value):
        self.props[name] = value
        self.PropertiesChanged(B + 'Device1', {name: value}, [])

    @dbus.service.method(PROPS, in_signature='s', out_signature='a{sv}')
    def GetAll(self, iface):
        return self.props if iface == B + 'Device1' else {}

    @dbus.service.method(PROPS, in_signature='ss', out_signature='v')
    def Get(self, iface, name):
        return self.GetAll(iface)[name]

    @dbus.service.signal(PROPS, signature='sa{sv}as')
    def PropertiesChanged(self, iface, changed, invalidated):
        pass


def main():
    p = argparse.ArgumentParser(description='bluetoothd double for tests')
    p.add_argument('--address', default=os.environ.get('DBUS_SYSTEM_BUS_ADDRESS'))
    a = p.parse_args()
    if not a.address:
        sys.exit('bluez_double.py: give --address or DBUS_SYSTEM_BUS_ADDRESS (a private bus)')
    DBusGMainLoop(set_as_default=True)
    bus = dbus.bus.BusConnection(a.address)
    double = Double(bus)
    for name in ('org.bluez', CTL):
        if bus.request_name(name, dbus.bus.NAME_FLAG_DO_NOT_QUEUE) != dbus.bus.REQUEST_NAME_REPLY_PRIMARY_OWNER:
            sys.exit(f'bluez_double.py: cannot own {name}')
    print('READY', flush=True)
    double.loop.run()


if __name__ == '__main__':
    main()
