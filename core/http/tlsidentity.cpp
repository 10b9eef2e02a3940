// TlsIdentity: reading, checking and re-reading the webhook listener's certificate and key.
#include "http/tlsidentity.h"

#include <QFile>
#include <QFileInfo>
#include <QLoggingCategory>
#include <QSslKey>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <memory>
#include <sys/stat.h>

Q_LOGGING_CATEGORY(lcTls, "ackhook.tls")

namespace {

constexpr qint64 MaxPemBytes = 1024 * 1024; // a chain of a few certificates is a few KiB

// The file's bytes, or nullopt with *error ("cannot read FILE: why"); role: "certificate", "key".
std::optional<QByteArray> readPem(const QString &path, const char *role, QString *error)
{
    const QFileInfo info(path);
    if (!info.exists()) {
        *error = QStringLiteral("TLS %1 file %2 does not exist").arg(QLatin1String(role), path);
        return std::nullopt;
    }
    if (!info.isFile()) { // a FIFO or a device would block or never end
        *error = QStringLiteral("TLS %1 file %2 is not a regular file").arg(QLatin1String(role), path);
        return std::nullopt;
    }
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        *error = QStringLiteral("cannot read TLS %1 file %2: %3").arg(QLatin1String(role), path, file.errorString());
        return std::nullopt;
    }
    QByteArray bytes = file.read(MaxPemBytes + 1);
    if (bytes.size() > MaxPemBytes) {
        *error = QStringLiteral("TLS %1 file %2 is larger than 1 MiB").arg(QLatin1String(role), path);
        return std::nullopt;
    }
    return bytes;
}

// Never asks for a passphrase (OpenSSL's default callback would prompt on the terminal).
int noPassphrase(char *, int, int, void *)
{
    return 0;
}

struct BioFree {
    void operator()(BIO *bio) const { BIO_free(bio); }
};
struct X509Free {
    void operator()(X509 *x) const { X509_free(x); }
};
struct PkeyFree {
    void operator()(EVP_PKEY *key) const { EVP_PKEY_free(key); }
};

std::unique_ptr<BIO, BioFree> memoryBio(const QByteArray &bytes)
{
    return std::unique_ptr<BIO, BioFree>(BIO_new_mem_buf(bytes.constData(), static_cast<int>(bytes.size())));
}

} // namespace

TlsIdentity::TlsIdentity(QString certificateFile, QString keyFile)
    : m_certificateFile(std::move(certificateFile))
    , m_keyFile(std::move(keyFile))
{
}

