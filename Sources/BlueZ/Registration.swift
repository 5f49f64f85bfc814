import DBus
import Logging

/// Doing what is missing, and noting what was lost.
extension Supervisor {
    /// Brings BlueZ to the wanted state from what the view shows: adapter chosen and powered,
    /// alias set, application and advertisement registered (then `registered` is announced),
    /// agent registered as default, pairing window applied. Costs no call when all is done.
    func converge() async {
        guard let owner, let view else { return }
        if let blockedUntil, ContinuousClock.now < blockedUntil { return }
        guard let chosen = view.adapter(matching: configuration.adapter) else {
            if adapter != nil {
                lose([.application, .advertisement], .adapterRemoved, stillPossible: false)
                setAdapter(nil)
            }
            let present = view.adapters.map(\.lastComponent).joined(separator: ", ")
            waiting(configuration.adapter.map { "adapter \($0) is not there (BlueZ has: \(present.isEmpty ? "none" : present)): waiting for it" }
                ?? "BlueZ has no adapter: waiting for one")
            return
        }
        if chosen != adapter {
            if adapter != nil { lose([.application, .advertisement], .adapterRemoved, stillPossible: false) }
            setAdapter(chosen)
            let now = ContinuousClock.now
            adapterAppeared = now
            // After a bluetoothd (re)start the clock runs from bluetoothd's appearance.
            if pendingSince == nil || pendingSince != ownerAppeared { pendingSince = now }
            logger.info("using adapter \(chosen.lastComponent) (\(view.address(of: chosen) ?? "?"))")
            viewChanged()
        }
        waitingFor = nil
        let client = BlueZClient(connection: connection, owner: owner)
        do throws(DBusError) {
            if !view.flag(chosen, BlueZ.adapter, "Powered") {
                logger.info("powering \(chosen.lastComponent) on")
                _ = try await client.set(chosen, BlueZ.adapter, "Powered", .bool(true))
            }
            if let alias = configuration.alias ?? peripheral.advertisement.localName,
                view.property(chosen, BlueZ.adapter, "Alias") != .string(alias)
            {
                _ = try await client.set(chosen, BlueZ.adapter, "Alias", .string(alias))
            }
            if application == nil, view.has(chosen, BlueZ.gattManager) {
                let serial = try await registering("application") { () throws(DBusError) in
                    try await client.registerApplication(peripheral.applicationExport.root, on: chosen)
                }
                application = Registration(owner: owner, adapter: chosen, serial: serial)
            }
            if advertisement == nil, view.has(chosen, BlueZ.advertisingManager) {
                let serial = try await registering("advertisement") { () throws(DBusError) in
                    try await client.registerAdvertisement(peripheral.advertisementObject.path, on: chosen)
                }
                advertisement = Registration(owner: owner, adapter: chosen, serial: serial)
            }
            if application != nil, advertisement != nil, !announced { announce(on: chosen) }
            if configuration.pairingAgent, agent == nil, view.has(BlueZ.managerPath, BlueZ.agentManager) {
                _ = try await registering("pairing agent") { () throws(DBusError) in
                    try await client.registerAgent(peripheral.agentPath, capability: PairingAgent.capability)
                }
                let serial = try await client.requestDefaultAgent(peripheral.agentPath)
                agent = Registration(owner: owner, adapter: BlueZ.managerPath, serial: serial)
                logger.info("pairing agent registered (\(PairingAgent.capability), default)")
            }
            let target = SharedState.Target(owner: owner, adapter: chosen)
            if pairingApplied?.owner != owner || pairingApplied?.adapter != chosen,
                let remaining = peripheral.pairingWindowRemaining
            {
                try await peripheral.setPairable(true, timeout: remaining, on: target)
                logger.info("pairing window re-opened for the \(remaining) s left")
            }
            pairingApplied = target
        } catch {
            guard self.owner == owner else { return }   // bluetoothd went away meanwhile
            logger.warning("registering with BlueZ failed: \(error); trying again in \(retryDelay)")
            scheduleRetry()
            return
        }
        retryDelay = Self.firstRetryDelay
    }

    /// Runs one Register call; `AlreadyExists` means BlueZ already has it from this connection
    /// (a registration whose loss was noticed twice), which is as good as done.
    private func registering(_ what: String, _ call: () async throws(DBusError) -> UInt32) async throws(DBusError) -> UInt32 {
        do throws(DBusError) {
            let serial = try await call()
            logger.debug("\(what) registered")
            return serial
        } catch where error.name == BlueZ.Error.alreadyExists {
            logger.debug("\(what) was registered already")
            return view?.serial ?? 0
        }
    }

    private func announce(on chosen: DBusObjectPath) {
        let now = ContinuousClock.now
        let elapsed = pendingSince.map { $0.duration(to: now) } ?? .zero
        var detail = ""
        if let ownerAppeared, let pendingSince, ownerAppeared == pendingSince {
            detail += " after bluetoothd appeared"
            if let adapterAppeared, adapterAppeared > ownerAppeared {
                detail += ", \(Self.seconds(adapterAppeared.duration(to: now))) after the adapter did"
            }
        }
        announced = true
        pendingSince = nil
        peripheral.shared.withLock { $0.registered = true }
        logger.info("registered on \(chosen.lastComponent): application and advertisement, \(Self.seconds(elapsed))\(detail)")
        peripheral.emit(.registered(adapter: chosen.lastComponent, elapsed: elapsed))
    }

