// Test NATS identities: JWT claims as the NATS server reads them (version 2), signed with NKey.
#include "natstestaccounts.h"
#include "nats/nkey.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QUuid>

namespace TestSupport {

namespace {

    QByteArray base64Url(const QByteArray &data)
    {
        return data.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals);
    }

    // A JWT issued by issuer about subject, with the "nats" claims given.
    QByteArray jwt(const NKey &issuer, const QByteArray &subject, const QString &name, const QJsonObject &nats)
    {
        const QJsonObject claims { { QStringLiteral("jti"), QUuid::createUuid().toString(QUuid::Id128).toUpper() },
            { QStringLiteral("iat"), QDateTime::currentSecsSinceEpoch() },
            { QStringLiteral("iss"), QString::fromLatin1(issuer.publicKey()) }, { QStringLiteral("name"), name },
            { QStringLiteral("sub"), QString::fromLatin1(subject) }, { QStringLiteral("nats"), nats } };
        const QByteArray header = base64Url(R"({"typ":"JWT","alg":"ed25519-nkey"})");
        const QByteArray payload = base64Url(QJsonDocument(claims).toJson(QJsonDocument::Compact));
        const QByteArray signingInput = header + '.' + payload;
        return signingInput + '.' + base64Url(issuer.sign(signingInput));
    }

    QJsonObject accountClaims(bool jetStream)
    {
        QJsonObject limits { { QStringLiteral("subs"), -1 }, { QStringLiteral("data"), -1 },
            { QStringLiteral("payload"), -1 }, { QStringLiteral("imports"), -1 }, { QStringLiteral("exports"), -1 },
            { QStringLiteral("wildcards"), true }, { QStringLiteral("conn"), -1 }, { QStringLiteral("leaf"), -1 } };
        if (jetStream) {
            limits.insert(QStringLiteral("mem_storage"), -1);
            limits.insert(QStringLiteral("disk_storage"), -1);
            limits.insert(QStringLiteral("streams"), -1);
            limits.insert(QStringLiteral("consumer"), -1);
        }
        return { { QStringLiteral("limits"), limits },
            { QStringLiteral("default_permissions"),
                QJsonObject { { QStringLiteral("pub"), QJsonObject() }, { QStringLiteral("sub"), QJsonObject() } } },
            { QStringLiteral("type"), QStringLiteral("account") }, { QStringLiteral("version"), 2 } };
    }

    bool run(const QStringList &arguments, const QString &dir, QString *error)
    {
        QProcess openssl;
        openssl.setWorkingDirectory(dir);
        openssl.setProcessChannelMode(QProcess::MergedChannels);
        openssl.start(QStringLiteral("openssl"), arguments);
        if (!openssl.waitForFinished(30000) || openssl.exitStatus() != QProcess::NormalExit
            || openssl.exitCode() != 0) {
            *error = QStringLiteral("openssl %1: %2")
                         .arg(arguments.join(QLatin1Char(' ')),
                             QString::fromLocal8Bit(openssl.readAll()) + openssl.errorString());
            return false;
        }
        return true;
    }

} // namespace

TestOperator makeTestOperator()
{
    const NKey operatorKey = NKey::generate(NKey::Type::Operator);
    const NKey systemKey = NKey::generate(NKey::Type::Account);
    const NKey accountKey = NKey::generate(NKey::Type::Account);
    const NKey userKey = NKey::generate(NKey::Type::User);
    const QByteArray operatorJwt = jwt(operatorKey, operatorKey.publicKey(), QStringLiteral("test-operator"),
        { { QStringLiteral("type"), QStringLiteral("operator") }, { QStringLiteral("version"), 2 } });
    const QByteArray systemJwt = jwt(operatorKey, systemKey.publicKey(), QStringLiteral("SYS"), accountClaims(false));
    const QByteArray accountJwt
        = jwt(operatorKey, accountKey.publicKey(), QStringLiteral("ACKHOOK"), accountClaims(true));
    const QByteArray userJwt = jwt(accountKey, userKey.publicKey(), QStringLiteral("ackhook"),
        { { QStringLiteral("pub"), QJsonObject() }, { QStringLiteral("sub"), QJsonObject() },
            { QStringLiteral("subs"), -1 }, { QStringLiteral("data"), -1 }, { QStringLiteral("payload"), -1 },
            { QStringLiteral("type"), QStringLiteral("user") }, { QStringLiteral("version"), 2 } });

    TestOperator result;
    result.serverConfig = "operator: " + operatorJwt + "\nsystem_account: " + systemKey.publicKey()
        + "\nresolver: MEMORY\nresolver_preload: {\n  " + systemKey.publicKey() + ": " + systemJwt + "\n  "
        + accountKey.publicKey() + ": " + accountJwt + "\n}\n";
    result.userSeed = userKey.seed();
    result.userJwt = userJwt;
    result.userCreds = "-----BEGIN NATS USER JWT-----\n" + userJwt
        + "\n------END NATS USER JWT------\n\n"
          "************************* IMPORTANT *************************\n"
          "NKEY Seed printed below can be used to sign and prove identity.\n"
          "NKEYs are sensitive and should be treated as secrets.\n\n"
          "-----BEGIN USER NKEY SEED-----\n"
        + result.userSeed
        + "\n------END USER NKEY SEED------\n\n*************************************************************\n";
    return result;
}

