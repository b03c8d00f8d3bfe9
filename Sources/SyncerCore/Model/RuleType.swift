/// The rule-type idents CMDBsyncer 4.x imports and exports (its `rule_definitions.rules`
/// registry), and where each one lives in our store.
public enum RuleTypeCatalog {
    /// Every ident, sorted, as `list_rule_types` answers.
    public static let all: [String] = [
        "accounts", "ansible_customvars", "ansible_filter", "ansible_playbook_fire", "ansible_projects",
        "ansible_rewrite", "cmdb_templates", "cmk_bi_aggregation", "cmk_bi_rule", "cmk_dcd_rules",
        "cmk_downtimes", "cmk_export_rules", "cmk_filter", "cmk_folder_pool", "cmk_groups", "cmk_inventory",
        "cmk_notification_rules", "cmk_passwords", "cmk_rewrite", "cmk_rules", "cmk_site_pool",
        "cmk_site_settings", "cmk_sites", "cmk_tags", "cmk_user", "cmk_user_generation", "cron_groups",
        "custom_attributes", "host_objects", "idoit_rewrite", "idoit_rules", "jira_export", "jira_filter",
        "jira_rewrite", "netbox_cluster", "netbox_contacts", "netbox_dataflow_fields", "netbox_dataflow_models",
        "netbox_dcim_interfaces", "netbox_devices", "netbox_ips", "netbox_prefixes", "netbox_rewrites",
        "netbox_virtual_interfaces", "netbox_vms", "notification_channels", "notification_rules", "projects",
        "saved_searches", "syncer_rule_automation", "system_config", "users", "vmware_custom_attributes",
        "vmware_rewrite_attributes",
    ]

    private static let known = Set(all)

    public static func isKnown(_ ident: String) -> Bool { known.contains(ident) }

    public static let hosts = "host_objects"
    public static let templates = "cmdb_templates"
    public static let accounts = "accounts"
    public static let users = "users"
    public static let cronGroups = "cron_groups"
    public static let automation = "syncer_rule_automation"
    public static let checkmkPasswords = "cmk_passwords"

    /// The field that identifies a document of this type besides its `_id`: `override`
    /// replaces by it, and without `override` a second document with it is a duplicate.
    public static func uniqueField(of ruleType: String) -> String {
        switch ruleType {
        case hosts, templates: return "hostname"
        case users: return "email"
        default: return "name"
        }
    }

    /// Where the documents of a type are kept.
    public static func collection(of ruleType: String) -> DocumentCollection {
        switch ruleType {
        case hosts, templates: return .hosts
        case accounts: return .accounts
        case users: return .users
        default: return .rules
        }
    }
}

/// The tables behind the rule types: hosts, accounts and users have typed operations and
/// indexes of their own; every other type is a document in the shared rules table.
public enum DocumentCollection: Sendable {
    case hosts, accounts, users, rules
}
