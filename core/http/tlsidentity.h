// TlsIdentity: the webhook listener's certificate chain and private key (PEM files), re-read when
// a renewal replaces them, for HttpListener's TLS connections.
//
// Renewal tools (certbot, cert-manager, acme.sh) write new files and rename them over the old
// ones; configuration() stats both paths (inode, size, mtime, ctime) on every new connection, a
// few microseconds next to a TLS handshake, and re-reads them when either changed. A new pair that
// does not read, parse or match keeps the old one serving and logs one warning per change seen.
// Connections already open keep the certificate they started with.
#pragma once

#include <QSslCertificate>
#include <QSslConfiguration>
#include <QString>

#include <mutex>
#include <optional>

class TlsIdentity {
public:
    TlsIdentity(QString certificateFile, QString keyFile);

    // Reads both files: false with *error naming the file that is missing, unreadable, not PEM, or
    // a key that does not match the certificate. Never puts key material into the message.
    bool load(QString *error);
    // The configuration for a new server-side connection (re-read first when the files changed).
    QSslConfiguration configuration();
    QSslCertificate certificate() const; // the leaf being served
    const QString &certificateFile() const { return m_certificateFile; }
    const QString &keyFile() const { return m_keyFile; }

    // The checks of load() without keeping anything: empty when the pair is usable. OpenSSL only, so it
    // may run before the QCoreApplication exists (the command line is parsed first).
    static QString check(const QString &certificateFile, const QString &keyFile);
    // A warning when the key file can be read by its group or by others (empty otherwise).
    static QString keyPermissionWarning(const QString &keyFile);

private:
    struct Stamp {
        quint64 device = 0, inode = 0;
        qint64 size = -1, mtimeNs = 0, ctimeNs = 0;
        bool operator==(const Stamp &) const = default;
    };
    static Stamp stampOf(const QString &path);
    static std::optional<QSslConfiguration> read(const QString &certificateFile, const QString &keyFile, QString *error);

    const QString m_certificateFile;
    const QString m_keyFile;
    mutable std::mutex m_mutex;
    QSslConfiguration m_configuration;
    Stamp m_certificateStamp, m_keyStamp; // of the pair last looked at (served, or refused)
};
