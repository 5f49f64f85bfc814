import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// One JSON document on disk that survives crashes and power loss: a save writes a temporary
/// file, fsyncs it, renames it over the old one and fsyncs the directory, so a reader only ever
/// sees the old document or the new one. A document that cannot be decoded is never trusted: it
/// is moved aside (`NAME.corrupt-<unix time>`) and reported, so nothing stored is lost.
public struct StateFile<Value: Codable & Sendable>: Sendable {
    public let path: String

    public init(path: String) {
        self.path = path
    }

    public enum LoadResult: Sendable {
        /// No file yet (first start).
        case missing
        case loaded(Value)
        /// The file could not be read or decoded; it was renamed to `movedTo`.
        case setAside(movedTo: String, reason: String)
    }

    public func load() -> LoadResult {
        guard FileManager.default.fileExists(atPath: path) else { return .missing }
        let reason: String
        do {
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            return .loaded(try JSONDecoder().decode(Value.self, from: data))
        } catch let error as DecodingError {
            reason = Self.describe(error)
        } catch {
            reason = "\(error)"
        }
        let aside = "\(path).corrupt-\(Int(Date().timeIntervalSince1970))"
        if rename(path, aside) != 0 {
            return .setAside(movedTo: path, reason: reason + " (and could not be moved aside: \(String(cString: strerror(errno))))")
        }
        return .setAside(movedTo: aside, reason: reason)
    }

    public func save(_ value: Value) throws(StateFileError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let data: Data
        do { data = try encoder.encode(value) } catch { throw StateFileError(path: path, operation: "encode", detail: "\(error)") }
        try Self.writeAtomically(data, to: path)
    }

    static func writeAtomically(_ data: Data, to path: String) throws(StateFileError) {
        let directory = (path as NSString).deletingLastPathComponent
        let temporary = path + ".tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw StateFileError(path: temporary, operation: "open", errno: errno) }
        var failure: StateFileError?
        data.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    failure = StateFileError(path: temporary, operation: "write", errno: errno)
                    return
                }
                offset += written
            }
        }
        if failure == nil, fsync(fd) != 0 { failure = StateFileError(path: temporary, operation: "fsync", errno: errno) }
        close(fd)
        if let failure {
            unlink(temporary)
            throw failure
        }
        guard rename(temporary, path) == 0 else {
            let error = StateFileError(path: path, operation: "rename", errno: errno)
            unlink(temporary)
            throw error
        }
        // The rename is durable only once the directory entry is on disk.
        let dirfd = open(directory.isEmpty ? "." : directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dirfd >= 0 {
            fsync(dirfd)
            close(dirfd)
        }
    }

    private static func describe(_ error: DecodingError) -> String {
        switch error {
        case .dataCorrupted(let context): return "not valid JSON: \(context.debugDescription)"
        case .keyNotFound(let key, _): return "missing field '\(key.stringValue)'"
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            let field = context.codingPath.map(\.stringValue).joined(separator: ".")
            return "field '\(field)': \(context.debugDescription)"
        @unknown default: return "\(error)"
        }
    }
}

public struct StateFileError: Error, Sendable, CustomStringConvertible {
    public var path: String
    public var operation: String
    public var detail: String

    init(path: String, operation: String, detail: String) {
        self.path = path
        self.operation = operation
        self.detail = detail
    }

    init(path: String, operation: String, errno code: Int32) {
        self.init(path: path, operation: operation, detail: String(cString: strerror(code)))
    }

    public var description: String { "\(path): \(operation) failed: \(detail)" }
}
