import Foundation
import Glibc

/// The service manager's end of sd_notify for tests: an AF_UNIX datagram socket bound at a path
/// the test owns (or `@name` in the abstract namespace); each datagram is one notification
/// (newline-separated KEY=VALUE lines).
public final class NotifySocketListener: @unchecked Sendable {
    // @unchecked: the descriptor is only read and closed in deinit.
    public let path: String
    private let descriptor: Int32

    public struct SocketError: Error, CustomStringConvertible {
        public var operation: String
        public var errno: Int32
        public var description: String { "\(operation): \(String(cString: strerror(errno)))" }
    }

    public init(path: String) throws {
        self.path = path
        descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw SocketError(operation: "socket", errno: errno) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var bytes = Array(path.utf8)
        let abstract = path.hasPrefix("@")
        if abstract { bytes[0] = 0 }
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
            close(descriptor)
            throw SocketError(operation: "bind \(path)", errno: ENAMETOOLONG)
        }
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                // An abstract name is exactly its bytes: the length must not count trailing zeros.
                bind(descriptor, $0, socklen_t(abstract
                    ? MemoryLayout<sockaddr_un>.offset(of: \.sun_path)! + bytes.count
                    : MemoryLayout<sockaddr_un>.size))
            }
        }
        guard bound == 0 else {
            let error = errno
            close(descriptor)
            throw SocketError(operation: "bind \(path)", errno: error)
        }
    }

    deinit {
        close(descriptor)
        if !path.hasPrefix("@") { unlink(path) }
    }

    /// The next datagram, or nil if none arrives within `timeout`.
    public func receive(timeout: Duration) -> String? {
        var entry = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        let milliseconds = Int32(timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000)
        guard Glibc.poll(&entry, 1, milliseconds) == 1 else { return nil }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = recv(descriptor, &buffer, buffer.count, 0)
        guard count >= 0 else { return nil }
        return String(decoding: buffer[..<count], as: UTF8.self)
    }

    /// Datagrams received until `stop` returns true for one of them or `timeout` passes.
    public func receive(until stop: (String) -> Bool, timeout: Duration) -> [String] {
        let deadline = ContinuousClock.now + timeout
        var received: [String] = []
        while ContinuousClock.now < deadline {
            guard let message = receive(timeout: min(deadline - ContinuousClock.now, .milliseconds(100))) else { continue }
            received.append(message)
            if stop(message) { break }
        }
        return received
    }
}
