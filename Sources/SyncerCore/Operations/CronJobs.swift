import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One job of a cron group: `{"name", "command", "account", "args": [..], "timeout": s}`.
public struct CronJob: Equatable, Sendable {
    public var name: String
    public var command: String
    public var account: String
    public var args: [String]
    public var timeout: TimeInterval
    /// CMDBsyncer lets a job be switched off inside its group.
    public var enabled: Bool

    public static let defaultTimeout: TimeInterval = 300

    /// The commands this syncer runs itself; any other ident (CMDBsyncer plugin commands)
    /// imports fine and fails at run time.
    public enum BuiltIn: String, CaseIterable, Sendable {
        case runAutorules = "run_autorules", cleanupStaleHosts = "cleanup_stale_hosts", exportBundle = "export_bundle", exec
    }

    init(_ value: JSONValue) {
        let o = value.objectValue ?? [:]
        command = o["command"]?.stringValue ?? ""
        name = o["name"]?.stringValue ?? command
        account = o["account"]?.stringValue ?? ""
        args = o["args"]?.arrayValue?.compactMap { $0.stringValue ?? $0.intValue.map(String.init) } ?? []
        let seconds: Double?
        switch o["timeout"] {
        case .int(let i): seconds = Double(i)
        case .double(let d): seconds = d
        case .string(let s): seconds = Double(s)
        default: seconds = nil
        }
        timeout = seconds.map { $0 > 0 ? $0 : Self.defaultTimeout } ?? Self.defaultTimeout
        enabled = o["enabled"]?.boolValue ?? true
    }
}

/// Asks a cron pass to stop: between jobs, and by ending a running `exec` child.
public final class CronStopFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var requested = false
    public init() {}
    public func request() { lock.lock(); requested = true; lock.unlock() }
    public var isRequested: Bool { lock.lock(); defer { lock.unlock() }; return requested }
}

/// What one job did, for the group's log entry and `cron run --json`.
public struct CronJobOutcome: JSONRepresentable, Equatable, Sendable {
    public enum Status: String, Sendable { case ok, failed, skipped }
    public var name: String
    public var command: String
    public var status: Status
    public var message: String

    public var json: JSONValue {
        .object(["name": .string(name), "command": .string(command), "status": .string(status.rawValue), "message": .string(message)])
    }
}

/// Runs an argument vector without a shell, with a deadline, keeping the tail of its
/// combined output. A timed-out or stopped job gets SIGTERM, then SIGKILL, sent to its own
/// process group so the children of a script go with it.
///
/// `posix_spawn` rather than Foundation's `Process`: the child must start with default
/// signal handling and an empty signal mask whatever its parent ignores (the cron daemon
/// ignores SIGTERM to handle it through Dispatch; `Process` passes that on, and a job
/// that ignores SIGTERM cannot be ended politely).
struct ExternalCommand {
    static let outputLimit = 16 * 1024
    static let killGrace: TimeInterval = 5

    struct Result {
        /// The exit status, or 128 + the signal that ended it.
        var status: Int32
        var output: String
        var timedOut: Bool
        var stopped: Bool
    }

    /// Runs `argv[0]`, an absolute path already resolved by `RunnerFolders.program`
    /// (never looked up in PATH: data must not choose a program), as `argv0`.
    static func run(_ argv: [String], environment: [String: String], timeout: TimeInterval, stop: CronStopFlag?,
                    argv0: String? = nil) throws -> Result {
        guard let executable = argv.first, executable.hasPrefix("/") else {
            throw SyncerError.invalidArgument("exec needs the absolute path of a program")
        }
        let argv = [argv0 ?? executable] + argv.dropFirst()
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else {
            throw SyncerError.invalidArgument("exec: cannot create a pipe: \(String(cString: strerror(errno)))")
        }
        // Only this child gets the write end (dup2 in the child clears the flag).
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        let pid: pid_t
        do {
            defer { close(fds[1]) }
            pid = try spawn(executable, argv, environment, output: fds[1])
        } catch {
            close(fds[0])
            throw error
        }

        // Drain the pipe on its own thread so a chatty child never blocks on a full pipe.
        let tail = OutputTail(limit: outputLimit)
        let drained = DispatchSemaphore(value: 0)
        let readEnd = fds[0]
        Thread.detachNewThread {
            let buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: 65_536)
            defer { buffer.deallocate(); close(readEnd); drained.signal() }
            while true {
                let n = read(readEnd, buffer, 65_536)
                if n > 0 { tail.append(Data(bytes: buffer, count: n)) } else if n < 0, errno == EINTR { continue } else { break }
            }
        }

