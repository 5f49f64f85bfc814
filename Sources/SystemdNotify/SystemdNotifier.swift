import Glibc

/// The service manager's notification protocol (sd_notify(3)), spoken without libsystemd: one
/// datagram of newline-separated `KEY=VALUE` assignments to the AF_UNIX socket named by
/// `$NOTIFY_SOCKET` (a filesystem path, or `@name` for an abstract socket).
///
/// When `$NOTIFY_SOCKET` is unset (started by hand, in a test, under another service manager)
/// every call does nothing and succeeds, so callers never need to ask whether systemd is there.
///
/// The socket is opened once and only written with non-blocking `sendto`: a stalled or absent
/// service manager can never block the caller (the watchdog is fed from the control loop).
public final class SystemdNotifier: Sendable {
    /// Where notifications go; nil when the process is not supervised.
    public let socketPath: String?
    /// A `$NOTIFY_SOCKET` that was set but is not an absolute path or `@name` (then ignored).
    public let rejectedSocketPath: String?
    /// How often systemd expects `WATCHDOG=1`, or nil when the watchdog is off for this process.
    public let watchdogInterval: Duration?

    private let descriptor: Int32
    private let address: sockaddr_un
    private let addressLength: socklen_t

    /// Reads `NOTIFY_SOCKET`, `WATCHDOG_USEC` and `WATCHDOG_PID` from `environment`
    /// (the process environment by default).
    public init(environment: (String) -> String? = { getenv($0).map { String(cString: $0) } }) {
        watchdogInterval = Self.watchdogInterval(
            usec: environment("WATCHDOG_USEC"), pid: environment("WATCHDOG_PID"), ownPID: getpid())
        let path = environment("NOTIFY_SOCKET")
        guard let path, let resolved = Self.address(for: path) else {
            (socketPath, rejectedSocketPath, descriptor, address, addressLength) = (nil, path, -1, sockaddr_un(), 0)
            return
        }
        socketPath = path
        rejectedSocketPath = nil
        descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        (address, addressLength) = resolved
    }

    deinit {
        if descriptor >= 0 { close(descriptor) }
    }

    /// `READY=1`: start-up is finished; `systemctl start` returns and dependent units start.
    public func ready() throws(NotifyError) { try send("READY=1") }

    /// `STATUS=…`: one line shown by `systemctl status`. Newlines are replaced by spaces.
    public func status(_ text: String) throws(NotifyError) {
        try send("STATUS=" + String(text.map { $0.isNewline ? " " : $0 }))
    }

    /// `STOPPING=1`: shutdown has begun.
    public func stopping() throws(NotifyError) { try send("STOPPING=1") }

    /// `WATCHDOG=1`: the process is alive; must come at least every `watchdogInterval`.
    public func watchdog() throws(NotifyError) { try send("WATCHDOG=1") }

    /// Sends `state` (one or more `KEY=VALUE` lines) as one datagram; does nothing when unsupervised.
    public func send(_ state: String) throws(NotifyError) {
        guard socketPath != nil else { return }
        guard descriptor >= 0 else { throw NotifyError(errno: EBADF, operation: "socket") }
        var address = self.address
        let sent = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                Array(state.utf8).withUnsafeBytes { bytes in
                    sendto(descriptor, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL | MSG_DONTWAIT),
                           socketAddress, addressLength)
                }
            }
        }
        if sent < 0 { throw NotifyError(errno: errno, operation: "sendto \(socketPath ?? "")") }
    }

    // MARK: Environment

    /// sd_watchdog_enabled(3): `WATCHDOG_USEC` is a positive number of microseconds; when
    /// `WATCHDOG_PID` is set it must name this process (the variables leak into children, who
    /// must not feed the parent's watchdog), and when unset the watchdog is ours.
    static func watchdogInterval(usec: String?, pid: String?, ownPID: pid_t) -> Duration? {
        guard let usec, let microseconds = UInt64(usec), microseconds > 0, microseconds < UInt64(Int64.max) else {
            return nil
        }
        if let pid {
            guard let watched = pid_t(pid), watched > 0, watched == ownPID else { return nil }
        }
        return .microseconds(Int64(microseconds))
    }

    /// An absolute path, or `@name` for the abstract namespace (leading NUL); anything else
    /// (relative, empty, longer than sun_path) is refused as sd_notify refuses it.
    static func address(for path: String) -> (sockaddr_un, socklen_t)? {
        var bytes = Array(path.utf8)
        guard let first = bytes.first, first == UInt8(ascii: "/") || first == UInt8(ascii: "@") else { return nil }
        var address = sockaddr_un()
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        // A path needs its terminating NUL; an abstract name is exactly its bytes.
        guard bytes.count <= (first == UInt8(ascii: "@") ? capacity : capacity - 1), bytes.count > 1 || first == UInt8(ascii: "/") else {
            return nil
        }
        if first == UInt8(ascii: "@") { bytes[0] = 0 }
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { sunPath in
            sunPath.copyBytes(from: bytes)
        }
        let pathOffset = MemoryLayout<sockaddr_un>.offset(of: \.sun_path)!
        // Abstract addresses are length-delimited, so the length must not include trailing zeros.
        let length = pathOffset + bytes.count + (first == UInt8(ascii: "@") ? 0 : 1)
        return (address, socklen_t(length))
    }
}

/// A notification could not be sent (the daemon logs it and carries on).
public struct NotifyError: Error, Sendable, CustomStringConvertible {
    public var errno: Int32
    public var operation: String

    public var description: String {
        "\(operation): \(String(cString: strerror(errno)))"
    }
}
