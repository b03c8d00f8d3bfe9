import Foundation
import SyncerCore

/// Starts the interactive console on `syncer`. Returns the process exit status.
/// (Placeholder until the console lands.)
func runConsole(syncer: Syncer, readOnly: Bool) -> Int32 {
    FileHandle.standardError.write(Data("syncer-tui: the interactive console is not built yet; see `syncer-tui --help` for the admin subcommands\n".utf8))
    return 1
}
