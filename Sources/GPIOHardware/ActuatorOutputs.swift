import Sequencer

/// One output of the boots and the level it takes for a given `ActuatorState`.
///
/// Levels are logical ("energised"): active-low wiring is libgpiod's business (the line is
/// requested with the flag). A normally-open valve is open when *not* energised, so its level is
/// the inverse of "open".
public struct ActuatorOutput: Sendable, Equatable {
    public enum Role: Sendable, Hashable, CustomStringConvertible {
        case pump
        case inlet(chamber: Int)
        case exhaust(chamber: Int)
        case manifoldExhaust

        public var description: String {
            switch self {
            case .pump: "pump"
            case .inlet(let chamber): "inlet valve of chamber \(chamber)"
            case .exhaust(let chamber): "exhaust valve of chamber \(chamber)"
            case .manifoldExhaust: "manifold exhaust valve"
            }
        }
    }

    public var role: Role
    /// The config entry naming the line, e.g. "[valves] inlet3".
    public var entry: String
    public var spec: GPIOLineSpec
    /// For valves: open when not energised.
    public var normallyOpen: Bool

    /// The logical level of this output's line in `state`.
    public func level(in state: ActuatorState) -> Bool {
        switch role {
        case .pump: return state.pumpOn
        case .inlet(let chamber): return state.openInlets.contains(chamber: chamber) != normallyOpen
        case .exhaust(let chamber): return state.openExhausts.contains(chamber: chamber) != normallyOpen
        case .manifoldExhaust: return state.manifoldExhaustOpen != normallyOpen
        }
    }
}

extension GPIOHardwareConfiguration {
    /// Every output in the order they are requested at start-up: pump first (so it is off before
    /// any valve moves), then the exhausts (so chambers can vent), then the inlets.
    public var outputs: [ActuatorOutput] {
        var outputs = [ActuatorOutput(role: .pump, entry: "[pump] line", spec: pump, normallyOpen: false)]
        switch exhaust.lines {
        case .common(let line):
            outputs.append(ActuatorOutput(role: .manifoldExhaust, entry: "[exhaust] line", spec: line, normallyOpen: exhaust.normallyOpen))
        case .perChamber(let lines):
            for (index, line) in lines.enumerated() {
                outputs.append(ActuatorOutput(role: .exhaust(chamber: index + 1), entry: "[exhaust] chamber\(index + 1)",
                                              spec: line, normallyOpen: exhaust.normallyOpen))
            }
        }
        for (index, line) in inlets.enumerated() {
            outputs.append(ActuatorOutput(role: .inlet(chamber: index + 1), entry: "[valves] inlet\(index + 1)",
                                          spec: line, normallyOpen: inletsNormallyOpen))
        }
        return outputs
    }
}
