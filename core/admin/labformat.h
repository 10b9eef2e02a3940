// The lab's part of a StatusSnapshot (dispatch policies, spool, loss detector) as /api/status JSON
// and /metrics text; statusformat calls these, so the one status value stays one.
#pragma once

#include "status.h"

#include <QJsonArray>
#include <QJsonObject>

QJsonObject labToJson(const StatusSnapshot &s);
void labToPrometheus(const StatusSnapshot &s, QByteArray &out);
QJsonArray lostEventsToJson(const QList<LostEvent> &lost); // GET /api/lost
