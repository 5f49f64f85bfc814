#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A POSIX error number, as libgpiod reports it through `errno`.
///
/// Modelled on swift-system's `Errno`: a small `RawRepresentable` value with names for the codes
/// a GPIO caller can act on, and the C library's message as its description.
public struct Errno: RawRepresentable, Error, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }

    /// `errno` as it is right now; read it immediately after the failing C call.
    static var current: Errno { Errno(rawValue: errno) }

    /// The C library's text for the code, e.g. "Device or resource busy".
    public var description: String { String(cString: strerror(rawValue)) }

    /// The line is already requested, by this process or another (EBUSY).
    public static let busy = Errno(rawValue: EBUSY)
    /// No such chip, or no line of that name (ENOENT).
    public static let noSuchFileOrDirectory = Errno(rawValue: ENOENT)
    /// An offset beyond the chip's lines, or a request the kernel refuses (EINVAL).
    public static let invalidArgument = Errno(rawValue: EINVAL)
    /// The line was released or its chip closed (EBADF).
    public static let badFileDescriptor = Errno(rawValue: EBADF)
    /// Opening the chip device was refused (EACCES).
    public static let permissionDenied = Errno(rawValue: EACCES)
    /// Not a GPIO character device (ENOTTY).
    public static let notATerminal = Errno(rawValue: ENOTTY)
    /// The device went away (ENODEV).
    public static let noSuchDevice = Errno(rawValue: ENODEV)
    /// An operation the line's request does not allow, e.g. setting an input (EPERM).
    public static let notPermitted = Errno(rawValue: EPERM)
    /// The call was interrupted by a signal (EINTR).
    public static let interrupted = Errno(rawValue: EINTR)
}
