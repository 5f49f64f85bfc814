/// A failed libgpiod call: which chip or line, what was attempted, and the `errno` it left.
///
/// Its description reads as one sentence a person can act on, e.g.
/// `line 'GPIO17' (gpiochip0:17): request as output: Device or resource busy (held by "gpioset")`.
public struct GPIOError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The error number libgpiod left in `errno`.
    public var errno: Errno
    /// What was attempted, e.g. "open chip", "request as output", "set value".
    public var operation: String
    /// Which chip or line, e.g. `chip 'gpiochip0'` or `line 'GPIO17' (gpiochip0:17)`.
    public var subject: String
    /// Extra facts found after the failure, e.g. the consumer holding a busy line.
    public var detail: String?

    public init(_ errno: Errno, operation: String, subject: String, detail: String? = nil) {
        self.errno = errno
        self.operation = operation
        self.subject = subject
        self.detail = detail
    }

    public var description: String {
        "\(subject): \(operation): \(errno)" + (detail.map { " (\($0))" } ?? "")
    }

    /// How error messages name a chip.
    static func chipSubject(_ chip: String) -> String { "chip '\(chip)'" }

    /// How error messages name a line: by its kernel name when it has one, always with chip:offset.
    static func lineSubject(chip: String, offset: UInt32, name: String?) -> String {
        if let name, !name.isEmpty { return "line '\(name)' (\(chip):\(offset))" }
        return "line \(chip):\(offset)"
    }
}
