import BootsControlAPI
import DBus
import Logging
import Sequencer

/// `org.presso.Boots1` as an exportable value: the sequencer's live state as properties, its
/// commands and settings as methods, plus pairing and bonds (from the Bluetooth side) and the
/// session history. Every method call is authorized first (`CallerCheck`), then read
/// (`ControlRequest`), then performed; refusals are D-Bus errors naming the rule (`Refusals`).
public struct BootsControlObject: Sendable {
    public typealias Authorize = @Sendable (DBusMessage) async throws(DBusError) -> UInt32

    let sequencer: InflationSequencer
    let bluetooth: BluetoothControls
    let history: @Sendable () -> [SessionSummary]
    let refusals: Refusals
    let logger: Logger

    public init(
        sequencer: InflationSequencer, bluetooth: BluetoothControls, history: @escaping @Sendable () -> [SessionSummary],
        logger: Logger
    ) {
        self.sequencer = sequencer
        self.bluetooth = bluetooth
        self.history = history
        self.refusals = Refusals(layout: sequencer.layout, config: sequencer.config)
        self.logger = logger
    }

    /// Performs a request; returns the reply's values.
    public func perform(_ request: ControlRequest) async throws(DBusError) -> [DBusValue] {
        do {
            switch request {
            case .start: try sequencer.start()
            case .pause: try sequencer.pause()
            case .resume: try sequencer.resume()
            case .stop: try sequencer.stop()
            case .emergencyStop: sequencer.emergencyStop()
            case .clearFault: try sequencer.clearFault()
            case .change(let change):
                do { try sequencer.update(change) } catch { throw refusals.error(error) }
            case .openPairingWindow(let duration):
                try await bluetooth.perform { try await $0.openPairingWindow(duration) }
            case .listBonds:
                let bonds = try await bluetooth.perform { try await $0.listBonds() }
                return [.array(element: BondedDevice.signature, bonds.map(\.dbusValue))]
            case .removeBond(let address):
                try await bluetooth.perform { try await $0.removeBond(address) }
            case .history:
                return [.array(element: SessionSummary.signature, history().map(\.dbusValue))]
            }
        } catch let refusal as CommandError {
            throw refusals.error(refusal)
        } catch let error as DBusError {
            throw error
        } catch {
            throw .failed("\(error)")
        }
        return []
    }

    /// The interface to export at `BootsBus.path`; `authorize` vets every method call.
    public func interface(authorize: @escaping Authorize) -> DBusInterface {
        let methods = ControlRequest.methods.map { method in
            DBusMethod(method.name, inputs: method.inputs, outputs: method.outputs) { call async throws(DBusError) in
                let uid = try await authorize(call)
                do throws(DBusError) {
                    let request = try ControlRequest(method: method.name, arguments: call.arguments)
                    let reply = try await perform(request)
                    if method.outputs.isEmpty { logger.info("local control: \(method.name)\(Self.arguments(call)) by uid \(uid)") }
                    return reply
                } catch {
                    logger.notice("local control: \(method.name)\(Self.arguments(call)) by uid \(uid) refused: \(error.message)")
                    throw error
                }
            }
        }
        let properties = BootsProperty.allCases.map { property in
            DBusProperty(property.rawValue, type: property.signature) { () throws(DBusError) in
                BootsPropertyValues.value(property, sequencer.snapshot)
            }
        }
        return DBusInterface(BootsBus.interface, methods: methods, properties: properties)
    }

    /// `(90)`, `([1, 2, 3])`, `("gradient", {hold: 10, step-percent: 8})` for the journal.
    private static func arguments(_ call: DBusMessage) -> String {
        call.arguments.isEmpty ? "" : "(" + call.arguments.map(describe).joined(separator: ", ") + ")"
    }

    private static func describe(_ value: DBusValue) -> String {
        switch value.unwrappingVariants {
        case .string(let s): "\"\(s)\""
        case .array(_, let items): "[" + items.map(describe).joined(separator: ", ") + "]"
        case .dictionary(_, _, let entries):
            "{" + entries.map { entry in
                let key = if case .string(let k) = entry.key { k } else { describe(entry.key) }
                return "\(key): \(describe(entry.value))"
            }.sorted().joined(separator: ", ") + "}"
        case let other: other.integerValue.map(String.init) ?? "\(other)"
        }
    }
}
