// NKey: a NATS Ed25519 key as text (base32 of a type prefix, the key and a CRC16): the public key
// of a seed, signatures, and new keys (the tests make their operators, accounts and users with it).
#pragma once

#include <QByteArray>
#include <QString>

#include <optional>

class NKey {
public:
    enum class Type : unsigned char { Operator = 14 << 3, Account = 0, User = 20 << 3 };

    // A seed as nsc and nk write it ("SU…" for a user); the first such word of the text counts, so a
    // seed file with comments or a creds file's seed block is read as well. nullopt with *error.
    static std::optional<NKey> fromSeed(QByteArrayView text, QString *error);
    static NKey generate(Type type);

    Type type() const { return m_type; }
    QByteArray seed() const; // the secret: never logged
    QByteArray publicKey() const; // "U…", "A…", "O…"
    QByteArray sign(QByteArrayView data) const; // the raw 64-byte Ed25519 signature

private:
    NKey(Type type, QByteArray rawSeed)
        : m_type(type)
        , m_rawSeed(std::move(rawSeed))
    {
    }
    Type m_type;
    QByteArray m_rawSeed; // 32 bytes
};
