import DBus

/// A test service: methods that echo, fail by name, wait, or call the caller back.
enum Echo {
    static let name = "presso.test.Echo"
    static let interface = "presso.test.Echo1"
    static let path: DBusObjectPath = "/presso/test/echo"

    /// Every basic type plus containers, as top-level arguments, in one signature.
    static let allTypes: DBusSignature = "ybnqiuxtdsogaya{sv}(ius)vas"

    static func interfaceDescription() -> DBusInterface {
        DBusInterface(
            interface,
            methods: [
                DBusMethod("EchoVariant", inputs: [.init("value", "v")], outputs: [.init("value", "v")]) { call in
                    call.arguments
                },
                DBusMethod(
                    "EchoAll", inputs: allTypes.completeTypes.enumerated().map { .init("in\($0.offset)", $0.element) },
                    outputs: allTypes.completeTypes.enumerated().map { .init("out\($0.offset)", $0.element) }
                ) { call in call.arguments },
                DBusMethod("EchoFD", inputs: [.init("fd", "h")], outputs: [.init("fd", "h")]) { call in call.arguments },
                DBusMethod("Fail", inputs: [.init("name", "s"), .init("message", "s")]) { call throws(DBusError) in
                    throw DBusError(name: try call.arguments.argument(0), message: try call.arguments.argument(1))
                },
                DBusMethod("Concat", inputs: [.init("a", "s"), .init("b", "s")], outputs: [.init("ab", "s")]) {
                    call throws(DBusError) in
                    let a: String = try call.arguments.argument(0)
                    let b: String = try call.arguments.argument(1)
                    return [.string(a + b)]
                },
                DBusMethod("WrongResult", outputs: [.init("n", "i")]) { _ in [.string("not an int")] },
                DBusMethod("Never") { _ in
                    try? await Task.sleep(for: .seconds(3600))
                    return []
                },
            ])
    }
}
