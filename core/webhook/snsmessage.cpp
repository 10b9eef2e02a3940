// SNS message signatures (docs: "Verifying the signatures of Amazon SNS messages"). OpenSSL does the
// RSA; the string to sign is built here because no library in Debian 12 builds it for C++.
#include "webhook/snsmessage.h"
#include "webhook/signaturetext.h"

#include <QJsonValue>
#include <QRegularExpression>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

namespace {

// The fields signed, in the order AWS signs them; Subject only when the message has one.
constexpr const char *NotificationFields[] = { "Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type" };
constexpr const char *ConfirmationFields[]
    = { "Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type" };

QString stringField(const QJsonObject &body, const char *name, bool optional, QString *value)
{
    const QJsonValue field = body.value(QLatin1String(name));
    if (field.isUndefined() || (optional && field.isNull())) {
        if (optional)
            return {};
        return QStringLiteral("SNS message without %1").arg(QLatin1String(name));
    }
    if (!field.isString())
        return QStringLiteral("SNS message's %1 is not a string").arg(QLatin1String(name));
    *value = field.toString();
    if (value->toUtf8().size() > SnsMessage::MaxFieldBytes)
        return QStringLiteral("SNS message's %1 is over %2 bytes").arg(QLatin1String(name)).arg(SnsMessage::MaxFieldBytes);
    return {};
}

} // namespace

std::shared_ptr<const SnsSigningKey> SnsSigningKey::fromPem(const QByteArray &pem, QString *error)
{
    if (pem.size() > MaxPemBytes) {
        *error = QStringLiteral("the certificate is over %1 bytes").arg(MaxPemBytes);
        return {};
    }
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(pem.constData(), int(pem.size())), &BIO_free);
    std::unique_ptr<X509, decltype(&X509_free)> certificate(
        bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr) : nullptr, &X509_free);
    if (!certificate) {
        *error = QStringLiteral("the certificate is not a PEM X.509 certificate");
        return {};
    }
    EVP_PKEY *key = X509_get_pubkey(certificate.get()); // a reference of its own
    if (!key || EVP_PKEY_base_id(key) != EVP_PKEY_RSA) {
        EVP_PKEY_free(key);
        *error = QStringLiteral("the certificate's key is not an RSA key");
        return {};
    }
    return std::shared_ptr<const SnsSigningKey>(new SnsSigningKey(key));
}

SnsSigningKey::~SnsSigningKey()
{
    EVP_PKEY_free(m_key);
}

bool SnsSigningKey::verify(const QByteArray &message, const QByteArray &signature, bool sha256) const
{
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> context(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
    if (!context
        || EVP_DigestVerifyInit(context.get(), nullptr, sha256 ? EVP_sha256() : EVP_sha1(), nullptr, m_key) != 1)
        return false;
    return EVP_DigestVerify(context.get(), reinterpret_cast<const unsigned char *>(signature.constData()),
               size_t(signature.size()), reinterpret_cast<const unsigned char *>(message.constData()),
               size_t(message.size()))
        == 1;
}

bool SnsMessage::isSnsUrl(const QUrl &url)
{
    static const QRegularExpression host(QStringLiteral("^sns\\.[a-z0-9-]{1,32}\\.amazonaws\\.com(\\.cn)?$"));
    return url.isValid() && url.scheme() == QLatin1String("https") && host.match(url.host()).hasMatch()
        && url.port() == -1 && url.userInfo().isEmpty();
}

bool SnsMessage::isCertificateUrl(const QUrl &url)
{
    return isSnsUrl(url) && url.path().endsWith(QLatin1String(".pem")) && !url.hasQuery() && !url.hasFragment();
}

std::optional<SnsMessage> SnsMessage::parse(const QJsonObject &body, QString *error)
{
    SnsMessage message;
    if (QString problem = stringField(body, "Type", false, &message.type); !problem.isEmpty()) {
        *error = problem;
        return std::nullopt;
    }
    const bool notification = message.type == QLatin1String("Notification");
    if (!notification && message.type != QLatin1String("SubscriptionConfirmation")
        && message.type != QLatin1String("UnsubscribeConfirmation")) {
        *error = QStringLiteral("SNS message's Type is not Notification, SubscriptionConfirmation or UnsubscribeConfirmation");
        return std::nullopt;
    }
    QString version, signature, certificateUrl;
    for (const auto &[name, value] : { std::pair { "SignatureVersion", &version }, std::pair { "Signature", &signature },
             std::pair { "SigningCertURL", &certificateUrl } }) {
        if (QString problem = stringField(body, name, false, value); !problem.isEmpty()) {
            *error = problem;
            return std::nullopt;
        }
    }
    if (version != QLatin1String("1") && version != QLatin1String("2")) {
        *error = QStringLiteral("SNS message's SignatureVersion is not 1 or 2");
        return std::nullopt;
    }
    message.sha256 = version == QLatin1String("2");
    const auto decoded = QByteArray::fromBase64Encoding(signature.toLatin1(), QByteArray::AbortOnBase64DecodingErrors);
    if (!decoded || decoded.decoded.isEmpty() || decoded.decoded.size() > 1024) {
        *error = QStringLiteral("SNS message's Signature is not base64 of 1 to 1024 bytes");
        return std::nullopt;
    }
    message.signature = decoded.decoded;
    message.certificateUrl = QUrl(certificateUrl, QUrl::StrictMode);
    if (certificateUrl.size() > MaxUrlBytes || !isCertificateUrl(message.certificateUrl)) {
        *error = QStringLiteral("SNS message's SigningCertURL is not an https://sns.<region>.amazonaws.com/….pem URL");
        return std::nullopt;
    }
    const auto appendFields = [&](const auto &fields) {
        for (const char *name : fields) {
            const bool optional = notification && qstrcmp(name, "Subject") == 0;
            QString value;
            if (QString problem = stringField(body, name, optional, &value); !problem.isEmpty()) {
                *error = problem;
                return false;
            }
            if (optional && (body.value(QLatin1String(name)).isUndefined() || body.value(QLatin1String(name)).isNull()))
                continue;
            if (qstrcmp(name, "TopicArn") == 0) {
                // Named in 401 reasons and the log: printable ASCII only, as every SNS ARN is.
                if (!SignatureText::isPrintableAscii(value) || value.size() > MaxUrlBytes) {
                    *error = QStringLiteral("SNS message's TopicArn is not printable ASCII of at most %1 characters").arg(MaxUrlBytes);
                    return false;
                }
                message.topicArn = value;
            }
            message.stringToSign += name;
            message.stringToSign += '\n';
            message.stringToSign += value.toUtf8();
            message.stringToSign += '\n';
        }
        return true;
    };
    if (!(notification ? appendFields(NotificationFields) : appendFields(ConfirmationFields)))
        return std::nullopt;
    return message;
}
