// NKey: base32 + CRC16 text encoding of NATS keys; the Ed25519 work is OpenSSL's.
#include "nats/nkey.h"

#include <QRegularExpression>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <memory>

namespace {

constexpr unsigned char SeedPrefix = 18 << 3; // 'S'
constexpr qsizetype RawKeySize = 32;

quint16 crc16(QByteArrayView data) // CRC-16/XMODEM, as the nkeys format uses
{
    quint16 crc = 0;
    for (const char c : data) {
        crc ^= static_cast<quint16>(static_cast<unsigned char>(c) << 8);
        for (int bit = 0; bit < 8; ++bit)
            crc = (crc & 0x8000) ? static_cast<quint16>((crc << 1) ^ 0x1021) : static_cast<quint16>(crc << 1);
    }
    return crc;
}

const char Alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

QByteArray base32Encode(QByteArrayView data)
{
    QByteArray out;
    quint32 buffer = 0;
    int bits = 0;
    for (const char c : data) {
        buffer = (buffer << 8) | static_cast<unsigned char>(c);
        bits += 8;
        while (bits >= 5) {
            out += Alphabet[(buffer >> (bits - 5)) & 31];
            bits -= 5;
        }
    }
    if (bits > 0)
        out += Alphabet[(buffer << (5 - bits)) & 31];
    return out;
}

std::optional<QByteArray> base32Decode(QByteArrayView text)
{
    QByteArray out;
    quint32 buffer = 0;
    int bits = 0;
    for (const char c : text) {
        const char *at = std::char_traits<char>::find(Alphabet, 32, c);
        if (!at)
            return std::nullopt;
        buffer = (buffer << 5) | static_cast<quint32>(at - Alphabet);
        bits += 5;
        if (bits >= 8) {
            out += static_cast<char>((buffer >> (bits - 8)) & 0xff);
            bits -= 8;
        }
    }
    return out;
}

QByteArray withChecksum(QByteArray raw)
{
    const quint16 crc = crc16(raw);
    raw += static_cast<char>(crc & 0xff);
    raw += static_cast<char>(crc >> 8);
    return base32Encode(raw);
}

using PKey = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;

PKey privateKey(const QByteArray &rawSeed)
{
    return PKey(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr,
                    reinterpret_cast<const unsigned char *>(rawSeed.constData()), static_cast<size_t>(rawSeed.size())),
        &EVP_PKEY_free);
}

} // namespace

std::optional<NKey> NKey::fromSeed(QByteArrayView text, QString *error)
{
    static const QRegularExpression word(QStringLiteral("\\bS[OAU][A-Z2-7]{50,}\\b"));
    const QRegularExpressionMatch match = word.match(QString::fromLatin1(text));
    const auto fail = [error](const QString &message) {
        if (error)
            *error = message;
        return std::nullopt;
    };
    if (!match.hasMatch())
        return fail(QStringLiteral("no NKey seed in it (a word starting with SU, SA or SO)"));
    const std::optional<QByteArray> raw = base32Decode(match.captured().toLatin1());
    if (!raw || raw->size() != 2 + RawKeySize + 2)
        return fail(QStringLiteral("the NKey seed has the wrong length"));
    const quint16 crc = static_cast<quint16>(static_cast<unsigned char>(raw->at(raw->size() - 2))
        | (static_cast<unsigned char>(raw->at(raw->size() - 1)) << 8));
    if (crc16(raw->first(raw->size() - 2)) != crc)
        return fail(QStringLiteral("the NKey seed's checksum is wrong (a character was changed?)"));
    const auto b0 = static_cast<unsigned char>(raw->at(0));
    const auto b1 = static_cast<unsigned char>(raw->at(1));
    if ((b0 & 0xf8) != SeedPrefix)
        return fail(QStringLiteral("not an NKey seed"));
    const auto type = static_cast<unsigned char>(((b0 & 7) << 5) | ((b1 & 0xf8) >> 3));
    if (type != static_cast<unsigned char>(Type::User) && type != static_cast<unsigned char>(Type::Account)
        && type != static_cast<unsigned char>(Type::Operator))
        return fail(QStringLiteral("an NKey seed of an unknown type"));
    return NKey(static_cast<Type>(type), raw->mid(2, RawKeySize));
}

NKey NKey::generate(Type type)
{
    QByteArray raw(RawKeySize, Qt::Uninitialized);
    RAND_bytes(reinterpret_cast<unsigned char *>(raw.data()), static_cast<int>(raw.size()));
    return NKey(type, raw);
}

QByteArray NKey::seed() const
{
    const auto type = static_cast<unsigned char>(m_type);
    QByteArray raw;
    raw += static_cast<char>(SeedPrefix | (type >> 5));
    raw += static_cast<char>((type & 31) << 3);
    raw += m_rawSeed;
    return withChecksum(raw);
}

QByteArray NKey::publicKey() const
{
    const PKey key = privateKey(m_rawSeed);
    QByteArray raw(RawKeySize, Qt::Uninitialized);
    size_t length = RawKeySize;
    if (!key || EVP_PKEY_get_raw_public_key(key.get(), reinterpret_cast<unsigned char *>(raw.data()), &length) != 1)
        return {};
    raw.prepend(static_cast<char>(m_type));
    return withChecksum(raw);
}

QByteArray NKey::sign(QByteArrayView data) const
{
    const PKey key = privateKey(m_rawSeed);
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> context(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
    QByteArray signature(64, Qt::Uninitialized);
    size_t length = static_cast<size_t>(signature.size());
    if (!key || !context || EVP_DigestSignInit(context.get(), nullptr, nullptr, nullptr, key.get()) != 1
        || EVP_DigestSign(context.get(), reinterpret_cast<unsigned char *>(signature.data()), &length,
               reinterpret_cast<const unsigned char *>(data.data()), static_cast<size_t>(data.size()))
            != 1)
        return {};
    signature.truncate(static_cast<qsizetype>(length));
    return signature;
}
