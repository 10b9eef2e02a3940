// SnsMessage: an AWS SNS HTTP/S delivery (Notification, SubscriptionConfirmation,
// UnsubscribeConfirmation) and its signature, checked as AWS documents it ("Verifying the signatures
// of Amazon SNS messages"): the fields of the JSON body, each as "Name\nvalue\n" in a fixed order, signed
// with RSA (PKCS #1 v1.5) over SHA1 (SignatureVersion 1) or SHA256 (2) by the key of the X.509
// certificate at SigningCertURL, which must be an https://sns.<region>.amazonaws.com[.cn]/….pem URL.
// Pure: fetching and caching that certificate is SnsClient's.
#pragma once

#include <QByteArray>
#include <QJsonObject>
#include <QString>
#include <QUrl>

#include <memory>
#include <optional>

struct evp_pkey_st;

// A certificate's public key, parsed once and shared by every verification that uses it.
class SnsSigningKey {
public:
    static constexpr qsizetype MaxPemBytes = 16 * 1024;
    // From a PEM certificate; null with *error naming what is wrong.
    static std::shared_ptr<const SnsSigningKey> fromPem(const QByteArray &pem, QString *error);
    ~SnsSigningKey();
    SnsSigningKey(const SnsSigningKey &) = delete;
    SnsSigningKey &operator=(const SnsSigningKey &) = delete;

    // RSA PKCS #1 v1.5 over SHA1 (sha256 false) or SHA256 (true).
    bool verify(const QByteArray &message, const QByteArray &signature, bool sha256) const;

private:
    explicit SnsSigningKey(evp_pkey_st *key) : m_key(key) {}
    evp_pkey_st *m_key;
};

struct SnsMessage {
    static constexpr qsizetype MaxFieldBytes = 256 * 1024; // SNS's own limit on a message
    static constexpr qsizetype MaxUrlBytes = 2048;

    QString type; // Notification, SubscriptionConfirmation, UnsubscribeConfirmation
    QString topicArn;
    QByteArray stringToSign;
    QByteArray signature; // decoded from base64
    bool sha256 = false; // SignatureVersion 2
    QUrl certificateUrl;

    // The envelope of an SNS delivery; std::nullopt with *error (a 401's reason, naming the field).
    static std::optional<SnsMessage> parse(const QJsonObject &body, QString *error);
    // https://sns.<region>.amazonaws.com[.cn]/ with no port or user: the only host a certificate or a
    // SubscribeURL is taken from.
    static bool isSnsUrl(const QUrl &url);
    // isSnsUrl and a path ending in .pem.
    static bool isCertificateUrl(const QUrl &url);

    bool verify(const SnsSigningKey &key) const { return key.verify(stringToSign, signature, sha256); }
};
