import Glibc
import HCI
import Testing

/// libbluetooth's HCI calls on the machine running the tests: whatever the kernel has, the
/// wrapper either lists controllers or says exactly why it cannot. Here (no AF_BLUETOOTH in the
/// build machine's kernel) it must name the missing kernel support; in the test VM it lists
/// btvirt's controllers (Tests/Real/scenarios/40-install-deb.sh runs pressod doctor there).
struct HCITests {
    /// Whether this kernel can open a Bluetooth socket at all, asked without libbluetooth.
    static var kernelHasBluetooth: Bool {
        let fd = socket(AF_BLUETOOTH, Int32(SOCK_RAW.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 1 /* BTPROTO_HCI */)
        if fd >= 0 { close(fd); return true }
        return errno != EAFNOSUPPORT
    }

    @Test func controllersOrTheReasonThereAreNone() {
        do {
            let adapters = try HCIAdapters.all()
            #expect(Self.kernelHasBluetooth, "listing worked, so the kernel has AF_BLUETOOTH")
            for adapter in adapters {
                #expect(adapter.name == "hci\(adapter.id)")
                #expect(adapter.address.split(separator: ":").count == 6)
                #expect(adapter.features.count == 8)
            }
        } catch {
            #expect(error.kernelHasNoBluetooth == !Self.kernelHasBluetooth)
            if error.kernelHasNoBluetooth {
                #expect(error.description.contains("kernel has no Bluetooth (AF_BLUETOOTH unsupported"))
                #expect(error.errno == EAFNOSUPPORT)
            }
        }
    }

    @Test func featureBits() {
        // Byte 4 of LMP feature page 0: 0x40 LE Supported (Controller), 0x20 BR/EDR Not Supported.
        let leOnly = HCIAdapterInfo(id: 0, name: "hci0", address: "00:AA:01:00:00:23", isUp: true, features: [0, 0, 0, 0, 0x60, 0, 0, 0])
        #expect(leOnly.supportsLE && leOnly.isLEOnly)
        let classic = HCIAdapterInfo(id: 1, name: "hci1", address: "00:AA:01:00:00:24", isUp: false, features: [0xff, 0xff, 0x8f, 0xfe, 0x1b, 0xff, 0x59, 0x83])
        #expect(!classic.supportsLE && !classic.isLEOnly)
    }
}
