import Foundation
import SyncerCore

/// Hosts and accounts: `list_hosts`, `get_host`, `upsert_host`, `delete_host`,
/// `update_host_inventory`, `list_accounts`, `get_account`.
enum HostTools {
    static var all: [Tool] {
        [listHosts, getHost, upsertHost, deleteHost, updateHostInventory, listAccounts, getAccount]
    }

    static let hostname = ToolParameter("hostname", .string, "Exact hostname, as stored (case-sensitive).")

    /// The shape every host takes in results (`list_hosts` entries, `get_host`).
    static let hostSchema = Schema.object([
        ("hostname", Schema.string),
        ("labels", Schema.anyObject),
        ("inventory", Schema.anyObject),
        ("last_seen", Schema.nullableTime),
        ("last_update", Schema.nullableTime),
    ])

    static let hostWriteSchema = Schema.object([
        ("status", Schema.string), ("hostname", Schema.string), ("key", Schema.string),
    ], required: ["status", "hostname"])

    static let listHosts = Tool(
        name: "list_hosts",
        title: "List hosts",
        description: """
            Page through the syncer's hosts (objects excluded) in the order they were created. \
            Returns {results, start, limit, size}: results holds {hostname, labels, inventory, last_seen, \
            last_update} per host and size is the total number of hosts. Page by offset with start, or pass \
            the nextCursor of the previous page as cursor (cheaper for deep pages; start is then ignored). \
            nextCursor is absent on the last page.
            """,
        parameters: [
            ToolParameter("start", .integer, "Offset of the first host to return (0 or more).", default: 0,
                          extra: ["minimum": 0]),
            ToolParameter("limit", .integer, "How many hosts to return, 1 to 1000.", default: 100,
                          extra: ["minimum": 1, "maximum": 1000]),
            ToolParameter("cursor", .string, "Opaque cursor from a previous page's nextCursor.", default: .null),
        ],
        outputSchema: Schema.object([
            ("results", Schema.array(hostSchema)),
            ("start", Schema.integer),
            ("limit", Schema.integer),
            ("size", Schema.integer),
            ("nextCursor", Schema.string),
        ], required: ["results", "start", "limit", "size"]),
        annotations: .reader,
        isWrite: false,
        handler: { call in
            try call.syncer.listHosts(start: call.arguments.int("start"), limit: call.arguments.int("limit"),
                                      cursor: call.arguments.optionalString("cursor"), as: call.principal)
        })

    static let getHost = Tool(
        name: "get_host",
        title: "Get host",
        description: """
            Fetch one host by exact hostname: its labels, its inventory (keys of the form section__field) \
            and when an import last saw it (last_seen) and last changed it (last_update). Fails when the \
            host does not exist.
            """,
        parameters: [hostname],
        outputSchema: hostSchema,
        annotations: .reader,
        isWrite: false,
        handler: { call in try call.syncer.host(named: call.arguments.string("hostname"), as: call.principal).summary })

    static let upsertHost = Tool(
        name: "upsert_host",
        title: "Create or update host",
        description: """
            Create a host, or replace the labels of an existing one, and bind it to an import account. \
            Returns {status, hostname} with status "saved", or "account_conflict" when the host already \
            belongs to a different account: it is then left unchanged (re-bind it in the admin console). \
            The account must exist; label values must be strings, numbers or booleans.
            """,
        parameters: [
            hostname,
            ToolParameter("account", .string, "Name of the account the host is imported from."),
            ToolParameter("labels", .object, "The host's complete label set; it replaces the current labels.",
                          extra: ["additionalProperties": ["type": ["string", "number", "boolean", "null"]]]),
        ],
        outputSchema: hostWriteSchema,
        annotations: ToolAnnotations(readOnly: false, destructive: true, idempotent: true),
        isWrite: true,
        handler: { call in
            try call.syncer.upsertHost(hostname: call.arguments.string("hostname"), account: call.arguments.string("account"),
                                       labels: call.arguments.object("labels"), as: call.principal)
        })

    static let deleteHost = Tool(
        name: "delete_host",
        title: "Delete host",
        description: """
            Delete one host by exact hostname. Returns {status, hostname} with status "deleted", or \
            "not_found" when there was no such host (nothing changes then).
            """,
        parameters: [hostname],
        outputSchema: hostWriteSchema,
        annotations: ToolAnnotations(readOnly: false, destructive: true, idempotent: true),
        isWrite: true,
        handler: { call in try call.syncer.deleteHost(hostname: call.arguments.string("hostname"), as: call.principal) })

    static let updateHostInventory = Tool(
        name: "update_host_inventory",
        title: "Replace host inventory section",
        description: """
            Replace one inventory section of an existing host: every inventory entry key__* is removed and \
            each field of inventory is stored as key__field. Never creates a host: an unknown hostname \
            returns {status: "not_found"}; otherwise {status: "saved", hostname, key}.
            """,
        parameters: [
            hostname,
            ToolParameter("key", .string, "Section name, e.g. \"os\" or \"hw\" (must not contain \"__\")."),
            ToolParameter("inventory", .object, "Fields of the section: field name to value.",
                          extra: ["additionalProperties": true]),
        ],
        outputSchema: hostWriteSchema,
        annotations: ToolAnnotations(readOnly: false, destructive: true, idempotent: true),
        isWrite: true,
        handler: { call in
            try call.syncer.updateHostInventory(hostname: call.arguments.string("hostname"), key: call.arguments.string("key"),
                                                inventory: call.arguments.object("inventory"), as: call.principal)
        })

    static let listAccounts = Tool(
        name: "list_accounts",
        title: "List accounts",
        description: """
            List every import/export account (Checkmk, Netbox, CSV, …) as {name, type, enabled, \
            is_master, is_child}. No secrets are included; use get_account for one account's settings.
            """,
        parameters: [],
        outputSchema: Schema.object([
            ("accounts", Schema.array(Schema.object([
                ("name", Schema.string), ("type", Schema.string), ("enabled", Schema.boolean),
                ("is_master", Schema.boolean), ("is_child", Schema.boolean),
            ]))),
        ]),
        annotations: .reader,
        isWrite: false,
        handler: { call in JSONValue.object(["accounts": .array(try call.syncer.listAccounts(as: call.principal).map(\.listEntry))]) })

    static let getAccount = Tool(
        name: "get_account",
        title: "Get account",
        description: """
            Fetch one account by name with its settings resolved: custom fields appear as top-level keys \
            and a child account inherits what it lacks from its parent. The password is shown in clear \
            only to users holding the 'all' API role; for everyone else it is null and password_redacted \
            is true.
            """,
        parameters: [ToolParameter("name", .string, "Exact account name.")],
        outputSchema: Schema.object([
            ("name", Schema.string), ("id", Schema.nullableString), ("type", Schema.string),
            ("password", Schema.nullableString), ("password_redacted", Schema.boolean),
        ], required: ["name", "type", "password"]),
        annotations: .reader,
        isWrite: false,
        handler: { call in try call.syncer.resolvedAccount(named: call.arguments.string("name"), as: call.principal, revealPassword: true) })
}
