import BootsControlAPI
import Glibc
import SettingsStore
import Synchronization

/// The last sessions, kept in the state directory across restarts and crashes.
///
/// - `history.json`: the finished sessions, newest last, at most `limit`; every change rewrites
///   it atomically (`StateFile`), so a crash leaves the old list or the new one.
/// - `session-in-progress.json`: a marker written when a session starts (and as it progresses),
///   removed once the session is in the history. Found at start-up, it means pressod died
///   mid-session: `open()` records that session as `interrupted`.
public final class SessionHistory: Sendable {
    public let limit: Int
    let historyFile: StateFile<Document>
    let markerFile: StateFile<SessionInProgress>
    private let sessions = Mutex<[SessionRecord]>([])

    struct Document: Codable, Sendable {
        var version = 1
        var sessions: [SessionRecord]
    }

    public init(directory: String, limit: Int = 100) {
        self.limit = limit
        historyFile = StateFile(path: directory + "/history.json")
        markerFile = StateFile(path: directory + "/session-in-progress.json")
    }

    /// The finished sessions, oldest first.
    public var records: [SessionRecord] { sessions.withLock { $0 } }

    /// Loads the history and records a session a crash interrupted. Returns what a person
    /// reading the journal should know (a file set aside, an interrupted session).
    public func open() -> [String] {
        var notes: [String] = []
        var loaded: [SessionRecord] = []
        switch historyFile.load() {
        case .missing: break
        case .loaded(let document): loaded = document.sessions
        case .setAside(let movedTo, let reason):
            notes.append("session history \(historyFile.path) is corrupt (\(reason)); moved to \(movedTo), starting a new one")
        }
        sessions.withLock { $0 = Array(loaded.suffix(limit)) }
        switch markerFile.load() {
        case .missing: break
        case .setAside(let movedTo, let reason):
            notes.append("session marker is corrupt (\(reason)); moved to \(movedTo)")
        case .loaded(let session):
            // Already in the history: the crash came between saving it and removing the marker.
            if !loaded.contains(where: { $0.started == session.started }) {
                do {
                    try append(SessionRecord(session, ending: "interrupted"))
                    notes.append("the session started at unix time \(session.started) was interrupted (pressod did not stop cleanly)")
                } catch {
                    notes.append("could not record the interrupted session: \(error)")
                    return notes
                }
            }
            clearMarker()
        }
        return notes
    }

    /// Saves the session in progress in the marker.
    public func mark(_ session: SessionInProgress) throws(StateFileError) {
        try markerFile.save(session)
    }

    /// Adds a finished session to the history, then removes the marker.
    public func finish(_ record: SessionRecord) throws(StateFileError) {
        try append(record)
        clearMarker()
    }

    private func append(_ record: SessionRecord) throws(StateFileError) {
        try sessions.withLock { (list: inout [SessionRecord]) throws(StateFileError) in
            let updated = Array((list + [record]).suffix(limit))
            try historyFile.save(Document(sessions: updated))
            list = updated
        }
    }

    private func clearMarker() {
        unlink(markerFile.path)
    }
}
