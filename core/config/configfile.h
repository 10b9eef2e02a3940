// ConfigFile: an ackhook TOML configuration file read into values — [server], [nats], [stream] and
// [[endpoint]] tables; no pointers, nothing started. The command line applies it, then its flags.
//
// Every key is one row in the key table of its section (configfile.cpp: serverKeys(), natsKeys(),
// streamKeys(), endpointKeys()): its name, its reader (string, integer, duration, size, list, …)
// and where the value goes. Adding a key — NATS credentials, TLS files, stream limits — is one field
// in the section struct below and one row in that table; unknown keys, wrong types and bad values
// are then reported with file, line and key without further code.
#pragma once

#include "config/hostport.h"
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
    };
    struct Nats {
        QStringList urls; // empty: embedded nats-server (NATS_URL and --nats-url override)
        std::optional<QString> credentialsFile; // relative to the file
    };
    struct Stream {
        std::optional<QString> name;
        QStringList subjects; // empty: derived from the endpoints' subjects (see streamSubjects())
    };

    QString path; // the file, as given
    Server server;
    Nats nats;
    Stream stream;
    QList<Endpoint> endpoints; // empty: the default POST /webhook → ackhook.webhook

    // The stream's subjects: [stream] subjects, else one wildcard per endpoint subject prefix
    // ("github.{event}" → "github.>"), else "ackhook.>".
    QStringList streamSubjects() const;

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
