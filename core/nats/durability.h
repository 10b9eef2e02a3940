// Durability: what an acknowledged event survives on the stream and server ackhook publishes to —
// the one line the window, /api/status and /metrics show (docs/DESIGN.md §1, "What a 200 survives").
#pragma once

#include "nats/streamsettings.h"

#include <QString>

struct Durability {
    QString serverVersion; // from the server's INFO; empty until read
    int replicas = 0; // the stream's, from its info; 0 until read
    StreamSettings::Storage storage = StreamSettings::Storage::File;

    // True only where every acknowledged event is on disk at every replica before the PubAck —
    // which no configuration ackhook can see proves: a nats-server before 2.10 cannot be told to
    // sync on every write, and from 2.10 on, sync_interval is server configuration ackhook cannot read.
    bool powerCutSafe() const { return false; }
    // Survives the loss (crash, power cut) of one server: a replicated stream's quorum holds it.
    bool survivesOneServer() const { return replicas >= 2; }
    // e.g. "R1 on nats-server 2.9.10, file storage: a crash of ackhook or of nats-server loses no
    // acknowledged event; a power cut can lose up to 2 min of them (the server syncs its store
    // every 2 min)".
    QString line() const;
    static bool versionAtLeast(const QString &version, int major, int minor);
};
