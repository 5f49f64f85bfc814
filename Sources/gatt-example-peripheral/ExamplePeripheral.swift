import BlueZ
import DBus
import Dispatch
import Logging

#if canImport(Glibc)
    import Glibc
#endif

/// The example peripheral of the real-kernel tier (Tests/Real/scenarios/10-gatt-example.sh):
/// serves `ExampleApplication` on the system bus's bluetoothd until SIGTERM/SIGINT, and keeps
/// it registered across bluetoothd restarts by itself.
///
/// Environment: PRESSO_ADAPTER (hci0, an address; default: the first adapter),
/// PRESSO_LOG_LEVEL (trace, debug, info…; default info).
@main
struct ExamplePeripheral {
    static func main() async {
        let level = getenv("PRESSO_LOG_LEVEL").flatMap { Logger.Level(rawValue: String(cString: $0)) } ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "gatt-example-peripheral")
        let example = ExampleApplication()
        let adapter = getenv("PRESSO_ADAPTER").map { String(cString: $0) }
        let peripheral: BluetoothPeripheral
        do {
            let connection = try await DBusConnection.system()
            peripheral = try BluetoothPeripheral(
                connection: connection,
                configuration: PeripheralConfiguration(
                    adapter: adapter, application: example.application, advertisement: example.advertisement),
                logger: Logger(label: "presso.bluez"))
        } catch {
            logger.critical("cannot start: \(error)")
            exit(1)
        }
        let events = Task {
            for await event in peripheral.events { logger.info("event: \(event)") }
        }
        let counting = Task { await example.count() }
        let serving = Task { try await peripheral.run() }
        let signals = stopOnSignals { serving.cancel() }
        logger.info("serving \(ExampleApplication.localName) on \(adapter ?? "the first adapter")")
        var status: Int32 = 0
        do {
            try await serving.value
        } catch {
            logger.critical("cannot export the application: \(error)")
            status = 1
        }
        counting.cancel()
        events.cancel()
        await peripheral.connection.close()
        withExtendedLifetime(signals) {}
        logger.info("stopped")
        exit(status)
    }

    /// SIGTERM and SIGINT run `stop` (once each) instead of killing the process, so the
    /// peripheral unregisters from bluetoothd on the way out.
    static func stopOnSignals(_ stop: @escaping @Sendable () -> Void) -> [any DispatchSourceSignal] {
        [SIGTERM, SIGINT].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler(handler: stop)
            source.resume()
            return source
        }
    }
}