TlsIdentity::Stamp TlsIdentity::stampOf(const QString &path)
{
    Stamp stamp;
    struct stat st {};
    if (::stat(QFile::encodeName(path).constData(), &st) != 0)
        return stamp;
    stamp.device = st.st_dev;
    stamp.inode = st.st_ino;
    stamp.size = st.st_size;
    stamp.mtimeNs = qint64(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
    stamp.ctimeNs = qint64(st.st_ctim.tv_sec) * 1000000000 + st.st_ctim.tv_nsec;
    return stamp;
}

namespace {

// The pair as OpenSSL reads it: the files' bytes, the leaf certificate and the private key, checked
// to match. No Qt TLS type is touched: TlsIdentity::check runs while the command line is parsed,
// before the QCoreApplication that tells Qt where its TLS backend plugin is (the AppImage's qt.conf).
struct PemPair {
    QByteArray certificateBytes, keyBytes;
    std::unique_ptr<EVP_PKEY, PkeyFree> key;
};

std::optional<PemPair> readPair(const QString &certificateFile, const QString &keyFile, QString *error)
{
    PemPair pair;
    std::optional<QByteArray> bytes = readPem(certificateFile, "certificate", error);
    if (!bytes)
        return std::nullopt;
    pair.certificateBytes = std::move(*bytes);
    auto certificateBio = memoryBio(pair.certificateBytes);
    std::unique_ptr<X509, X509Free> leaf(PEM_read_bio_X509(certificateBio.get(), nullptr, noPassphrase, nullptr));
    ERR_clear_error();
    if (!leaf) {
        *error = QStringLiteral("TLS certificate file %1 holds no PEM certificate").arg(certificateFile);
        return std::nullopt;
    }
    bytes = readPem(keyFile, "key", error);
    if (!bytes)
        return std::nullopt;
    pair.keyBytes = std::move(*bytes);
    auto keyBio = memoryBio(pair.keyBytes);
    pair.key.reset(PEM_read_bio_PrivateKey(keyBio.get(), nullptr, noPassphrase, nullptr));
    ERR_clear_error();
    if (!pair.key) {
        *error = QStringLiteral("TLS key file %1 holds no PEM private key (or an encrypted one: ackhook reads "
                                "unencrypted keys only)")
                     .arg(keyFile);
        return std::nullopt;
    }
    const bool matches = X509_check_private_key(leaf.get(), pair.key.get()) == 1;
    ERR_clear_error();
    if (!matches) {
        *error = QStringLiteral("TLS key file %1 does not match the certificate in %2").arg(keyFile, certificateFile);
        return std::nullopt;
    }
    return pair;
}

} // namespace

std::optional<QSslConfiguration> TlsIdentity::read(
    const QString &certificateFile, const QString &keyFile, QString *error)
{
    std::optional<PemPair> pair = readPair(certificateFile, keyFile, error);
    if (!pair)
        return std::nullopt;
    const QList<QSslCertificate> chain = QSslCertificate::fromData(pair->certificateBytes, QSsl::Pem);
    if (chain.isEmpty() || chain.constFirst().isNull()) {
        *error = QStringLiteral("TLS certificate file %1: Qt reads no certificate from it (is Qt's TLS backend "
                                "installed?)")
                     .arg(certificateFile);
        return std::nullopt;
    }
    const QByteArray &keyBytes = pair->keyBytes;
    std::unique_ptr<EVP_PKEY, PkeyFree> pkey = std::move(pair->key);

    QSslKey key;
    for (QSsl::KeyAlgorithm algorithm : { QSsl::Rsa, QSsl::Ec, QSsl::Dsa }) {
        key = QSslKey(keyBytes, algorithm, QSsl::Pem, QSsl::PrivateKey);
        if (!key.isNull())
            break;
    }
    if (key.isNull()) // Ed25519 and other kinds QSslKey does not parse: handed over as OpenSSL's own key
        key = QSslKey(reinterpret_cast<Qt::HANDLE>(pkey.release()), QSsl::PrivateKey);
    if (key.isNull()) {
        *error = QStringLiteral("TLS key file %1: a key type Qt cannot use").arg(keyFile);
        return std::nullopt;
    }

    QSslConfiguration configuration = QSslConfiguration::defaultConfiguration();
    configuration.setLocalCertificateChain(chain);
    configuration.setPrivateKey(key);
    configuration.setPeerVerifyMode(QSslSocket::VerifyNone); // no client certificates asked for
    configuration.setProtocol(QSsl::TlsV1_2OrLater);
    return configuration;
}

QString TlsIdentity::check(const QString &certificateFile, const QString &keyFile)
{
    QString error;
    return readPair(certificateFile, keyFile, &error) ? QString() : error;
}

QString TlsIdentity::keyPermissionWarning(const QString &keyFile)
{
    struct stat st {};
    if (::stat(QFile::encodeName(keyFile).constData(), &st) != 0 || (st.st_mode & 077) == 0)
        return {};
    return QStringLiteral("the TLS key file %1 can be read by %2 (mode %3): chmod 600 it")
        .arg(keyFile, (st.st_mode & 007) ? QStringLiteral("every user") : QStringLiteral("its group"))
        .arg(st.st_mode & 0777, 4, 8, QLatin1Char('0'));
}

bool TlsIdentity::load(QString *error)
{
    const std::lock_guard lock(m_mutex);
    const Stamp certificateStamp = stampOf(m_certificateFile);
    const Stamp keyStamp = stampOf(m_keyFile);
    std::optional<QSslConfiguration> configuration = read(m_certificateFile, m_keyFile, error);
    if (!configuration)
        return false;
    m_configuration = std::move(*configuration);
    m_certificateStamp = certificateStamp;
    m_keyStamp = keyStamp;
    return true;
}

QSslConfiguration TlsIdentity::configuration()
{
    const std::lock_guard lock(m_mutex);
    const Stamp certificateStamp = stampOf(m_certificateFile);
    const Stamp keyStamp = stampOf(m_keyFile);
    if (certificateStamp == m_certificateStamp && keyStamp == m_keyStamp)
        return m_configuration;
    // Looked at once per change: a pair that fails is not re-read on every connection, and a
    // renewal that writes the certificate, then the key, is retried when the key arrives.
    m_certificateStamp = certificateStamp;
    m_keyStamp = keyStamp;
    QString error;
    std::optional<QSslConfiguration> renewed = read(m_certificateFile, m_keyFile, &error);
    if (!renewed) {
        qCWarning(lcTls).noquote() << "renewed TLS certificate not used, the previous one is still served:" << error;
        return m_configuration;
    }
    m_configuration = std::move(*renewed);
    const QSslCertificate leaf = m_configuration.localCertificate();
    qCInfo(lcTls).noquote() << QStringLiteral("TLS certificate reloaded from %1 (serial %2, valid until %3)")
                                   .arg(m_certificateFile, QString::fromLatin1(leaf.serialNumber()),
                                       leaf.expiryDate().toString(Qt::ISODate));
    return m_configuration;
}

QSslCertificate TlsIdentity::certificate() const
{
    const std::lock_guard lock(m_mutex);
    return m_configuration.localCertificate();
}