        let exited = waitForExit(pid, until: Date().addingTimeInterval(timeout), stop: stop)
        let stopped = exited == nil && stop?.isRequested == true
        let timedOut = exited == nil && !stopped
        var status = exited
        if status == nil {
            kill(-pid, SIGTERM)
            status = waitForExit(pid, until: Date().addingTimeInterval(killGrace), stop: nil)
        }
        if status == nil {
            kill(-pid, SIGKILL)
            status = reap(pid, blocking: true) ?? 137
        }
        // A grandchild may still hold the pipe open; do not wait for it forever.
        _ = drained.wait(timeout: .now() + 2)
        return Result(status: status ?? 137, output: tail.text, timedOut: timedOut, stopped: stopped)
    }

    /// Polls for the child's exit until `deadline` or a stop request; its status, or nil.
    private static func waitForExit(_ pid: pid_t, until deadline: Date, stop: CronStopFlag?) -> Int32? {
        while true {
            if let status = reap(pid, blocking: false) { return status }
            if stop?.isRequested == true || Date() >= deadline { return nil }
            usleep(20_000)
        }
    }

    private static func spawn(_ executable: String, _ argv: [String], _ environment: [String: String], output: Int32) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, output, 1)
        posix_spawn_file_actions_adddup2(&actions, output, 2)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var all = sigset_t(), none = sigset_t()
        sigfillset(&all)
        sigemptyset(&none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETPGROUP))

        let args = argv.map { strdup($0) } + [nil]
        let env = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (args + env).forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, executable, &actions, &attributes, args, env)
        guard rc == 0 else {
            throw SyncerError.invalidArgument("exec: cannot start '\(executable)': \(String(cString: strerror(rc)))")
        }
        return pid
    }

    /// The exit status once the child has ended (128 + signal when killed); nil while running.
    private static func reap(_ pid: pid_t, blocking: Bool) -> Int32? {
        var raw: Int32 = 0
        while true {
            let r = waitpid(pid, &raw, blocking ? 0 : WNOHANG)
            if r == pid { break }
            if r < 0, errno == EINTR { continue }
            if r < 0 { return 255 }  // not our child any more: nothing to wait for
            return nil
        }
        let signal = raw & 0x7f
        return signal == 0 ? (raw >> 8) & 0xff : 128 + signal
    }
}

/// The last bytes of a stream, thread-safe.
private final class OutputTail: @unchecked Sendable {
    private let lock = NSLock()
    private var bytes = Data()
    private var dropped = false
    let limit: Int

    init(limit: Int) { self.limit = limit }

    func append(_ data: Data) {
        lock.lock(); defer { lock.unlock() }
        bytes.append(data)
        if bytes.count > limit * 2 {
            bytes = Data(bytes.suffix(limit))
            dropped = true
        }
    }

    var text: String {
        lock.lock(); defer { lock.unlock() }
        let kept = bytes.count > limit ? Data(bytes.suffix(limit)) : bytes
        let body = String(decoding: kept, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return (dropped || bytes.count > limit ? "…" : "") + body
    }
}

/// What a cron job may touch on the runner's machine, decided by the runner's own flags
/// and never by data (DESIGN.md, "Cron groups and jobs"): `exec` runs only programs inside
/// `--jobs-dir`, `export_bundle` writes only plain file names inside `--export-dir`.
enum RunnerFolders {
    /// The real path of the program `name` inside `folder`, symlinks resolved; refused
    /// when it resolves outside the folder or is not an executable regular file.
    static func program(_ name: String?, in folder: String?) throws -> String {
        guard let folder, !folder.isEmpty else {
            throw SyncerError.permissionDenied(
                "exec jobs are off on this runner: start `cron run` with --jobs-dir DIR (or \(CronPassOptions.jobsDirectoryVariable)) "
                    + "and put the programs it may run there")
        }
        guard let name, isPlainName(name) else {
            throw SyncerError.invalidArgument(
                "exec: args[0] must be the name of a program in the jobs folder \(folder) (no '/', not '.' or '..'), got '\(name ?? "")'")
        }
        let root = try realPath(folder, what: "jobs folder (--jobs-dir)")
        guard let resolved = realpathOrNil("\(root)/\(name)") else {
            throw SyncerError.invalidArgument("exec: no program '\(name)' in the jobs folder \(root)")
        }
        guard resolved.hasPrefix(root + "/") else {
            throw SyncerError.permissionDenied("exec: '\(name)' resolves to \(resolved), outside the jobs folder \(root)")
        }
        var info = stat()
        guard stat(resolved, &info) == 0, info.st_mode & S_IFMT == S_IFREG, access(resolved, X_OK) == 0 else {
            throw SyncerError.invalidArgument("exec: \(resolved) is not an executable file")
        }
        return resolved
    }

    /// The path `export_bundle` writes for file name `name` inside `folder`: a plain
    /// name, never the database, its key, journal or lock files.
    static func exportTarget(_ name: String?, in folder: String?, database: String?) throws -> String {
        guard let folder, !folder.isEmpty else {
            throw SyncerError.permissionDenied(
                "export_bundle jobs are off on this runner: start `cron run` with --export-dir DIR (or \(CronPassOptions.exportDirectoryVariable))")
        }
        guard let name, isPlainName(name), !name.hasPrefix(".") else {
            throw SyncerError.invalidArgument(
                "export_bundle: the argument must be a plain file name inside the export folder (no '/', not starting with '.'), got '\(name ?? "")'")
        }
        let root = try realPath(folder, what: "export folder (--export-dir)")
        let target = "\(root)/\(name)"
        if let database {
            let base = realpathOrNil(database) ?? database
            let protected = [base] + ["-wal", "-shm", "-journal", ".key", ".cron-lock"].map { base + $0 }
            if protected.contains(target) || protected.contains(realpathOrNil(target) ?? target) {
                throw SyncerError.permissionDenied("export_bundle: \(target) is the database or one of its files")
            }
        }
        return target
    }

    private static func isPlainName(_ name: String) -> Bool {
        !name.isEmpty && name != "." && name != ".." && !name.contains("/") && !name.contains("\0")
            && name.utf8.count <= 255
    }

    private static func realPath(_ path: String, what: String) throws -> String {
        guard let resolved = realpathOrNil(path) else {
            throw SyncerError.invalidArgument("the \(what) \(path) does not exist")
        }
        var info = stat()
        guard stat(resolved, &info) == 0, info.st_mode & S_IFMT == S_IFDIR else {
            throw SyncerError.invalidArgument("the \(what) \(path) is not a folder")
        }
        return resolved
    }

    private static func realpathOrNil(_ path: String) -> String? {
        guard let raw = realpath(path, nil) else { return nil }
        defer { free(raw) }
        return String(cString: raw)
    }
}
