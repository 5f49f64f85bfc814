#if canImport(Glibc)
import Glibc
#endif
// sequencer-demo: watch a real-time session on the simulated pump, or benchmark the control loop.
var arguments = CommandLine.arguments.dropFirst()
let mode = arguments.first.flatMap { ["run", "bench"].contains($0) ? $0 : nil } ?? "run"
if arguments.first == mode { arguments = arguments.dropFirst() }
if arguments.contains("--help") || arguments.contains("-h") {
    print(Options.usage)
} else {
    do {
        let options = try Options(arguments)
        if mode == "bench" { try await Bench.run(options) } else { try await Demo.run(options) }
    } catch let error as Options.Invalid {
        print("sequencer-demo: \(error)\n\n\(Options.usage)")
        exit(2)
    } catch {
        print("sequencer-demo: \(error)")
        exit(1)
    }
}
