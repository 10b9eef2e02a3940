// StreamCheck: what one look-up of the configured stream found, as a cnats-free value.
#pragma once

#include "nats/streamsettings.h"

#include <QByteArray>
#include <QList>
#include <QString>
#include <QStringList>

struct __jsCtx;
struct jsStreamInfo;

enum class StreamFound { Unknown, Missing, Uncovered, Usable }; // what a look-up saw

struct StreamCheck {
    bool ok = false;
    bool created = false;
    bool missing = false; // the server said: no such stream
    StreamFound found = StreamFound::Unknown;
    QString error; // empty when ok
    QStringList differences; // configured settings the found stream does not have

    // Looks the stream up, creates it when missing (and create), checks that it captures every
    // required subject. Blocks for JetStream API round trips: never on a thread that reads NATS.
    static StreamCheck run(__jsCtx *js, const StreamSettings &wanted, const QList<QByteArray> &required, bool create);
    // Usable or Uncovered by what info's configuration captures; Unknown without one.
    static StreamFound foundIn(const jsStreamInfo *info, const QList<QByteArray> &required);
};
