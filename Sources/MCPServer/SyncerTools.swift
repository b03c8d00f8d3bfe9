import Foundation
import SyncerCore

/// Syncer state: `get_recent_logs`, `get_cron_status`, `trigger_cron_group`, `host_stats`.
enum SyncerTools {
    static var all: [Tool] { [getRecentLogs, getCronStatus, triggerCronGroup, hostStats] }

    static let cronGroupSchema = Schema.object([
        ("name", Schema.string), ("last_start", Schema.nullableTime), ("next_run", Schema.nullableTime),
        ("is_running", Schema.boolean), ("last_message", Schema.nullableString), ("has_error", Schema.boolean),
    ])

    static let getRecentLogs = Tool(
        name: "get_recent_logs",
        title: "Recent log entries",
        description: """
            Return the newest syncer log entries first, as {logs: [{entry_id, time, message, source, \
            details: [{name, message}], has_error, user}]}. Every write through MCP or the console leaves \
            an entry naming the user.
            """,
        parameters: [
            ToolParameter("limit", .integer, "How many entries to return, 1 to 1000.", default: 100,
                          extra: ["minimum": 1, "maximum": 1000]),
        ],
        outputSchema: Schema.object([
            ("logs", Schema.array(Schema.object([
                ("entry_id", Schema.string), ("time", Schema.time), ("message", Schema.string),
                ("source", Schema.string),
                ("details", Schema.array(Schema.object([("name", Schema.string), ("message", Schema.string)]))),
                ("has_error", Schema.boolean),
            ]))),
        ]),
        annotations: .reader,
        isWrite: false,
        handler: { call in
            JSONValue.object(["logs": .array(try call.syncer.recentLogs(limit: call.arguments.int("limit")).map(\.summary))])
        })

    static let getCronStatus = Tool(
        name: "get_cron_status",
        title: "Cron group status",
        description: """
            Return every cron group with its last run: {groups: [{name, last_start, next_run, is_running, \
            last_message, has_error, interval, enabled, run_once_next}]}. Times are UTC or null when the \
            group never ran.
            """,
        parameters: [],
        outputSchema: Schema.object([("groups", Schema.array(cronGroupSchema))]),
        annotations: .reader,
        isWrite: false,
        handler: { call in JSONValue.object(["groups": .array(try call.syncer.cronStatus().map(\.json))]) })

    static let triggerCronGroup = Tool(
        name: "trigger_cron_group",
        title: "Trigger cron group",
        description: """
            Mark a cron group to run on the next cron pass (it does not run it now). Returns {status, \
            group}: "triggered", or "disabled" when the group is disabled and was left alone. An unknown \
            group fails.
            """,
        parameters: [ToolParameter("group_name", .string, "Exact name of the cron group, as get_cron_status lists it.")],
        outputSchema: Schema.object([
            ("status", Schema.enumeration(["triggered", "disabled"])), ("group", Schema.string),
        ]),
        annotations: ToolAnnotations(readOnly: false, destructive: false, idempotent: true),
        isWrite: true,
        handler: { call in try call.syncer.triggerCronGroup(call.arguments.string("group_name"), as: call.principal) })

    static let hostStats = Tool(
        name: "host_stats",
        title: "Host statistics",
        description: """
            Count hosts and objects and the hosts no import has seen for 24 hours: {"24h_checkpoint", \
            num_hosts, num_objects, not_updated_last_24h}.
            """,
        parameters: [],
        outputSchema: Schema.object([
            ("24h_checkpoint", Schema.time), ("num_hosts", Schema.integer), ("num_objects", Schema.integer),
            ("not_updated_last_24h", Schema.integer),
        ]),
        annotations: .reader,
        isWrite: false,
        handler: { call in try call.syncer.hostStats(as: call.principal) })
}
