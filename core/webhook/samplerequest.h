// SampleRequest: a test event for one endpoint, signed as its sender would sign it (the window's test sender).
#pragma once

#include "http/headers.h"

#include <QByteArray>
#include <QString>

struct Endpoint;

struct SampleRequest {
    QByteArray method = "POST";
    QByteArray target; // the endpoint's path
    HeaderList headers;
    QByteArray body;
    QString unsigned_; // not empty: why it could not be signed (a public-key scheme: only the sender can)

    // n: a sequence number in the body; key: the idempotency key (empty: none, unless the scheme
    // signs an id, then a fresh one); baseUrl: "http://host:port" the request goes to (signed by
    // schemes whose message holds {url}).
    static SampleRequest build(
        const Endpoint &endpoint, const QByteArray &baseUrl, qint64 n, const QByteArray &key, qint64 nowSeconds);
};
