import ArgumentParser
import BootsControlAPI
import DBus
import Dispatch
import Glibc
import Synchronization

/// `watch`: the boots live. On a terminal, a view redrawn in place (session progress, the
/// chamber wave as bars, pressures); otherwise one plain line per change. Ctrl-C ends it.
struct WatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch", abstract: "Watch the session live (Ctrl-C to quit).")

    @Flag(help: "Plain lines even on a terminal.") var plain = false

    func run() async throws {
        let client = try await BootsClient.connect()
        let connection = client.connection
        let owner: String?
        do { owner = try await connection.nameOwner(BootsBus.name) } catch { throw BootsClient.fail(error) }
        guard let owner else { throw BootsClient.fail(DBusError(name: DBusError.Name.serviceUnknown)) }
        // Subscribe before reading, so no change falls between the read and the first signal.
        let changes: AsyncStream<DBusMessage>
        let owners: AsyncStream<DBusNameOwnerChange>
        do {
            changes = try await connection.signals(matching: DBusMatchRule(
                sender: owner, interface: "org.freedesktop.DBus.Properties", member: "PropertiesChanged", path: BootsBus.path))
            owners = try await connection.nameOwnerChanges(of: BootsBus.name)
        } catch {
            throw BootsClient.fail(error)
        }
        var status = try await client.status()
        let screen = Screen(terminal: !plain && isatty(1) == 1)
        let interrupts = screen.endOnSignals()
        defer { withExtendedLifetime(interrupts) {} }
        Task {
            for await change in owners where change.newOwner != owner {
                screen.end(message: "pressod stopped (\(BootsBus.name) left the bus)", status: 69)
            }
        }
        screen.show(status)
        for await signal in changes {
            guard signal.arguments.first == .string(BootsBus.interface),
                let changed = try? signal.arguments.argument(1, as: [String: DBusValue].self)
            else { continue }
            do { try status.apply(changed) } catch { continue }
            screen.show(status)
        }
        screen.end(message: "lost the connection to the system bus", status: 69)
    }
}

/// Where `watch` draws: a terminal (alternate screen, redrawn in place) or plain lines.
final class Screen: Sendable {
    let terminal: Bool
    /// The last plain line's key (everything but the pressures), so a line is printed per change
    /// of state, not per pressure reading.
    private let lastKey = Mutex("")

    init(terminal: Bool) {
        self.terminal = terminal
        if terminal { write("\u{1B}[?1049h\u{1B}[?25l") }  // alternate screen, cursor hidden
    }

    func show(_ status: BootsStatus) {
        if terminal {
            let lines = StatusView.frame(status, width: Self.columns()).split(separator: "\n", omittingEmptySubsequences: false)
            write("\u{1B}[H" + lines.map { $0 + "\u{1B}[K" }.joined(separator: "\n") + "\u{1B}[J")
        } else {
            let key = [StatusView.phaseText(status), "\(status.cycle)", "\(status.remainingSeconds)", "\(status.pressure)",
                       Notation.chamberList(status.chambers), status.program.summary].joined(separator: "|")
            guard lastKey.withLock({ last in defer { last = key }; return last != key }) else { return }
            write(StatusView.line(status) + "\n")
        }
    }

    /// Restores the terminal, says why if there is a reason, and exits.
    func end(message: String? = nil, status: Int32 = 0) -> Never {
        if terminal { write("\u{1B}[?25h\u{1B}[?1049l") }
        if let message { Self.write("pressoctl: \(message)\n", to: 2) }
        exit(status)
    }

    /// SIGINT and SIGTERM end the watch cleanly (terminal restored, exit 0).
    func endOnSignals() -> [any DispatchSourceSignal] {
        [SIGINT, SIGTERM].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { @Sendable [self] in self.end() }
            source.resume()
            return source
        }
    }

    private func write(_ text: String) { Self.write(text, to: 1) }

    /// Straight to the descriptor: no stdio buffer, so a pipe sees each line at once and
    /// nothing is lost on exit.
    private static func write(_ text: String, to descriptor: Int32) {
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let written = bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else { return }
            bytes = bytes.dropFirst(written)
        }
    }

    static func columns() -> Int {
        var size = winsize()
        guard ioctl(1, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else { return 80 }
        return Int(size.ws_col)
    }
}
