/// `org.freedesktop.DBus.Introspectable`: the XML description of an object, one `<arg>` per
/// complete type, standard interfaces included, children listed as `<node name="…"/>`.
extension ObjectTree {
    func introspectionXML(at path: DBusObjectPath) -> String {
        var xml = """
            <!DOCTYPE node PUBLIC "-//freedesktop//DTD D-BUS Object Introspection 1.0//EN"
             "http://www.freedesktop.org/standards/dbus/1.0/introspect.dtd">
            <node>

            """
        xml += Self.standardInterfacesXML
        if managers.contains(path) { xml += Self.objectManagerXML }
        for interface in objects[path] ?? [] { xml += Self.xml(for: interface) }
        for child in childNames(of: path) { xml += "  <node name=\"\(escaped(child))\"/>\n" }
        xml += "</node>\n"
        return xml
    }

    private static func xml(for interface: DBusInterface) -> String {
        var xml = "  <interface name=\"\(escaped(interface.name))\">\n"
        for method in interface.methods {
            xml += "    <method name=\"\(escaped(method.name))\">\n"
            for arg in method.inputs { xml += argXML(arg, direction: "in") }
            for arg in method.outputs { xml += argXML(arg, direction: "out") }
            xml += "    </method>\n"
        }
        for signal in interface.signals {
            xml += "    <signal name=\"\(escaped(signal.name))\">\n"
            for arg in signal.arguments { xml += argXML(arg, direction: nil) }
            xml += "    </signal>\n"
        }
        for property in interface.properties {
            let access = property.isWritable ? "readwrite" : "read"
            xml += "    <property name=\"\(escaped(property.name))\" type=\"\(escaped(property.type.rawValue))\" access=\"\(access)\"/>\n"
        }
        xml += "  </interface>\n"
        return xml
    }

    private static func argXML(_ arg: DBusArgument, direction: String?) -> String {
        let dir = direction.map { " direction=\"\($0)\"" } ?? ""
        let name = arg.name.isEmpty ? "" : " name=\"\(escaped(arg.name))\""
        return "      <arg\(name) type=\"\(escaped(arg.type.rawValue))\"\(dir)/>\n"
    }

    private static let standardInterfacesXML = """
          <interface name="org.freedesktop.DBus.Introspectable">
            <method name="Introspect">
              <arg name="xml_data" type="s" direction="out"/>
            </method>
          </interface>
          <interface name="org.freedesktop.DBus.Peer">
            <method name="Ping"/>
            <method name="GetMachineId">
              <arg name="machine_uuid" type="s" direction="out"/>
            </method>
          </interface>
          <interface name="org.freedesktop.DBus.Properties">
            <method name="Get">
              <arg name="interface_name" type="s" direction="in"/>
              <arg name="property_name" type="s" direction="in"/>
              <arg name="value" type="v" direction="out"/>
            </method>
            <method name="GetAll">
              <arg name="interface_name" type="s" direction="in"/>
              <arg name="properties" type="a{sv}" direction="out"/>
            </method>
            <method name="Set">
              <arg name="interface_name" type="s" direction="in"/>
              <arg name="property_name" type="s" direction="in"/>
              <arg name="value" type="v" direction="in"/>
            </method>
            <signal name="PropertiesChanged">
              <arg name="interface_name" type="s"/>
              <arg name="changed_properties" type="a{sv}"/>
              <arg name="invalidated_properties" type="as"/>
            </signal>
          </interface>

        """

    private static let objectManagerXML = """
          <interface name="org.freedesktop.DBus.ObjectManager">
            <method name="GetManagedObjects">
              <arg name="objects" type="a{oa{sa{sv}}}" direction="out"/>
            </method>
            <signal name="InterfacesAdded">
              <arg name="object_path" type="o"/>
              <arg name="interfaces_and_properties" type="a{sa{sv}}"/>
            </signal>
            <signal name="InterfacesRemoved">
              <arg name="object_path" type="o"/>
              <arg name="interfaces" type="as"/>
            </signal>
          </interface>

        """
}

private func escaped(_ text: String) -> String {
    var out = ""
    for c in text {
        switch c {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        case "'": out += "&apos;"
        default: out.append(c)
        }
    }
    return out
}
