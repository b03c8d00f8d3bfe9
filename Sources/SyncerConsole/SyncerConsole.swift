import SyncerCore
