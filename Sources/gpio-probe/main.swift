// gpio-probe: lists GPIO chips and their lines, like `gpioinfo`, through Presso's own GPIO module
// (so the wrapper itself is exercised wherever this runs, e.g. against gpio-sim in the VM).
//   gpio-probe                 every chip in /dev
//   gpio-probe CHIP...         the named chips ("gpiochip0", "/dev/gpiochip0" or a label)
import GPIO

#if canImport(Glibc)
import Glibc
#endif

func open(_ argument: String) throws(GPIOError) -> GPIOChip {
    if argument.hasPrefix("/") { return try GPIOChip(path: argument) }
    if argument.hasPrefix("gpiochip") { return try GPIOChip(name: argument) }
    return try GPIOChip(label: argument)
}

let arguments = Array(CommandLine.arguments.dropFirst())
let chips = arguments.isEmpty ? GPIOChip.availableChipNames() : arguments
if chips.isEmpty {
    print("gpio-probe: no GPIO chips in /dev (this kernel has no GPIO controller; gpio-sim provides one in the VM)")
    exit(1)
}
var failed = false
for argument in chips {
    do {
        let chip = try open(argument)
        print("\(chip.name) [\(chip.label)] \(chip.lineCount) lines:")
        for info in try chip.allLineInfo() { print("\t\(info)") }
    } catch {
        print("gpio-probe: \(error)")
        failed = true
    }
}
exit(failed ? 1 : 0)
