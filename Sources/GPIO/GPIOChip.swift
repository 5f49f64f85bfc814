import CGPIOD
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// An open GPIO chip (`/dev/gpiochipN`), the owner of its lines.
///
/// In libgpiod v1 a chip owns the `gpiod_line` objects of its lines and frees them when it is
/// closed, so every requested line keeps its chip alive; the chip closes when the last reference
/// to it (its own or a line's) goes away. There is no `close()`: release the lines and drop the
/// chip.
///
/// Sendable: libgpiod v1 is not thread-safe (looking a line up allocates into the chip's line
/// table; requesting one rewrites the line's state), so every call that touches the chip's
/// structures runs under this chip's lock. Lines have their own lock for value and event calls.
public final class GPIOChip: Sendable {
    /// The chip's name in `/dev`, e.g. "gpiochip0".
    public let name: String
    /// The driver's label, e.g. "pinctrl-bcm2711" or "gpio-sim.0-node0".
    public let label: String
    /// How many lines the chip has; offsets run 0..<lineCount.
    public let lineCount: Int

    let handle: Mutex<LibgpiodHandle>

    private init(_ chip: OpaquePointer) {
        name = String(cString: gpiod_chip_name(chip))
        label = String(cString: gpiod_chip_label(chip))
        lineCount = Int(gpiod_chip_num_lines(chip))
        handle = Mutex(LibgpiodHandle(pointer: chip))
    }

    deinit {
        handle.withLock { gpiod_chip_close($0.pointer) }
    }

    /// Opens a chip by its name in `/dev`, e.g. "gpiochip0".
    public convenience init(name: String) throws(GPIOError) {
        try self.init(opening: gpiod_chip_open_by_name(name), described: name)
    }

    /// Opens a chip by path, e.g. "/dev/gpiochip0".
    public convenience init(path: String) throws(GPIOError) {
        try self.init(opening: gpiod_chip_open(path), described: path)
    }

    /// Opens the first chip whose driver label matches, e.g. "pinctrl-bcm2711".
    public convenience init(label: String) throws(GPIOError) {
        try self.init(opening: gpiod_chip_open_by_label(label), described: "label \(label)")
    }

    private convenience init(opening chip: OpaquePointer?, described: String) throws(GPIOError) {
        guard let chip else {
            throw GPIOError(.current, operation: "open chip", subject: GPIOError.chipSubject(described))
        }
        self.init(chip)
    }

    /// The names of the GPIO chips present (`/dev/gpiochip*`), in numeric order.
    public static func availableChipNames() -> [String] {
        guard let dir = opendir("/dev") else { return [] }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name.hasPrefix("gpiochip"), Int(name.dropFirst(8)) != nil { names.append(name) }
        }
        return names.sorted { Int($0.dropFirst(8))! < Int($1.dropFirst(8))! }
    }

    /// How errors name the line at `offset`.
    func lineSubject(_ offset: UInt32, name: String? = nil) -> String {
        GPIOError.lineSubject(chip: self.name, offset: offset, name: name)
    }

    /// The current info of the line at `offset`, whoever holds it.
    public func lineInfo(offset: UInt32) throws(GPIOError) -> GPIOLineInfo {
        try withLine(offset, operation: "read line info") { line throws(GPIOError) in
            GPIOLineInfo(line)
        }
    }

    /// The current info of every line of the chip.
    public func allLineInfo() throws(GPIOError) -> [GPIOLineInfo] {
        var infos: [GPIOLineInfo] = []
        for offset in 0..<UInt32(lineCount) { infos.append(try lineInfo(offset: offset)) }
        return infos
    }

    /// The offset of the line the kernel names `name` on this chip (ENOENT when none does).
    public func offset(ofLineNamed name: String) throws(GPIOError) -> UInt32 {
        let result: Result<UInt32, GPIOError> = handle.withLock { chip in
            guard let line = gpiod_chip_find_line(chip.pointer, name) else {
                // libgpiod leaves ENOENT when no line has the name.
                return .failure(GPIOError(.current, operation: "find line", subject: "line '\(name)' on \(GPIOError.chipSubject(self.name))"))
            }
            return .success(gpiod_line_offset(line))
        }
        return try result.get()
    }

    /// Runs `body` on the updated line at `offset`, under the chip's lock.
    func withLine<T>(
        _ offset: UInt32, operation: String, _ body: (OpaquePointer) throws(GPIOError) -> T
    ) throws(GPIOError) -> T {
        let result: Result<T, GPIOError> = handle.withLock { chip in
            guard let line = gpiod_chip_get_line(chip.pointer, offset) else {
                return .failure(GPIOError(.current, operation: operation, subject: lineSubject(offset),
                                          detail: "the chip has \(lineCount) lines"))
            }
            if gpiod_line_update(line) != 0 {
                return .failure(GPIOError(.current, operation: operation, subject: lineSubject(offset)))
            }
            do throws(GPIOError) { return .success(try body(line)) } catch { return .failure(error) }
        }
        return try result.get()
    }
}

/// A libgpiod object pointer (`gpiod_chip *` or `gpiod_line *`).
///
/// `@unchecked Sendable` because it is only ever stored inside a `Mutex` and only dereferenced
/// while that lock is held (libgpiod v1 itself has no locking).
struct LibgpiodHandle: @unchecked Sendable {
    let pointer: OpaquePointer
}
