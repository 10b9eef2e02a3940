// StreamSettings: what the JetStream stream ackhook publishes to must be (its name, subjects, storage,
// limits, replicas) and the checks of a stream found on the server against it (docs/DESIGN.md §7).
#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QList>
#include <QString>
#include <QStringList>

#include <chrono>
#include <memory>

struct jsStreamConfig;
struct jsPlacement;

struct StreamSettings {
    enum class Storage { File, Memory };

    // Bounded by default, so a stream nobody reads cannot fill the disk: a week of events, at most
    // 1 GiB (JetStream then discards the oldest); the duplicate window covers a sender's retries.
    static constexpr std::chrono::milliseconds DefaultMaxAge { 7LL * 24 * 3600 * 1000 };
    static constexpr qint64 DefaultMaxBytes = 1024LL * 1024 * 1024;
    static constexpr std::chrono::milliseconds DefaultDuplicateWindow { 2 * 60 * 1000 };
    static constexpr int MaxReplicas = 5; // JetStream's own bound

    QString name = QStringLiteral("EVENTS");
    QStringList subjects { QStringLiteral("ackhook.>") };
    Storage storage = Storage::File;
    std::chrono::milliseconds maxAge = DefaultMaxAge; // 0: unlimited
    qint64 maxBytes = DefaultMaxBytes; // -1: unlimited
    qint64 maxMsgs = -1; // -1: unlimited (max_bytes and max_age bound the stream)
    std::chrono::milliseconds duplicateWindow = DefaultDuplicateWindow;
    int replicas = 1;
    // Placement (JetStream's "placement"): the cluster the replicas go to and the server tags each
    // of their servers must have; empty: wherever JetStream chooses.
    QString placementCluster;
    QStringList placementTags;

    static QString storageName(Storage storage);
    // "cluster c1, tags [ssd, eu]"; "any" when no placement is set.
    QString placementText() const;
    // "subjects ackhook.>, file storage, max_age 7d, ..." for logs and --check-config.
    QString describe() const;

    // A stream's settings as the server reports them (js_GetStreamInfo).
    static StreamSettings fromConfig(const jsStreamConfig &config);
    // One "field: configured X, stream has Y" per setting that differs (subjects compared as sets).
    QStringList differencesFrom(const StreamSettings &found) const;
    // The subject templates (an "{event}" part allowed) no subject of this stream captures.
    QList<QByteArray> uncovered(const QList<QByteArray> &subjectTemplates) const;

    // Whether a stream subject (with * and >) captures every subject of a template with {event}.
    static bool covers(QByteArrayView streamSubject, QByteArrayView subjectTemplate);
};

// A jsStreamConfig for js_AddStream holding copies of the settings' strings.
struct StreamConfigBuffer {
    explicit StreamConfigBuffer(const StreamSettings &settings);
    StreamConfigBuffer(const StreamConfigBuffer &) = delete;
    StreamConfigBuffer &operator=(const StreamConfigBuffer &) = delete;
    ~StreamConfigBuffer();
    jsStreamConfig *config() { return m_config.get(); }

private:
    QByteArray m_name;
    QList<QByteArray> m_subjectBytes;
    QList<const char *> m_subjects;
    QByteArray m_cluster;
    QList<QByteArray> m_tagBytes;
    QList<const char *> m_tags;
    std::unique_ptr<jsPlacement> m_placement;
    std::unique_ptr<jsStreamConfig> m_config;
};
