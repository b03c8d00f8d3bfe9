import Foundation
import Testing
@testable import SyncerCore

@Suite struct PasswordHashTests {
    /// Made by werkzeug 3.1 (`generate_password_hash(pw, method=m)`); see scripts/make-werkzeug-vectors.py.
    static let vectors: [(String, String)] = [
        ("secret", "pbkdf2:sha256:600000$wjvRPNOeG07myhZU$c305bcac068212a222b851070d0b1909d5c45995f54eda1d9fc2ddbeff66be17"),
        ("pässwörd ✓ 東京", "pbkdf2:sha256:1000$KRjYNXvuYdzr6ACu$cdc2a879a53de30405900608bd8bf7dbbfc6035fddff47d1241ca3d161b55965"),
        ("secret", "pbkdf2:sha512:2000$9UQa1FqVuKZ27PFX$44d40e4fd0f68dbd4628b9b4fe3a7b29e6d3c1e42784e1a07eb8f16c20a23ee4fed37298b2e71a0e0f6804706b98f5ea1c80644ee92c42c77a6efb4f49b167fa"),
        ("pässwörd ✓ 東京", "pbkdf2:sha1:1000$VtM3BB58ndIJ3z6D$53705b964af6b76151fa228116b4f258e6a5d608"),
        ("secret", "scrypt:16384:8:1$iyxTAZNET5jeY5ja$40516f2e55c4f4d0177ecbc10b1cfdb4c3cba9758c813b469f0be1875cb169eb7722a85ad7174b35dab3d50c24f3ef13eb58f7ecf5d4664c501a30092cb29361"),
        ("pässwörd ✓ 東京", "scrypt:32768:8:1$w2Pa4HNKnhwqWt9U$4ff9b2118e168d63a1e846e32ee78e892d9f234368bd2a188bd8d866287faf0e559290758a8b9b28369cb14ab0b09588bee81b9e3a563fbc807bad901ec0c583"),
    ]

    @Test(arguments: vectors)
    func verifiesWerkzeugHashes(_ password: String, _ hash: String) {
        #expect(PasswordHash.verify(password, against: hash))
        #expect(!PasswordHash.verify(password + "x", against: hash))
        #expect(!PasswordHash.verify("", against: hash))
    }

    @Test func verifiesTheFixtureUser() throws {
        let users = try #require(try fixture()["rules"]?["users"]?.arrayValue)
        let hash = try #require(users.first?["pwdhash"]?.stringValue)
        #expect(PasswordHash.verify("secret", against: hash))
        #expect(!PasswordHash.verify("Secret", against: hash))
    }

    @Test func makesHashesItVerifies() throws {
        let scrypt = try PasswordHash.make("correct horse")
        #expect(scrypt.hasPrefix("scrypt:32768:8:1$"))
        #expect(PasswordHash.verify("correct horse", against: scrypt))
        let pbkdf2 = try PasswordHash.make("correct horse", method: .pbkdf2(digest: "sha256", iterations: 1000))
        #expect(pbkdf2.hasPrefix("pbkdf2:sha256:1000$"))
        #expect(PasswordHash.verify("correct horse", against: pbkdf2))
        #expect(try PasswordHash.make("a") != PasswordHash.make("a"))  // random salt
    }

    @Test(arguments: [
        "", "plain", "scrypt:32768:8:1$salt", "scrypt:32768:8:1$salt$zz", "scrypt:1000:8:1$s$abcd",
        "scrypt:1073741824:8:1$s$abcd", "pbkdf2:md5:1000$s$abcd", "pbkdf2:sha256:0$s$abcd", "pbkdf2:sha256:99999999999$s$abcd",
        "argon2$s$abcd",
    ])
    func malformedHashesNeverMatch(_ hash: String) {
        #expect(!PasswordHash.verify("secret", against: hash))
        #expect(PasswordHash.parse(hash) == nil)
    }
}

@Suite struct FernetTests {
    static let key = "cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4="
    /// Made by Python's cryptography package: `Fernet(key).encrypt("account-pass ä".encode())`.
    static let pythonToken =
        "gAAAAABrBqtZ5wH5eQtN3B9gLVtMXm6Fd-dovQc0lXY2GOqbrBxZmfZVIdIyefNl-4ynbdlb5kaBoGKEGH3mkUY_eIF1ARo6Yw=="

    @Test func decryptsTokensOfPythonCryptography() throws {
        #expect(try Fernet(key: Self.key).decrypt(Self.pythonToken) == "account-pass ä")
    }

    @Test func roundTripsAndRefusesTheWrongKey() throws {
        let fernet = try Fernet(key: Self.key)
        let token = try fernet.encrypt("s3cr3t ✓")
        #expect(token.hasPrefix("gAAAAA"))
        #expect(try fernet.decrypt(token) == "s3cr3t ✓")
        let other = try Fernet(key: Fernet.generateKey())
        #expect(throws: SyncerError.self) { try other.decrypt(token) }
        var tampered = Array(token)
        tampered[40] = tampered[40] == "A" ? "B" : "A"
        #expect(throws: SyncerError.self) { try fernet.decrypt(String(tampered)) }
        #expect(throws: SyncerError.self) { try Fernet(key: "short") }
    }

    @Test func keyFileIsPrivateAndRefusedWhenOthersCanReadIt() throws {
        let db = try TestDatabase()
        let first = try SecretKeyFile.loadOrCreate(beside: db.path, environment: [:])
        var info = stat()
        #expect(stat(db.path + ".key", &info) == 0)
        #expect(info.st_mode & 0o777 == 0o600)
        let again = try SecretKeyFile.loadOrCreate(beside: db.path, environment: [:])
        #expect(try again.decrypt(first.encrypt("x")) == "x")
        chmod(db.path + ".key", 0o644)
        #expect(throws: SyncerError.self) { try SecretKeyFile.loadOrCreate(beside: db.path, environment: [:]) }
        // The environment variable wins over the file.
        let fromEnv = try SecretKeyFile.loadOrCreate(beside: db.path, environment: ["CMDBSYNCER_CRYPTOGRAPHY_KEY": Self.key])
        #expect(try fromEnv.decrypt(Self.pythonToken) == "account-pass ä")
    }
}
