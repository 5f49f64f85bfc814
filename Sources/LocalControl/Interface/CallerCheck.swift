import BootsControlAPI
import DBus
import Glibc

/// Who may call `org.presso.Boots1`'s methods: root and members of the admin group. The bus
/// policy (systemd/org.presso.Boots.conf) already enforces this; pressod checks again, so a
/// policy file left out or loosened does not open the boots to every local user.
public struct AdminRule: Sendable, Equatable {
    public static let defaultGroup = "presso-admin"
    public let group: String

    public init(group: String = AdminRule.defaultGroup) {
        self.group = group
    }

    /// Whether a caller running as `uid`, whose groups are `groups`, may call methods, when the
    /// admin group has `adminGID` (nil when the group does not exist on this machine).
    public func permits(uid: uid_t, groups: [gid_t], adminGID: gid_t?) -> Bool {
        if uid == 0 { return true }
        guard let adminGID else { return false }
        return groups.contains(adminGID)
    }
}

/// Checks method callers against an `AdminRule`: asks the bus which uid sent the call
/// (`GetConnectionUnixUser`, which the bus daemon knows from the socket's credentials, so a
/// caller cannot lie about it), then the user and group databases for that uid's groups.
public struct CallerCheck: Sendable {
    public let rule: AdminRule
    let connection: DBusConnection

    public init(connection: DBusConnection, rule: AdminRule = AdminRule()) {
        self.connection = connection
        self.rule = rule
    }

    /// The caller's uid; throws `AccessDenied` unless the caller may call methods.
    @discardableResult
    public func authorize(_ call: DBusMessage) async throws(DBusError) -> UInt32 {
        guard let sender = call.sender else { throw .init(name: BootsErrorName.accessDenied, message: "the call has no sender") }
        let reply = try await connection.call(
            destination: "org.freedesktop.DBus", path: "/org/freedesktop/DBus", interface: "org.freedesktop.DBus",
            method: "GetConnectionUnixUser", arguments: [.string(sender)])
        let uid: UInt32 = try reply.argument(0)
        let groups = Self.groups(of: uid)
        guard rule.permits(uid: uid, groups: groups, adminGID: Self.gid(of: rule.group)) else {
            throw .init(
                name: BootsErrorName.accessDenied,
                message: "uid \(uid) may not control the boots: only root and members of group \(rule.group) may")
        }
        return uid
    }

    /// The gid of group `name`, nil when there is no such group.
    static func gid(of name: String) -> gid_t? {
        var group = Glibc.group()
        var buffer = [CChar](repeating: 0, count: 16384)
        var result: UnsafeMutablePointer<Glibc.group>?
        guard getgrnam_r(name, &group, &buffer, buffer.count, &result) == 0, result != nil else { return nil }
        return group.gr_gid
    }

    /// Every group of the user `uid` (primary and supplementary), from the user and group
    /// databases; empty for a uid with no user entry.
    static func groups(of uid: uid_t) -> [gid_t] {
        var user = passwd()
        var buffer = [CChar](repeating: 0, count: 16384)
        var result: UnsafeMutablePointer<passwd>?
        guard getpwuid_r(uid, &user, &buffer, buffer.count, &result) == 0, result != nil, let name = user.pw_name else {
            return []
        }
        var count: Int32 = 64
        var groups = [gid_t](repeating: 0, count: Int(count))
        if getgrouplist(name, user.pw_gid, &groups, &count) < 0 {
            groups = [gid_t](repeating: 0, count: Int(count))
            guard getgrouplist(name, user.pw_gid, &groups, &count) >= 0 else { return [user.pw_gid] }
        }
        return Array(groups.prefix(Int(count)))
    }
}
