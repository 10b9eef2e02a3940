// SpoolStats: the spool's figures, shared by the spool thread, the server thread and the status.
#pragma once

#include <QtGlobal>

struct SpoolStats {
    qint64 records = 0; // committed, not yet forwarded
    qint64 bytes = 0; // their bodies
    qint64 maxRecords = 0;
    qint64 maxBytes = 0;
    quint64 committed = 0; // answered 202 since start
    quint64 refusedFull = 0; // answered 503: the spool was full
    quint64 writeErrors = 0; // answered 500: the commit failed
    quint64 forwarded = 0; // PubAck received, row deleted
    quint64 forwardedDuplicates = 0; // of those, JetStream had the key already (a resend after a crash)
    quint64 forwardFailures = 0; // publish attempts that failed and will be tried again
    bool open = false;
};
