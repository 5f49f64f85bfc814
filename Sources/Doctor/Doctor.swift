/// `pressod doctor`: gathers the facts a plan needs from the probes and judges each check.
public enum Doctor {
    public static func examine(_ plan: DoctorPlan, with probes: some DoctorProbing) async -> DoctorReport {
        let bus = await probes.systemBus()
        let kernel = probes.kernelBluetooth()
        let lines = plan.gpio?.lines ?? []
        let lineFacts = probes.gpioLines(lines)
        // Lines held under pressod's own consumer name are fine only while a pressod runs.
        let pressodRunning = probes.otherPressodRunning()
        return DoctorReport(results: [
            SystemChecks.configuration(plan.configuration),
            BluetoothChecks.systemBus(bus),
            BluetoothChecks.bluetoothd(bus),
            BluetoothChecks.adapter(kernel, configured: plan.adapter, bus: bus),
            BluetoothChecks.experimental(bus),
            SystemChecks.busPolicy(installed: probes.busPolicyFiles(for: SystemChecks.busName)),
            SystemChecks.gpio(plan.gpio, facts: lineFacts, pressodRunning: pressodRunning),
            SystemChecks.stateDirectory(plan.stateDirectory, probes.directory(plan.stateDirectory), user: probes.userName),
        ])
    }
}
