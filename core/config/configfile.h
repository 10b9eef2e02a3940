// ConfigFile: an ackhook TOML configuration file read into values — [server], [nats], [stream] and
// [[endpoint]] tables; no pointers, nothing started. The command line applies it, then its flags.
//
// Every key is one row in the key table of its section (config/configkeys.cpp: serverKeys(),
// natsKeys(), streamKeys(), endpointKeys()): its name, its reader (string, integer, duration, size,
// list, … from config/tomlreader.h) and where the value goes. Adding a key — NATS credentials, TLS files, stream limits — is one field
// in the section struct below and one row in that table; unknown keys, wrong types and bad values
// are then reported with file, line and key without further code.
#pragma once

#include "config/hostport.h"
#include "nats/streamsettings.h"
#include "webhook/endpoint.h"

#include <QByteArray>
#include <QList>
#include <QString>
#include <QStringList>

#include <chrono>
#include <functional>
#include <optional>

struct ConfigFile {
    struct Server {
        std::optional<HostPort> listen;
        std::optional<HostPort> adminListen;
        std::optional<QStringList> adminAllowedHosts; // Host names the admin API also answers (NAME or NAME:PORT)
        std::optional<QString> dataDir; // relative to the file
        std::optional<std::chrono::milliseconds> ackTimeout;
        std::optional<std::chrono::milliseconds> idleTimeout;
        std::optional<qint64> maxInFlight;
        std::optional<qint64> maxBody;
        std::optional<bool> headless;
        std::optional<bool> autoReplay;
        std::optional<bool> faultProxy;
        std::optional<QString> logFormat; // one of logFormats()
        std::optional<qint64> failedMaxRecords;
        std::optional<qint64> failedMaxBytes;
        // HTTPS on the webhook listener: PEM files relative to the config file, both or neither;
        // parse() reads them and reports a file that is missing, not PEM, or a key that does not match.
        std::optional<QString> tlsCertFile, tlsKeyFile;
    };
    struct Nats {
        QStringList urls; // empty: embedded nats-server (NATS_URL and --nats-url override)
        // Files are relative to the config file. Secrets come from a file or an environment variable,
        // never from this file itself (it is shown, copied and checked in).
        std::optional<QString> credentialsFile;
        std::optional<QString> nkeyFile;
        std::optional<QString> user;
        std::optional<QString> passwordFile, passwordEnv, tokenFile, tokenEnv; // read into password, token
        std::optional<QByteArray> password;
        std::optional<QByteArray> token;
        std::optional<bool> tls;
        std::optional<QString> tlsCaFile, tlsCertFile, tlsKeyFile, tlsHostname;
    };
    struct Stream {
        std::optional<QString> name;
        QStringList subjects; // empty: derived from the endpoints' subjects (see streamSubjects())
        // For the stream ackhook creates; an existing stream is compared (a warning per difference).
        std::optional<StreamSettings::Storage> storage;
        std::optional<std::chrono::milliseconds> maxAge; // 0: unlimited
        std::optional<qint64> maxBytes; // -1: unlimited
        std::optional<qint64> maxMsgs; // -1: unlimited
        std::optional<std::chrono::milliseconds> duplicateWindow;
        std::optional<int> replicas;
        std::optional<QString> placementCluster;
        std::optional<QStringList> placementTags;
        std::optional<bool> create; // false: never create (nor re-create) the stream
        int line = 0; // of the [stream] table, for checks across its keys
    };

    QString path; // the file, as given
    Server server;
    Nats nats;
    Stream stream;
    QList<Endpoint> endpoints; // empty: the default POST /webhook → ackhook.webhook
    // "FILE:LINE: field: what" for what is allowed but unwise (a secret file others can read);
    // the command line logs them once at start, --check-config shows them.
    QStringList warnings;

    // The stream's subjects: [stream] subjects, else one wildcard per endpoint subject prefix
    // ("github.{event}" → "github.>"), else "ackhook.>".
    QStringList streamSubjects() const;
    // [stream] over the defaults of StreamSettings (name, subjects as streamSubjects(), limits).
    StreamSettings streamSettings() const;

    // Reads the environment for secret_env; a test passes its own.
    using Environment = std::function<std::optional<QByteArray>(const QString &name)>;
    static Environment processEnvironment();

    // nullopt with *error: every problem, one per line, "FILE:LINE: field: what is wrong".
    static std::optional<ConfigFile> load(const QString &path, QString *error);
    // text as read from path (path names the file in messages; relative files are found next to it).
    static std::optional<ConfigFile> parse(
        QByteArrayView text, const QString &path, QString *error, const Environment &environment = processEnvironment());

    static QStringList logFormats() { return { QStringLiteral("text"), QStringLiteral("json") }; }

    // A short summary for --check-config: one line per endpoint.
    QString describe() const;

    // Subject checks, shared with the command line: empty when valid.
    static QString checkSubjectTemplate(QByteArrayView subject);
    // Whether a stream subject (with * and >) covers every subject of a template with {event}.
    static bool covers(QByteArrayView streamSubject, QByteArrayView subjectTemplate);
};
