// NatsAccess: credentials taken out of URLs, checked before start, applied to cnats' options.
#include "nats/natsaccess.h"
#include "config/secretfile.h"
#include "nats/natsstatus.h"
#include "nats/nkey.h"

#include <QFile>
#include <QFileInfo>
#include <QHostAddress>
#include <QRegularExpression>
#include <QUrl>

#include <nats/nats.h>

namespace {

QUrl parseUrl(const QString &text)
{
    return QUrl(text.contains(QLatin1String("://")) ? text : QStringLiteral("nats://") + text);
}

// A secret file (SecretFile's rules); nullopt with "WHAT PATH: REASON". A warning (a file others
// can read) goes to *warnings when given.
std::optional<QByteArray> readSecretFile(
    const QString &what, const QString &path, QString *error, QStringList *warnings = nullptr)
{
    const SecretFile file = SecretFile::read(path);
    if (!file.ok()) {
        *error = QStringLiteral("%1 %2: %3").arg(what, path, file.reason());
        return std::nullopt;
    }
    if (warnings && !file.warning().isEmpty())
        warnings->append(what + QLatin1Char(' ') + file.warning());
    return file.secret();
}

// The first 64 KiB of a regular file that holds no secret (a CA bundle can be larger: only its
// presence is checked here, cnats reads it); nullopt with a message naming the option and the file.
std::optional<QByteArray> readSmallFile(const QString &what, const QString &path, QString *error)
{
    const QFileInfo info(path);
    if (!info.exists()) {
        *error = QStringLiteral("%1 %2: no such file").arg(what, path);
        return std::nullopt;
    }
    if (!info.isFile()) {
        *error = QStringLiteral("%1 %2: not a regular file").arg(what, path);
        return std::nullopt;
    }
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        *error = QStringLiteral("%1 %2: cannot read: %3").arg(what, path, file.errorString());
        return std::nullopt;
    }
    return file.read(64 * 1024);
}

} // namespace

std::optional<QStringList> NatsAccess::takeFromUrls(const QStringList &urls, QString *error)
{
    QStringList plain;
    std::optional<QPair<QString, QString>> found; // user (or token) and password, from the first URL with them
    for (const QString &text : urls) {
        QUrl url = parseUrl(text);
        if (url.scheme() == QLatin1String("tls"))
            tls = true;
        if (url.userInfo().isEmpty()) {
            plain.append(text);
            continue;
        }
        const QPair<QString, QString> info { url.userName(QUrl::FullyDecoded), url.password(QUrl::FullyDecoded) };
        if (found && *found != info) {
            *error = QStringLiteral("the NATS URLs carry different credentials (%1); give one user or token for all")
                         .arg(redact(urls).join(QLatin1Char(',')));
            return std::nullopt;
        }
        found = info;
        url.setUserInfo({});
        plain.append(url.toString());
    }
    if (!found)
        return plain;
    if (!user.isEmpty() || !password.isEmpty() || !token.isEmpty()) {
        *error = QStringLiteral("NATS credentials are given both in the URL and as options; give them once");
        return std::nullopt;
    }
    if (found->second.isEmpty()) { // nats://TOKEN@host
        token = found->first.toUtf8();
    } else {
        user = found->first;
        password = found->second.toUtf8();
    }
    return plain;
}

void NatsAccess::resolveTlsHostname(const QStringList &urls)
{
    if (!usesTls() || !tlsHostname.isEmpty())
        return;
    QStringList hosts;
    for (const QString &text : urls) {
        const QString host = parseUrl(text).host();
        if (!hosts.contains(host))
            hosts.append(host);
    }
    if (hosts.size() == 1 && !hosts.constFirst().isEmpty() && QHostAddress(hosts.constFirst()).isNull())
        tlsHostname = hosts.constFirst();
}

