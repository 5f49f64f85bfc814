import Foundation

/// SplitMix64: a small, fast, seedable generator, so a simulated session replays exactly.
public struct SeededRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A normally distributed value with mean 0 (Box–Muller).
    public mutating func gaussian(sigma: Double) -> Double {
        guard sigma > 0 else { return 0 }
        // 53 random bits each; u1 in (0, 1] so the logarithm is finite.
        let u1 = (Double(next() >> 11) + 1) * 0x1p-53
        let u2 = Double(next() >> 11) * 0x1p-53
        return sigma * (-2 * log(u1)).squareRoot() * cos(2 * .pi * u2)
    }
}
