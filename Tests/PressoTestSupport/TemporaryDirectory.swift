import Foundation

/// A fresh directory under /tmp, removed with everything in it when released.
public final class TemporaryDirectory: Sendable {
    public let path: String

    public init(prefix: String = "presso-test") throws {
        var template = Array("/tmp/\(prefix).XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { buffer in
            mkdtemp(buffer.baseAddress!).map { String(cString: $0) }
        }
        guard let made else { throw CocoaError(.fileWriteUnknown) }
        path = made
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// `name` inside this directory.
    public func file(_ name: String) -> String { path + "/" + name }
}

/// Where the package's build products are: `.build/debug` of the checkout these sources are in
/// (found from `#filePath`), so a test runs the binaries `swift build` made for this checkout.
public enum PackageBuild {
    /// The directory holding Package.swift.
    public static func packageRoot(filePath: String = #filePath) -> String {
        var url = URL(fileURLWithPath: filePath)
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) {
                return url.path
            }
        }
        return url.path
    }

    public static func product(_ name: String, filePath: String = #filePath) -> String {
        packageRoot(filePath: filePath) + "/.build/debug/" + name
    }
}