bool NatsAccess::check(QString *error, QStringList *warnings) const
{
    const int methods = (!user.isEmpty() || !password.isEmpty()) + !token.isEmpty() + !credentialsFile.isEmpty()
        + !nkeySeedFile.isEmpty();
    if (methods > 1) {
        *error = QStringLiteral("NATS: give one way to authenticate (user and password, token, creds file or NKey "
                                "seed file), not several");
        return false;
    }
    if (!user.isEmpty() && password.isEmpty()) {
        *error = QStringLiteral("NATS user '%1' needs a password (--nats-password-file, NATS_PASSWORD or "
                                "[nats] password_file)")
                     .arg(user);
        return false;
    }
    if (user.isEmpty() && !password.isEmpty()) {
        *error = QStringLiteral("a NATS password is given without a user (--nats-user, NATS_USER or [nats] user)");
        return false;
    }
    if (!credentialsFile.isEmpty()) {
        const std::optional<QByteArray> text
            = readSecretFile(QStringLiteral("NATS creds file"), credentialsFile, error, warnings);
        if (!text)
            return false;
        if (!text->contains("BEGIN NATS USER JWT")) {
            *error = QStringLiteral("NATS creds file %1: no user JWT in it (expected the file nsc writes: "
                                    "-----BEGIN NATS USER JWT----- … and a user NKey seed)")
                         .arg(credentialsFile);
            return false;
        }
        QString why;
        if (!NKey::fromSeed(*text, &why)) {
            *error = QStringLiteral("NATS creds file %1: %2").arg(credentialsFile, why);
            return false;
        }
    }
    if (!nkeySeedFile.isEmpty()) {
        const std::optional<QByteArray> text
            = readSecretFile(QStringLiteral("NATS NKey seed file"), nkeySeedFile, error, warnings);
        if (!text)
            return false;
        QString why;
        const std::optional<NKey> key = NKey::fromSeed(*text, &why);
        if (!key || key->type() != NKey::Type::User) {
            *error = QStringLiteral("NATS NKey seed file %1: %2")
                         .arg(nkeySeedFile, key ? QStringLiteral("not a user seed (SU…)") : why);
            return false;
        }
    }
    if (tlsCertFile.isEmpty() != tlsKeyFile.isEmpty()) {
        *error = QStringLiteral("NATS TLS: a client certificate needs its key and a key its certificate "
                                "(--nats-tls-cert and --nats-tls-key)");
        return false;
    }
    for (const auto &[what, path] : { std::pair { QStringLiteral("NATS TLS CA file"), tlsCaFile },
             std::pair { QStringLiteral("NATS TLS certificate file"), tlsCertFile } }) {
        if (!path.isEmpty() && !readSmallFile(what, path, error))
            return false;
    }
    if (!tlsKeyFile.isEmpty() && !readSecretFile(QStringLiteral("NATS TLS key file"), tlsKeyFile, error, warnings))
        return false;
    return true;
}

