// NatsAccess: how ackhook proves who it is to NATS and secures the link — user and password or a
// token, a creds file, an NKey seed file, TLS (CA, client certificate, expected host name) — set on
// cnats' options in one place, so every connection (NatsBus, the stream audit) is made alike, with
// the fault proxy in the path or not. Secrets live here only: URLs shown anywhere carry none.
#pragma once

#include <QByteArray>
#include <QString>
#include <QStringList>

#include <optional>

struct __natsOptions;

struct NatsAccess {
    QString user; // with password
    QByteArray password;
    QByteArray token;
    QString credentialsFile; // a .creds file: user JWT and NKey seed (nsc)
    QString nkeySeedFile; // an NKey user seed ("SU…")
    bool tls = false; // require TLS; also set by a tls:// URL and by any of the TLS files
    QString tlsCaFile; // trusted CAs (PEM); empty: the system's
    QString tlsCertFile; // client certificate chain (PEM), with tlsKeyFile: mutual TLS
    QString tlsKeyFile;
    // The name the server's certificate must carry. Empty: the URLs' host name, when they name one
    // host that is not an IP address (through the fault proxy cnats dials 127.0.0.1, so the name
    // must come from here, never from the address dialled).
    QString tlsHostname;

    bool usesTls() const
    {
        return tls || !tlsCaFile.isEmpty() || !tlsCertFile.isEmpty() || !tlsKeyFile.isEmpty() || !tlsHostname.isEmpty();
    }
    bool hasCredentials() const
    {
        return !user.isEmpty() || !password.isEmpty() || !token.isEmpty() || !credentialsFile.isEmpty()
            || !nkeySeedFile.isEmpty();
    }
    bool isEmpty() const { return !hasCredentials() && !usesTls(); }

    // Moves user:password@ or token@ out of the URLs into this (they never go back into a URL) and
    // returns the URLs without them; tls:// URLs switch TLS on. nullopt with *error when the URLs
    // disagree or credentials are given twice.
    std::optional<QStringList> takeFromUrls(const QStringList &urls, QString *error);
    // Fills tlsHostname from the URLs when it is empty and TLS is used (see tlsHostname).
    void resolveTlsHostname(const QStringList &urls);
    // Before anything starts: one way to authenticate, every file there and readable, the creds file
    // and the seed well-formed (the secret files by SecretFile's rules). *error names the option and
    // the file, never a secret; *warnings (when given) gets a line per secret file others can read.
    bool check(QString *error, QStringList *warnings = nullptr) const;
    // Sets authentication and TLS on cnats' options (the servers are the caller's). *error as above.
    bool applyTo(__natsOptions *options, QString *error) const;
    // For the start banner and the status: "user NAME (password)", "token", "creds FILE", … and TLS.
    QString describe() const;

    // user:secret@ → user:***@, secret@ → ***@ in every URL of the text (URLs, log lines).
    static QString redact(const QString &text);
    static QStringList redact(const QStringList &texts);
};
