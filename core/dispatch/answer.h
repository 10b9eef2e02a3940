// The answer to a dispatched event (docs/DESIGN.md §2 and §10): the HTTP status its result gets under
// the endpoint's policy and what the JSON says, in one place for a single event and a batch's items.
#pragma once

#include "dispatch/dispatchpolicy.h"
#include "http/httprequest.h"
#include "nats/publishresult.h"
#include "webhook/requestrecord.h"

#include <QJsonObject>
#include <QList>
#include <QString>

// The HTTP status of a result under a policy.
int answerStatus(DispatchPolicy policy, const PublishResult &result);

// One event's JSON: its id, then stream, seq and duplicate (acked); accepted and policy (taken
// without a PubAck); or reason and error (failed). A batch lists them as they are.
QJsonObject eventFields(DispatchPolicy policy, const PublishResult &result, const QString &id);

// A JSON string literal of text, escaped as QJsonDocument escapes it, appended to out.
void appendJsonString(QByteArray &out, QStringView text);
// The body of an acked event's answer: byte for byte what HttpResponse::json(eventFields()) writes,
// built without a QJsonObject (that was 5 % of the server thread's CPU under load).
QByteArray ackedAnswerBody(const PublishResult &result, const QString &id);

// The answer to a single event; record gets its seq and duplicate, or its failure reason.
HttpResponse eventAnswer(DispatchPolicy policy, const PublishResult &result, const QString &id, int retryAfterSeconds,
    RequestRecord *record);

struct BatchItem {
    QString id;
    PublishResult result;
};

// The answer to a batch, once every event's result is in: one failed event fails the batch, the
// worst status wins; record gets the reason "batch" then.
HttpResponse batchAnswer(
    DispatchPolicy policy, const QList<BatchItem> &items, int retryAfterSeconds, RequestRecord *record);
