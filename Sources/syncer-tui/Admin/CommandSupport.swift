import ArgumentParser
import Foundation
import SyncerCore

/// Options every command shares.
struct GlobalOptions: ParsableArguments {
    @Option(name: .customLong("db"), help: ArgumentHelp(
        "SQLite file path (or postgres:// URL) of the syncer database.", valueName: "path-or-url"))
    var database: String?

    func open() throws -> Syncer {
        try report { try Syncer.open(database: database) }
    }
}

/// Output switches of the admin commands.
struct OutputOptions: ParsableArguments {
    @Flag(help: "Print JSON instead of text.")
    var json = false
}

/// Who the admin commands act as: the OS user at the server, recorded in the log.
let cliPrincipal = Principal.localOperator(source: "cli")

/// Runs `body`, turning a `SyncerError` into one stderr line and exit status 1.
func report<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as SyncerError {
        printError(error.description)
        throw ExitCode(1)
    }
}

/// Error lines echo names from data (a host, a group, a login): escaped, so one stays one line.
func printError(_ message: String) {
    FileHandle.standardError.write(Data("syncer-tui: error: \(TerminalText.escaped(message))\n".utf8))
}

/// JSON for a terminal: valid JSON whose strings hold no raw C1 or bidi controls (C0 are
/// escaped by JSON itself).
func printJSON(_ value: JSONValue) {
    print(value.terminalText)
}

/// Every plain-text line of the admin commands goes out here: data shows its control
/// characters escaped (`\x1b`, `\u{202e}`), so it can neither add lines nor drive the terminal.
func printText(_ line: String) {
    print(TerminalText.escaped(line))
}

/// `--password-stdin`: passwords never travel in argv, where `ps` and shell history see them.
struct PasswordInput: ParsableArguments {
    @Flag(name: .customLong("password-stdin"), help: "Read the password from standard input (required).")
    var passwordStdin = false

    /// Refuses to go on without the flag, before anything is opened or written.
    func require() throws {
        guard passwordStdin else {
            printError("pass the password on standard input with --password-stdin (never on the command line)")
            throw ExitCode(1)
        }
    }
}

/// Reads a password without it ever being in argv: from stdin when piped (one line),
/// or prompted twice without echo on a terminal.
func readPassword() throws -> String {
    if isatty(0) == 1 {
        let first = try promptHidden("New password: ")
        let second = try promptHidden("Repeat password: ")
        guard first == second else {
            printError("the two passwords differ")
            throw ExitCode(1)
        }
        return first
    }
    var data = FileHandle.standardInput.readDataToEndOfFile()
    if data.last == 0x0A { data.removeLast() }
    if data.last == 0x0D { data.removeLast() }
    guard let text = String(data: data, encoding: .utf8), !text.contains("\n") else {
        printError("--password-stdin expects one line of UTF-8 text on standard input")
        throw ExitCode(1)
    }
    return text
}

private func promptHidden(_ prompt: String) throws -> String {
    FileHandle.standardError.write(Data(prompt.utf8))
    var saved = termios()
    tcgetattr(0, &saved)
    var quiet = saved
    quiet.c_lflag &= ~tcflag_t(ECHO)
    tcsetattr(0, TCSANOW, &quiet)
    defer {
        tcsetattr(0, TCSANOW, &saved)
        FileHandle.standardError.write(Data("\n".utf8))
    }
    return readLine(strippingNewline: true) ?? ""
}

/// Renders rows as aligned columns (by character count; good enough for admin output).
/// Cells are escaped first, so a newline in data cannot break a row and widths count
/// what is shown.
func table(_ header: [String], _ rows: [[String]]) -> String {
    let all = ([header] + rows).map { $0.map(TerminalText.escaped) }
    var widths = Array(repeating: 0, count: header.count)
    for row in all { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) } }
    return all.map { row in
        row.enumerated().map { i, cell in
            i == row.count - 1 ? cell : cell.padding(toLength: widths[i], withPad: " ", startingAt: 0)
        }.joined(separator: "  ")
    }.joined(separator: "\n")
}

/// Parses role names with the core's message for unknown ones.
func parseRoles(_ names: [String]) throws -> [APIRole] {
    try report { try names.map(APIRole.parse) }
}
