import Sequencer

/// The control point's opcodes (the contract's opcode table).
public enum ControlPointOpcode: UInt8, Sendable, CaseIterable {
    case start = 0x01
    case pause = 0x02
    case resume = 0x03
    case stop = 0x04
    case emergencyStop = 0x05
    case clearFault = 0x06
    case selectProgram = 0x07

    /// Bytes of parameters after the opcode.
    public var parameterLength: Int { self == .selectProgram ? ProgramValue.length : 0 }
}

/// A command parsed and validated from a control point write.
public enum ControlPointCommand: Sendable, Equatable {
    case start, pause, resume, stop, emergencyStop, clearFault
    case selectProgram(Program)

    public var opcode: ControlPointOpcode {
        switch self {
        case .start: .start
        case .pause: .pause
        case .resume: .resume
        case .stop: .stop
        case .emergencyStop: .emergencyStop
        case .clearFault: .clearFault
        case .selectProgram: .selectProgram
        }
    }
}

/// The result byte of a control point indication.
public enum ControlPointResult: UInt8, Sendable, CaseIterable {
    case success = 0x01
    case opCodeNotSupported = 0x02
    /// Wrong parameter length (reason 0x0D) or value (reason: the contract code of the rule).
    case invalidParameter = 0x03
    /// Not possible now (reason 0x86 fault latched, 0x87 invalid state).
    case operationFailed = 0x04
}

/// The indication answering a control point write: `[0x80, opcode, result]`, plus a reason byte
/// for Invalid Parameter and Operation Failed.
public struct ControlPointResponse: Sendable, Equatable, CustomStringConvertible {
    public static let responseCode: UInt8 = 0x80
    /// The reason for a parameter of the wrong length: the ATT code InvalidValueLength.
    public static let wrongLengthReason: UInt8 = 0x0D

    /// The request's opcode byte, as written (also when it is not supported).
    public var opcode: UInt8
    public var result: ControlPointResult
    public var reason: UInt8?

    public init(opcode: UInt8, result: ControlPointResult, reason: UInt8? = nil) {
        self.opcode = opcode
        self.result = result
        self.reason = reason
    }

    public static func success(_ opcode: ControlPointOpcode) -> ControlPointResponse {
        ControlPointResponse(opcode: opcode.rawValue, result: .success)
    }

    /// A parameter value broke `rule`.
    public static func invalidParameter(_ opcode: ControlPointOpcode, _ rule: ApplicationError) -> ControlPointResponse {
        ControlPointResponse(opcode: opcode.rawValue, result: .invalidParameter, reason: rule.rawValue)
    }

    /// The sequencer refused the command in its current state.
    public static func operationFailed(_ opcode: ControlPointOpcode, _ why: ApplicationError) -> ControlPointResponse {
        ControlPointResponse(opcode: opcode.rawValue, result: .operationFailed, reason: why.rawValue)
    }

    public var bytes: [UInt8] { [ControlPointResponse.responseCode, opcode, result.rawValue] + (reason.map { [$0] } ?? []) }

    public var description: String {
        "opcode 0x\(String(opcode, radix: 16)) \(result)" + (reason.map { " reason 0x\(String($0, radix: 16))" } ?? "")
    }
}

/// Control Point (4012bb66): parsing writes, applying commands, answering with indications.
public enum ControlPoint {
    /// Writes longer than this are refused with InvalidValueLength (they could not fit one PDU).
    public static let maximumLength = 20

    /// What a control point write asks for, checked without touching the sequencer.
    public enum Request: Sendable, Equatable {
        /// A valid command: apply it (`apply(_:to:)`), then indicate the response.
        case command(ControlPointCommand)
        /// Refused before reaching the sequencer (unknown opcode, bad parameters): indicate this;
        /// nothing changes.
        case refused(ControlPointResponse)
    }

    /// Parses a write. An empty write (or one over 20 bytes) is refused at the ATT level with
    /// InvalidValueLength; every other write is accepted and answered by indication. Select
    /// Program's parameters are validated against `context` like any settings change.
    public static func parse(_ bytes: [UInt8], in context: ProfileContext) -> Result<Request, GATTResponseError> {
        guard let first = bytes.first, bytes.count <= maximumLength else { return .failure(.invalidValueLength) }
        guard let opcode = ControlPointOpcode(rawValue: first) else {
            return .success(.refused(ControlPointResponse(opcode: first, result: .opCodeNotSupported)))
        }
        let parameters = Array(bytes.dropFirst())
        let wrongLength = ControlPointResponse(
            opcode: first, result: .invalidParameter, reason: ControlPointResponse.wrongLengthReason)
        guard parameters.count == opcode.parameterLength else { return .success(.refused(wrongLength)) }
        let command: ControlPointCommand
        switch opcode {
        case .start: command = .start
        case .pause: command = .pause
        case .resume: command = .resume
        case .stop: command = .stop
        case .emergencyStop: command = .emergencyStop
        case .clearFault: command = .clearFault
        case .selectProgram:
            guard let value = try? ProgramValue(bytes: parameters) else { return .success(.refused(wrongLength)) }
            let checked = value.program().flatMap { program in
                WriteValidation.validate(.program(program), in: context).map { program }
            }
            switch checked {
            case .success(let program): command = .selectProgram(program)
            case .failure(let rule): return .success(.refused(.invalidParameter(opcode, rule)))
            }
        }
        return .success(.command(command))
    }

    /// Applies a parsed command to the sequencer and returns the response to indicate. A refusal
    /// changes nothing (the sequencer's guarantee).
    public static func apply(_ command: ControlPointCommand, to sequencer: some SequencerControl) -> ControlPointResponse {
        let opcode = command.opcode
        do throws(CommandError) {
            switch command {
            case .start: try sequencer.start()
            case .pause: try sequencer.pause()
            case .resume: try sequencer.resume()
            case .stop: try sequencer.stop()
            case .emergencyStop: sequencer.emergencyStop()
            case .clearFault: try sequencer.clearFault()
            case .selectProgram(let program):
                do throws(SettingsError) {
                    try sequencer.update(.program(program))
                } catch {
                    return .invalidParameter(opcode, ApplicationError(error))
                }
            }
        } catch {
            return .operationFailed(opcode, ApplicationError(error))
        }
        return .success(opcode)
    }

    /// Parses, validates and applies a write: the indication to send, or the ATT error to answer
    /// the write with (empty or too long).
    public static func handle(_ bytes: [UInt8], sequencer: some SequencerControl) -> Result<ControlPointResponse, GATTResponseError> {
        parse(bytes, in: sequencer.context).map { request in
            switch request {
            case .command(let command): apply(command, to: sequencer)
            case .refused(let response): response
            }
        }
    }
}
