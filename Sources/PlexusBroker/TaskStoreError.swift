import Foundation
import GRDB

/// A problem with the task database. Every one names the file; those met at start-up also say what
/// to do about it.
public struct TaskStoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong.
    public enum Kind: String, Sendable, Equatable {
        /// The file is not a sound SQLite database (overwritten pages, not a database at all):
        /// `plexus tasks recover` or another data directory.
        case damaged
        /// The database or its directory cannot be written (read-only, full, permissions).
        case unwritable
        /// The database cannot be opened or read for another reason.
        case unreadable
    }

    public let kind: Kind
    /// The database file.
    public let path: String
    /// SQLite's (or the file system's) words, e.g. `SQLite error 13: database or disk is full`.
    public let detail: String

    public init(_ kind: Kind, path: String, detail: String) {
        self.kind = kind
        self.path = path
        self.detail = detail
    }

    /// Classifies an error from SQLite or the file system: a corrupt file is `damaged` whatever was
    /// being done; read-only, full and permission errors are `unwritable`; others depend on `writing`.
    init(_ error: any Error, path: String, writing: Bool) {
        if let error = error as? TaskStoreError {
            self = error
            return
        }
        if let error = error as? DatabaseError {
            var detail = "SQLite error \(error.resultCode.rawValue)"
            if let message = error.message { detail += ": \(message)" }
            switch error.resultCode {
            case .SQLITE_CORRUPT, .SQLITE_NOTADB:
                self.init(.damaged, path: path, detail: detail)
            case .SQLITE_READONLY, .SQLITE_FULL, .SQLITE_PERM, .SQLITE_CANTOPEN:
                self.init(.unwritable, path: path, detail: detail)
            default:
                self.init(writing ? .unwritable : .unreadable, path: path, detail: detail)
            }
        } else {
            self.init(writing ? .unwritable : .unreadable, path: path, detail: "\(error)")
        }
    }

    /// One sentence: the file, what is wrong, SQLite's words.
    public var description: String {
        switch kind {
        case .damaged: "the task database \(path) is damaged (\(detail))"
        case .unwritable: "the task database \(path) cannot be written (\(detail))"
        case .unreadable: "the task database \(path) cannot be read (\(detail))"
        }
    }

    /// The way out, for a broker that refuses to start.
    public var remedy: String {
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        switch kind {
        case .damaged:
            return """
                start the broker with another data directory (--data DIR), or, with the broker stopped, run \
                `plexus tasks recover --data \(directory)`: it moves the damaged file aside \
                (\(URL(fileURLWithPath: path).lastPathComponent).damaged-<time>) and keeps what is still readable \
                in a fresh database
                """
        case .unwritable, .unreadable:
            return """
                make \(path) and its directory \(directory) readable and writable and check the free space, \
                or start the broker with another data directory (--data DIR)
                """
        }
    }

    /// The error and the way out, as the broker says it when it refuses to start.
    public var startupMessage: String { "\(description). To go on: \(remedy)" }
}
