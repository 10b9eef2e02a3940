// Test NATS identities made on the spot, as nsc would: an operator with an account that may use
// JetStream and a user of it (JWTs signed with NKeys), the creds file of that user, the
// nats-server configuration that trusts them; an NKey user; certificates made with openssl.
#pragma once

#include <QByteArray>
#include <QString>

namespace TestSupport {

struct TestOperator {
    QByteArray serverConfig; // operator, system account, resolver: MEMORY with the accounts preloaded
    QByteArray userCreds; // the user's creds file: its JWT and its NKey seed
    QByteArray userSeed;
    QByteArray userJwt;
};
TestOperator makeTestOperator();

// A CA, a server certificate for localhost and 127.0.0.1, and a client certificate, in dir (PEM):
// ca.pem, server.pem, server.key, client.pem, client.key. False with *error when openssl failed.
bool makeTestCertificates(const QString &dir, QString *error);
// One more server certificate (localhost, 127.0.0.1) signed by the CA of makeTestCertificates in dir,
// with a new key and the CA's next serial: name.pem and name.key (a renewal, for tst_https).
bool makeServerCertificate(const QString &dir, const QString &name, QString *error);
// The start of a PEM key's base64 body: what no log line and no answer may ever contain.
QByteArray keyBody(const QString &path);

} // namespace TestSupport