bool NatsAccess::applyTo(natsOptions *options, QString *error) const
{
    const auto failed = [error](natsStatus status, const QString &what) {
        *error = what + QStringLiteral(": ") + natsErrorText(status, nats_GetLastError(nullptr));
        return false;
    };
    natsStatus s = NATS_OK;
    if (!user.isEmpty()) {
        s = natsOptions_SetUserInfo(options, user.toUtf8().constData(), password.constData());
        if (s != NATS_OK)
            return failed(s, QStringLiteral("NATS user and password"));
    }
    if (!token.isEmpty()) {
        s = natsOptions_SetToken(options, token.constData());
        if (s != NATS_OK)
            return failed(s, QStringLiteral("NATS token"));
    }
    if (!credentialsFile.isEmpty()) {
        // cnats reads the file at each connection: a creds file renewed on disk is picked up.
        s = natsOptions_SetUserCredentialsFromFiles(options, QFile::encodeName(credentialsFile).constData(), nullptr);
        if (s != NATS_OK)
            return failed(s, QStringLiteral("NATS creds file %1").arg(credentialsFile));
    }
    if (!nkeySeedFile.isEmpty()) {
        QString why;
        std::optional<QByteArray> text = readSecretFile(QStringLiteral("NATS NKey seed file"), nkeySeedFile, &why);
        const std::optional<NKey> key = text ? NKey::fromSeed(*text, &why) : std::nullopt;
        if (text)
            text->fill('\0'); // the seed does not linger in this copy
        if (!key) {
            *error = QStringLiteral("NATS NKey seed file %1: %2").arg(nkeySeedFile, why);
            return false;
        }
        s = natsOptions_SetNKeyFromSeed(
            options, key->publicKey().constData(), QFile::encodeName(nkeySeedFile).constData());
        if (s != NATS_OK)
            return failed(s, QStringLiteral("NATS NKey seed file %1").arg(nkeySeedFile));
    }
    if (!usesTls())
        return true;
    s = natsOptions_SetSecure(options, true);
    if (s != NATS_OK)
        return failed(s, QStringLiteral("NATS TLS"));
    if (!tlsCaFile.isEmpty()) {
        s = natsOptions_LoadCATrustedCertificates(options, QFile::encodeName(tlsCaFile).constData());
        if (s != NATS_OK)
            return failed(s, QStringLiteral("NATS TLS CA file %1").arg(tlsCaFile));
    }
    if (!tlsCertFile.isEmpty()) {
        s = natsOptions_LoadCertificatesChain(
            options, QFile::encodeName(tlsCertFile).constData(), QFile::encodeName(tlsKeyFile).constData());
        if (s != NATS_OK)
            return failed(s, QStringLiteral("NATS TLS client certificate %1 / key %2").arg(tlsCertFile, tlsKeyFile));
    }
    if (!tlsHostname.isEmpty()) {
        s = natsOptions_SetExpectedHostname(options, tlsHostname.toUtf8().constData());
        if (s != NATS_OK)
            return failed(s, QStringLiteral("NATS TLS host name %1").arg(tlsHostname));
    }
    return true;
}

QString NatsAccess::describe() const
{
    QStringList parts;
    if (!user.isEmpty())
        parts.append(QStringLiteral("user %1 (password)").arg(user));
    if (!token.isEmpty())
        parts.append(QStringLiteral("token"));
    if (!credentialsFile.isEmpty())
        parts.append(QStringLiteral("creds %1").arg(credentialsFile));
    if (!nkeySeedFile.isEmpty())
        parts.append(QStringLiteral("nkey %1").arg(nkeySeedFile));
    if (usesTls()) {
        QString tlsText = QStringLiteral("TLS");
        QStringList details;
        if (!tlsHostname.isEmpty())
            details.append(QStringLiteral("host name %1").arg(tlsHostname));
        if (!tlsCaFile.isEmpty())
            details.append(QStringLiteral("CA %1").arg(tlsCaFile));
        if (!tlsCertFile.isEmpty())
            details.append(QStringLiteral("client certificate %1").arg(tlsCertFile));
        if (!details.isEmpty())
            tlsText += QStringLiteral(" (") + details.join(QStringLiteral(", ")) + QLatin1Char(')');
        parts.append(tlsText);
    }
    return parts.isEmpty() ? QStringLiteral("no authentication, no TLS") : parts.join(QStringLiteral(", "));
}

QString NatsAccess::redact(const QString &text)
{
    // scheme://userinfo@ — userinfo holds no '/', '@' or white space.
    static const QRegularExpression userInfo(QStringLiteral("([A-Za-z][A-Za-z0-9+.-]*://)([^/@\\s]+)@"));
    QString result;
    qsizetype last = 0;
    QRegularExpressionMatchIterator it = userInfo.globalMatch(text);
    while (it.hasNext()) {
        const QRegularExpressionMatch match = it.next();
        const QString info = match.captured(2);
        const qsizetype colon = info.indexOf(QLatin1Char(':'));
        result += QStringView(text).mid(last, match.capturedStart() - last);
        result += match.captured(1) + (colon >= 0 ? info.left(colon) + QStringLiteral(":***") : QStringLiteral("***"))
            + QLatin1Char('@');
        last = match.capturedEnd();
    }
    result += QStringView(text).mid(last);
    return result;
}

QStringList NatsAccess::redact(const QStringList &texts)
{
    QStringList result;
    for (const QString &text : texts)
        result.append(redact(text));
    return result;
}
