import CDBus

extension DBusConnection {
    /// Exports an object at `path` answering `interfaces` (plus Introspectable, Properties and
    /// Peer, which the connection provides). If an object manager sits above `path`,
    /// `InterfacesAdded` is emitted with the current property values.
    ///
    /// Throws `InvalidArgs` if an object is already exported there or an interface is listed
    /// twice or is one of the standard ones.
    public func export(_ interfaces: [DBusInterface], at path: DBusObjectPath) async throws(DBusError) {
        let core = self.core
        let manager = try core.sync { () -> Result<DBusObjectPath?, DBusError> in
            Result { () throws(DBusError) in
                try core.objects.add(interfaces, at: path)
                return core.objects.manager(for: path)
            }
        }.get()
        guard let manager else { return }
        let payload = try await ObjectTree.interfacesAndProperties(interfaces)
        try emitSignal(
            path: manager, interface: StandardInterface.objectManager, name: "InterfacesAdded",
            arguments: [.objectPath(path), payload])
    }

    /// Stops exporting the object at `path` (calls to it then fail with `UnknownObject`) and
    /// emits `InterfacesRemoved` from its object manager, if any. Does nothing if none is there.
    public func unexport(_ path: DBusObjectPath) {
        let core = self.core
        let removed: (interfaces: [DBusInterface], manager: DBusObjectPath?)? = core.sync {
            guard let interfaces = core.objects.remove(at: path) else { return nil }
            return (interfaces, core.objects.manager(for: path))
        }
        guard let removed, let manager = removed.manager else { return }
        try? emitSignal(
            path: manager, interface: StandardInterface.objectManager, name: "InterfacesRemoved",
            arguments: [.objectPath(path), Array(removed.interfaces.map(\.name)).dbusValue])
    }

    /// Makes `path` answer `org.freedesktop.DBus.ObjectManager` for every object exported
    /// below it (`GetManagedObjects`, `InterfacesAdded`, `InterfacesRemoved`).
    public func addObjectManager(at path: DBusObjectPath) {
        let core = self.core
        core.sync { core.objects.addManager(at: path) }
    }

    /// Removes the object manager at `path`.
    public func removeObjectManager(at path: DBusObjectPath) {
        let core = self.core
        core.sync { core.objects.removeManager(at: path) }
    }

    /// Emits `org.freedesktop.DBus.Properties.PropertiesChanged` for an exported object:
    /// `changed` carries new values, `invalidated` names properties whose value is not sent.
    public func emitPropertiesChanged(
        path: DBusObjectPath, interface: String, changed: [String: DBusValue], invalidated: [String] = []
    ) throws(DBusError) {
        try emitSignal(
            path: path, interface: StandardInterface.properties, name: "PropertiesChanged",
            arguments: [.string(interface), changed.dbusValue, invalidated.dbusValue])
    }
}

extension ConnectionCore {
    /// Answers a method call: at once for errors, else after its handler has run, in a task so
    /// that the connection keeps serving other messages (including calls back from the caller)
    /// while the handler waits. The task starts at once, here on the queue (`Task.immediate`):
    /// a handler that does not suspend — a GATT read or write, a property — is answered before
    /// this returns, on this thread, with no hop to the cooperative pool and back; one that
    /// suspends goes on from there as any task.
    func handleMethodCall(_ raw: OpaquePointer) {
        confined()
        let call = ReplyAddress(of: raw)
        guard let message = DBusMessage(decoding: raw) else {
            reply(to: call, with: .failure(.invalidArgs("the call's arguments could not be decoded")), expecting: .empty)
            return
        }
        switch objects.resolve(message) {
        case .error(let error):
            if !message.noReplyExpected { reply(to: call, with: .failure(error), expecting: .empty) }
        case .reply(let work, let outputSignature):
            Task.immediate { [self] in
                let result: Result<[DBusValue], DBusError>
                do throws(DBusError) {
                    result = .success(try await work())
                } catch {
                    result = .failure(error)
                }
                if !message.noReplyExpected { reply(to: call, with: result, expecting: outputSignature) }
            }
        }
    }

    /// Sends the reply to `call`; results of the wrong types become a `Failed` error reply.
    private func reply(
        to call: ReplyAddress, with result: Result<[DBusValue], DBusError>, expecting signature: DBusSignature
    ) {
        var outcome = result
        if case .success(let values) = result {
            let actual = values.map(\.signatureString).joined()
            if actual != signature.rawValue {
                outcome = .failure(.failed("the handler returned \"\(actual)\" instead of \"\(signature)\""))
            }
        }
        let reply: MessageHandle?
        switch outcome {
        case .success(let values):
            do {
                reply = try MessageHandle.methodReturn(to: call, values)
            } catch {
                reply = MessageHandle.errorReply(to: call, error)
            }
        case .failure(let error):
            reply = MessageHandle.errorReply(to: call, error)
        }
        if let reply { sendNow(reply) }
    }
}