    static func seconds(_ duration: Duration) -> String {
        let ms = duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
        return "\(ms / 1000).\(String(ms % 1000).leftPadded(3)) s"
    }

    /// Forgets registrations BlueZ no longer has. `stillPossible`: bluetoothd and the adapter
    /// are still there, so registering again can start now (the clock of `registered` starts).
    func lose(_ parts: Set<Part>, _ reason: UnregistrationReason, stillPossible: Bool) {
        if parts.contains(.application), application != nil {
            application = nil
            peripheral.applicationExport.registrationLost()
        }
        if parts.contains(.advertisement) { advertisement = nil }
        if parts.contains(.agent) { agent = nil }
        if announced, application == nil || advertisement == nil {
            announced = false
            peripheral.shared.withLock { $0.registered = false }
            logger.notice("unregistered: \(reason)")
            peripheral.emit(.unregistered(reason))
        }
        pendingSince = stillPossible ? ContinuousClock.now : nil
    }

    /// bluetoothd left the bus: it forgot everything, and every link is gone.
    func bluetoothdGone() {
        logger.warning("bluetoothd left the bus: its registrations are gone; waiting for it to come back")
        lose([.application, .advertisement, .agent], .bluetoothdStopped, stillPossible: false)
        owner = nil
        view = nil
        pairingApplied = nil
        setAdapter(nil)
    }

    func setAdapter(_ path: DBusObjectPath?) {
        adapter = path
        if path == nil { pairingApplied = nil }
        let target = path.flatMap { path in owner.map { SharedState.Target(owner: $0, adapter: path) } }
        peripheral.shared.withLock { $0.target = target }
        viewChanged()
    }

    /// Connected centrals and the pairing window, from the view: changes become events.
    func viewChanged() {
        let now = adapter.flatMap { view?.connectedDevices(of: $0) } ?? []
        for gone in connected.subtracting(now).sorted() {
            peripheral.links.disconnected(gone.rawValue)
            logger.info("central disconnected: \(gone)")
            peripheral.emit(.centralDisconnected(gone.rawValue))
        }
        for new in now.subtracting(connected).sorted() {
            peripheral.links.connected(new.rawValue)
            logger.info("central connected: \(new)")
            peripheral.emit(.centralConnected(new.rawValue))
        }
        if connected != now {
            connected = now
            peripheral.shared.withLock { $0.connected = Set(now.map(\.rawValue)) }
        }
        let pairableNow = adapter.map { view?.flag($0, BlueZ.adapter, "Pairable") ?? false } ?? false
        if pairableNow != pairable {
            pairable = pairableNow
            peripheral.emit(.pairingWindow(open: pairableNow))
        }
    }

    // MARK: Objects on the bus

    func exportObjects() async throws(DBusError) {
        let peripheral = self.peripheral
        do throws(DBusError) {
            try await peripheral.applicationExport.export()
            try await peripheral.advertisementObject.export()
            if configuration.pairingAgent {
                let inbox = self.inbox
                let agent = PairingAgent(
                    isPairingWindowOpen: { peripheral.pairingWindowRemaining != nil },
                    onRelease: { call in inbox.yield(.agentReleased(call)) }, logger: logger)
                try await connection.export([agent.interface], at: peripheral.agentPath)
            }
        } catch {
            unexportObjects(peripheral)
            throw error
        }
    }

    /// On the way out (the supervising task is cancelled): unregister what BlueZ has, in a task
    /// of its own so the calls are not cancelled too, then unexport.
    func shutDown() async {
        peripheral.shared.withLock { state in
            state.inbox = nil
            state.target = nil
            state.registered = false
        }
        inbox.finish()
        let peripheral = self.peripheral, owner = self.owner
        let application = self.application, advertisement = self.advertisement, agent = self.agent
        await Task {
            if let owner {
                let client = BlueZClient(connection: peripheral.connection, owner: owner, timeout: .seconds(2))
                if let advertisement {
                    try? await client.unregisterAdvertisement(peripheral.advertisementObject.path, on: advertisement.adapter)
                }
                if let application {
                    try? await client.unregisterApplication(peripheral.applicationExport.root, on: application.adapter)
                }
                if agent != nil { try? await client.unregisterAgent(peripheral.agentPath) }
            }
            unexportObjects(peripheral)
        }.value
        peripheral.logger.info("unregistered and unexported: stopped")
        if announced { peripheral.emit(.unregistered(.stopped)) }
        announced = false
    }
}

func unexportObjects(_ peripheral: BluetoothPeripheral) {
    peripheral.applicationExport.unexport()
    peripheral.advertisementObject.unexport()
    peripheral.connection.unexport(peripheral.agentPath)
}

extension String {
    fileprivate func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
