import Foundation
import Logging

/// The SQLite file and its folder are made private before GRDB opens them: the database
/// holds password hashes and encrypted secrets, and SQLite gives the `-wal` and `-shm`
/// files the mode of the database file, so creating that one 0600 covers all three.
enum DatabaseFile {
    static let logger = Logger(label: "cmdbsyncer.store")

    /// Creates missing folders (0700) and a missing database file (0600), whatever the
    /// umask; an existing file is left as it is, with a warning when others can open it.
    static func prepare(at path: String) throws {
        let folder = (path as NSString).deletingLastPathComponent
        try createFolders(folder.isEmpty ? "." : folder)
        var info = stat()
        if stat(path, &info) == 0 {
            if info.st_mode & 0o077 != 0 { warnShared(path, mode: info.st_mode) }
            return
        }
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            // Another process created it between our stat and open: theirs, opened as it is.
            if errno == EEXIST { return }
            throw SyncerError.storage("cannot create \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        // A umask only takes bits away, but a strict one (0277) would leave a file we cannot
        // write; set the mode outright.
        guard fchmod(fd, 0o600) == 0 else {
            throw SyncerError.storage("cannot make \(path) private (chmod 600): \(String(cString: strerror(errno)))")
        }
    }

    /// mkdir -p with 0700, changing only the folders made here.
    static func createFolders(_ folder: String) throws {
        var missing: [String] = []
        var current = folder
        var info = stat()
        while current != "/", current != ".", !current.isEmpty, stat(current, &info) != 0, errno == ENOENT {
            missing.append(current)
            current = (current as NSString).deletingLastPathComponent
        }
        for dir in missing.reversed() {
            if mkdir(dir, 0o700) != 0 {
                if errno == EEXIST { continue }  // made by another process meanwhile: not ours to change
                throw SyncerError.storage("cannot create the folder \(dir): \(String(cString: strerror(errno)))")
            }
            guard chmod(dir, 0o700) == 0 else {
                throw SyncerError.storage("cannot make the folder \(dir) private (chmod 700): \(String(cString: strerror(errno)))")
            }
        }
    }

    private static func warnShared(_ path: String, mode: mode_t) {
        let files = [path, path + "-wal", path + "-shm"].filter { FileManager.default.fileExists(atPath: $0) }
        logger.warning("""
            the database \(path) can be opened by other users (mode \(String(mode & 0o777, radix: 8))); \
            run: chmod 600 \(files.map(shellQuoted).joined(separator: " "))
            """)
    }

    private static func shellQuoted(_ s: String) -> String {
        s.allSatisfy({ $0.isLetter || $0.isNumber || "/._-+".contains($0) }) ? s : "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
