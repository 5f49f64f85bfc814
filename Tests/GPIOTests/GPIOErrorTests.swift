import GPIO
import Testing

/// The wrapper's failure paths that can be proven without a GPIO chip. Requesting, driving and
/// edge events are proven against the kernel's gpio-sim in the VM tier.
@Suite struct GPIOErrorTests {
    @Test func openingAMissingChipByNameSaysWhichChipAndWhy() {
        #expect {
            _ = try GPIOChip(name: "gpiochip917")
        } throws: { error in
            let error = error as! GPIOError
            return error.errno == .noSuchFileOrDirectory
                && error.description == "chip 'gpiochip917': open chip: No such file or directory"
        }
    }

    @Test func openingAMissingChipByPathOrLabelFailsWithENOENT() {
        for open in [{ try GPIOChip(path: "/dev/gpiochip917") }, { try GPIOChip(label: "no-such-gpio-controller") }] {
            #expect(throws: GPIOError.self) { _ = try open() }
        }
        do {
            _ = try GPIOChip(label: "no-such-gpio-controller")
            Issue.record("opened a chip that does not exist")
        } catch {
            #expect(error.errno == .noSuchFileOrDirectory)
            #expect(error.subject == "chip 'label no-such-gpio-controller'")
        }
    }

    @Test func openingSomethingThatIsNotAGPIOChipIsRefused() {
        do {
            _ = try GPIOChip(path: "/dev/null")
            Issue.record("opened /dev/null as a GPIO chip")
        } catch {
            // libgpiod checks the device is a GPIO character device before any ioctl.
            #expect(error.errno != Errno(rawValue: 0))
            #expect(error.description.hasPrefix("chip '/dev/null': open chip: "))
        }
    }

    @Test func aBusyLineErrorNamesTheLineItsChipOffsetAndHolder() {
        let error = GPIOError(.busy, operation: "request as output", subject: "line 'GPIO17' (gpiochip0:17)",
                              detail: "held by \"gpioset\"")
        #expect(error.description == "line 'GPIO17' (gpiochip0:17): request as output: Device or resource busy (held by \"gpioset\")")
    }

    @Test func errnoDescribesItselfWithTheCLibraryText() {
        #expect(Errno.busy.description == "Device or resource busy")
        #expect(Errno.invalidArgument.description == "Invalid argument")
    }
}
