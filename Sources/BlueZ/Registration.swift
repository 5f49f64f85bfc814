import DBus
import Logging

/// Doing what is missing, and noting what was lost.
extension Supervisor {
    /// Brings BlueZ to the wanted state from what the view shows: adapter chosen, application
    /// and advertisement registered (then `registered` is announced), adapter powered, alias
    /// set, agent registered as default, pairing window applied. Costs no call when all is done.
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
        if managersAppeared == nil, view.has(chosen, BlueZ.gattManager), view.has(chosen, BlueZ.advertisingManager) {
            managersAppeared = ContinuousClock.now
        }
        let client = BlueZClient(connection: connection, owner: owner)
        do throws(DBusError) {
            // Registration first: BlueZ takes both on an adapter that is still off (the kernel
            // keeps advertising instances until it is powered), and it is what the 2 s are for.
            // Both at once: BlueZ handles them independently, each calling back into us.
            let needApplication = application == nil && view.has(chosen, BlueZ.gattManager)
            let needAdvertisement = advertisement == nil && view.has(chosen, BlueZ.advertisingManager)
            if needApplication || needAdvertisement {
                let root = peripheral.applicationExport.root, advertisementPath = peripheral.advertisementObject.path
                async let applicationAttempt = needApplication
                    ? Attempt.run { () throws(DBusError) in try await client.registerApplication(root, on: chosen) } : nil
                async let advertisementAttempt = needAdvertisement
                    ? Attempt.run { () throws(DBusError) in try await client.registerAdvertisement(advertisementPath, on: chosen) } : nil
                let attempts = await (application: applicationAttempt, advertisement: advertisementAttempt)
                var failure: DBusError?
                if let attempt = attempts.application {
                    switch attempt.outcome {
                    case .success(let serial):
                        application = Registration(owner: owner, adapter: chosen, serial: serial ?? (self.view?.serial ?? 0))
                        timings.append("application \(Self.seconds(attempt.took))")
                    case .failure(let error): failure = error
                    }
                }
                if let attempt = attempts.advertisement {
                    switch attempt.outcome {
                    case .success(let serial):
                        advertisement = Registration(owner: owner, adapter: chosen, serial: serial ?? (self.view?.serial ?? 0))
                        timings.append("advertisement \(Self.seconds(attempt.took))")
                    case .failure(let error): failure = failure ?? error
                    }
                }
                if let failure { throw failure }
            }
            if application != nil, advertisement != nil, !announced { announce(on: chosen) }
            // Once per bluetoothd and adapter, like the alias: an adapter switched off later (by
            // an administrator, or by bluetoothd as it shuts down) is left off.
            if self.view?.flag(chosen, BlueZ.adapter, "Powered") == false,
                poweredApplied.map({ $0 != (owner, chosen) }) ?? true
            {
                try await powerOn(chosen, client)
                poweredApplied = (owner, chosen)
            }
            // Once per bluetoothd, adapter and alias: should BlueZ store it otherwise than sent,
            // setting it again on every change signal would never end.
            if let alias = configuration.alias ?? peripheral.advertisement.localName,
                self.view?.property(chosen, BlueZ.adapter, "Alias") != .string(alias),
                aliasApplied.map({ $0 != (owner, chosen, alias) }) ?? true
            {
                _ = try await client.set(chosen, BlueZ.adapter, "Alias", .string(alias))
                aliasApplied = (owner, chosen, alias)
                self.view?.assume(chosen, BlueZ.adapter, "Alias", .string(alias))
            }
            if configuration.pairingAgent, agent == nil, view.has(BlueZ.managerPath, BlueZ.agentManager) {
                let agentPath = peripheral.agentPath
                let attempt = await Attempt.run { () throws(DBusError) in
                    try await client.registerAgent(agentPath, capability: PairingAgent.capability)
                }
                if case .failure(let error) = attempt.outcome { throw error }
                let serial = try await client.requestDefaultAgent(peripheral.agentPath)
                agent = Registration(owner: owner, adapter: BlueZ.managerPath, serial: serial)
                logger.info("pairing agent registered (\(PairingAgent.capability), default)")
            }
            let target = SharedState.Target(owner: owner, adapter: chosen)
            let remaining = peripheral.pairingWindowRemaining
            if pairingApplied?.owner != owner || pairingApplied?.adapter != chosen, let remaining {
                try await peripheral.setPairable(true, timeout: remaining, on: target)
                logger.info("pairing window re-opened for the \(remaining) s left")
            }
            pairingApplied = target
            if configuration.pairableOnlyInWindow, remaining == nil, self.view?.flag(chosen, BlueZ.adapter, "Pairable") == true {
                _ = try await client.set(chosen, BlueZ.adapter, "Pairable", .bool(false))
                self.view?.assume(chosen, BlueZ.adapter, "Pairable", .bool(false))
                logger.info("\(chosen.lastComponent) made not pairable: no pairing window is open")
            }
        } catch {
            guard self.owner == owner else { return }   // bluetoothd went away meanwhile
            logger.warning("registering with BlueZ failed: \(error); trying again in \(retryDelay)")
            scheduleRetry()
            return
        }
        retryDelay = Self.firstRetryDelay
    }

    /// Powers the adapter on. `Busy` means someone else is powering it right now (a script,
    /// bluetoothd's AutoEnable): its `Powered` signal will bring the next look.
    private func powerOn(_ adapter: DBusObjectPath, _ client: BlueZClient) async throws(DBusError) {
        logger.info("powering \(adapter.lastComponent) on")
        do throws(DBusError) {
            _ = try await client.set(adapter, BlueZ.adapter, "Powered", .bool(true))
            self.view?.assume(adapter, BlueZ.adapter, "Powered", .bool(true))
        } catch where error.name == "org.bluez.Error.Busy" {
            logger.debug("\(adapter.lastComponent) is being powered on or off already")
        }
    }

    /// One Register call and how long BlueZ took. `AlreadyExists` (no serial) means BlueZ
    /// already has it from this connection (a loss noticed twice), which is as good as done.
    struct Attempt: Sendable {
        var outcome: Result<UInt32?, DBusError>
        var took: Duration

        static func run(_ call: @Sendable () async throws(DBusError) -> UInt32) async -> Attempt {
            let start = ContinuousClock.now
            let outcome: Result<UInt32?, DBusError>
            do throws(DBusError) {
                outcome = .success(try await call())
            } catch where error.name == BlueZ.Error.alreadyExists {
                outcome = .success(nil)
            } catch {
                outcome = .failure(error)
            }
            return Attempt(outcome: outcome, took: start.duration(to: .now))
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
            if let managersAppeared, managersAppeared > (adapterAppeared ?? ownerAppeared) {
                detail += ", \(Self.seconds(managersAppeared.duration(to: now))) after its GATT and advertising managers did"
            }
        }
        if !timings.isEmpty { detail += " (BlueZ took: \(timings.joined(separator: ", ")))" }
        timings = []
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
        if path == nil {
            // A returning adapter is a new one: powered, named and windowed afresh.
            pairingApplied = nil
            poweredApplied = nil
            aliasApplied = nil
            managersAppeared = nil
        }
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
        // With pairableOnlyInWindow, bluetoothd turning Pairable on outside a window (it does
        // when a default agent registers) is undone at once and is no window: not announced.
        let windowAllowed = !configuration.pairableOnlyInWindow || peripheral.pairingWindowRemaining != nil
        let pairableNow = windowAllowed && (adapter.map { view?.flag($0, BlueZ.adapter, "Pairable") ?? false } ?? false)
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

    /// On the way out (the supervising task is cancelled): unregister what BlueZ may have, in a
    /// task of its own so the calls are not cancelled too, then unexport. A registration whose
    /// call was cancelled midway may exist in BlueZ without its reply having been read, so
    /// everything is unregistered from the adapter in use (BlueZ answers DoesNotExist for the rest).
    func shutDown() async {
        peripheral.shared.withLock { state in
            state.inbox = nil
            state.target = nil
            state.registered = false
        }
        inbox.finish()
        let peripheral = self.peripheral, owner = self.owner, adapter = self.adapter
        let agent = configuration.pairingAgent
        await Task {
            if let owner {
                // At once, not one after another: a busy bluetoothd answers each in about a
                // second (seen in the VM under load), and SIGTERM should not wait for the sum.
                let client = BlueZClient(connection: peripheral.connection, owner: owner, timeout: .seconds(2))
                await withTaskGroup(of: Void.self) { group in
                    if let adapter {
                        group.addTask { try? await client.unregisterAdvertisement(peripheral.advertisementObject.path, on: adapter) }
                        group.addTask { try? await client.unregisterApplication(peripheral.applicationExport.root, on: adapter) }
                    }
                    if agent { group.addTask { try? await client.unregisterAgent(peripheral.agentPath) } }
                }
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
