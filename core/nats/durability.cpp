// Durability: the durability line from the server's version, the stream's replicas and storage.
#include "nats/durability.h"

#include <QStringList>

bool Durability::versionAtLeast(const QString &version, int major, int minor)
{
    const QStringList parts = version.section(QLatin1Char('-'), 0, 0).split(QLatin1Char('.'));
    bool okMajor = false, okMinor = false;
    const int haveMajor = parts.value(0).toInt(&okMajor);
    const int haveMinor = parts.value(1).toInt(&okMinor);
    if (!okMajor || !okMinor)
        return false;
    return haveMajor > major || (haveMajor == major && haveMinor >= minor);
}

QString Durability::line() const
{
    const QString where = QStringLiteral("R%1 on nats-server %2, %3 storage")
                              .arg(replicas > 0 ? QString::number(replicas) : QStringLiteral("?"),
                                  serverVersion.isEmpty() ? QStringLiteral("(version not read yet)") : serverVersion,
                                  StreamSettings::storageName(storage));
    if (storage == StreamSettings::Storage::Memory)
        return where + QStringLiteral(": a restart of nats-server loses every acknowledged event the stream holds");
    // nats-server writes its file store through the page cache and syncs it every 2 minutes
    // (sync_interval); 2.9 cannot be told otherwise, 2.10+ can (sync_interval: always), unseen here.
    const QString window = versionAtLeast(serverVersion, 2, 10)
        ? QStringLiteral("up to 2 min of them unless the server runs with sync_interval: always")
        : QStringLiteral("up to 2 min of them (the server syncs its store every 2 min)");
    if (survivesOneServer())
        return where
            + QStringLiteral(": survives a crash or power cut of one server (the quorum holds it); a power cut of "
                             "every replica at once can lose ")
            + window;
    return where
        + QStringLiteral(": a crash of ackhook or of nats-server loses no acknowledged event; a power cut can lose ")
        + window;
}
