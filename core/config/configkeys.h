// The config file's key tables: one row per key of [server], [nats], [stream] and [[endpoint]]
// (its name, its reader from config/tomlreader.h, where the value goes), and the drafts that
// [[endpoint]] and [[scheme]] tables are read into before they become an Endpoint or a SourcePreset.
#pragma once

#include "config/configfile.h"
#include "config/tomlreader.h"

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QString>
#include <QStringList>

#include <chrono>
#include <optional>

namespace ConfigKeys {

// A scheme as written: [[scheme]] or an endpoint's inline `scheme = { … }`, each value as text with its line,
// read by SchemeDescription once every table is known.
struct SchemeDraft {
    struct Item {
        QByteArray key;
        QString value;
        int line = 0;
        QString error; // a value of the wrong TOML type
    };
    QString name;
    int line = 0;
    QList<Item> items;
};

// A TOML table → its items as text: strings as they are, integers in decimal (tolerance in
// seconds), arrays of strings comma-joined.
SchemeDraft schemeDraft(const toml::table &table);

// What a section's rows read into; Endpoint rows read into a draft first (the preset may come later).
struct EndpointDraft {
    std::optional<SchemeDraft> scheme; // inline
    std::optional<QString> publicUrl;
    QHash<QString, int> lines; // key → line, for errors about combinations
    std::optional<QString> name, path, source, secretFile, secretEnv, subject, eventHeader, signaturePrefix,
        signatureEncoding, dispatch;
    std::optional<QByteArray> signatureHeader;
    std::optional<QStringList> methods, snsTopics;
    std::optional<qint64> maxBody;
    std::optional<QList<QByteArray>> keyHeaders, keepHeaders;
    std::optional<std::chrono::milliseconds> tolerance;
};

const QList<Toml::KeyRow<ConfigFile::Server>> &serverKeys();
const QList<Toml::KeyRow<ConfigFile::Nats>> &natsKeys();
const QList<Toml::KeyRow<ConfigFile::Stream>> &streamKeys();
const QList<Toml::KeyRow<EndpointDraft>> &endpointKeys();

} // namespace ConfigKeys