namespace {

const QStringList EcKey { QStringLiteral("-newkey"), QStringLiteral("ec"), QStringLiteral("-pkeyopt"),
    QStringLiteral("ec_paramgen_curve:prime256v1"), QStringLiteral("-nodes") };

// name.pem and name.key, signed by dir's ca.pem/ca.key with the extensions file ext.
bool signedByTestCa(const QString &dir, const QString &name, const QString &ext, QString *error)
{
    return run(QStringList { QStringLiteral("req") } + EcKey
                   + QStringList { QStringLiteral("-keyout"), name + QStringLiteral(".key"), QStringLiteral("-out"),
                       name + QStringLiteral(".csr"), QStringLiteral("-subj"), QStringLiteral("/CN=") + name },
               dir, error)
        && run({ QStringLiteral("x509"), QStringLiteral("-req"), QStringLiteral("-in"), name + QStringLiteral(".csr"),
                   QStringLiteral("-CA"), QStringLiteral("ca.pem"), QStringLiteral("-CAkey"), QStringLiteral("ca.key"),
                   QStringLiteral("-CAcreateserial"), QStringLiteral("-days"), QStringLiteral("2"),
                   QStringLiteral("-extfile"), ext, QStringLiteral("-out"), name + QStringLiteral(".pem") },
            dir, error);
}

bool writeExtensions(const QString &dir, QString *error)
{
    QFile serverExt(QDir(dir).filePath(QStringLiteral("server.ext")));
    QFile clientExt(QDir(dir).filePath(QStringLiteral("client.ext")));
    if (!serverExt.open(QIODevice::WriteOnly) || !clientExt.open(QIODevice::WriteOnly)) {
        *error = QStringLiteral("cannot write in %1").arg(dir);
        return false;
    }
    serverExt.write("subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n");
    clientExt.write("extendedKeyUsage=clientAuth\n");
    return true;
}

} // namespace

bool makeTestCertificates(const QString &dir, QString *error)
{
    return writeExtensions(dir, error)
        && run(QStringList { QStringLiteral("req"), QStringLiteral("-x509") } + EcKey
                   + QStringList { QStringLiteral("-keyout"), QStringLiteral("ca.key"), QStringLiteral("-out"),
                       QStringLiteral("ca.pem"), QStringLiteral("-days"), QStringLiteral("2"), QStringLiteral("-subj"),
                       QStringLiteral("/CN=ackhook test CA") },
            dir, error)
        && signedByTestCa(dir, QStringLiteral("server"), QStringLiteral("server.ext"), error)
        && signedByTestCa(dir, QStringLiteral("client"), QStringLiteral("client.ext"), error);
}

bool makeServerCertificate(const QString &dir, const QString &name, QString *error)
{
    return signedByTestCa(dir, name, QStringLiteral("server.ext"), error);
}

QByteArray keyBody(const QString &path)
{
    QFile file(path);
    QByteArray body;
    if (!file.open(QIODevice::ReadOnly))
        return body;
    for (const QByteArray &line : file.readAll().split('\n')) {
        if (!line.startsWith("-----"))
            body += line;
    }
    return body.left(40);
}

} // namespace TestSupport
