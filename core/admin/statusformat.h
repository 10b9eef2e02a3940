// The admin API's views of a StatusSnapshot: the /api/status JSON and the /metrics exposition.
#pragma once

#include "status.h"

#include <QByteArray>
#include <QJsonObject>

QJsonObject statusToJson(const StatusSnapshot &status);
// Prometheus text exposition format 0.0.4: counters end in _total, one HELP and TYPE per family.
QByteArray statusToPrometheus(const StatusSnapshot &status);
QJsonObject outageToJson(const OutageSettings &settings, quint64 droppedAcks);
QJsonObject failedQueueToJson(const FailedQueueStats &stats);
