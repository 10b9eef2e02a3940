// SchemeDescription: a signature scheme written as data (a [[scheme]] table or an endpoint's inline
// scheme) read key by key into a SourcePreset, each problem named for its key.
#pragma once

#include "webhook/sourcepreset.h"

#include <QString>
#include <QStringList>

struct SchemeDescription {
    // Sets one key ("header", "message", "algorithm", …) from its text; empty, or what is wrong with it.
    // Lists (idempotency_headers, keep_headers) are comma-separated; event_json_path is dotted.
    static QString apply(SourcePreset &preset, QByteArrayView key, const QString &value);
    // After every key: empty when the scheme is complete and coherent, else its first problem.
    static QString finish(const SourcePreset &preset);
    // A user scheme starts as this: HMAC-SHA256, hex, the body alone, no timestamp.
    static SourcePreset blank(QByteArray name);
    static QStringList keys();
};
