// HttpRequest and HttpResponse: the values that travel between the HTTP listener and its handlers.
#pragma once

#include "http/headers.h"

#include <QByteArray>
#include <QElapsedTimer>
#include <QHostAddress>
#include <QJsonObject>

struct HttpRequest {
    QByteArray method;
    QByteArray target; // as received
    QByteArray path; // target without the query
    int minorVersion = 1; // HTTP/1.x
    HeaderList headers; // names as received, in order
    QByteArray body;
    bool keepAlive = true;
    bool expectContinue = false;
    QHostAddress peer;
    QElapsedTimer received; // started when the request was complete

    QByteArray header(QByteArrayView name) const { return headerValue(headers, name); }
};

struct HttpResponse {
    int status = 200;
    QByteArray contentType;
    QByteArray body;
    HeaderList headers;
    bool closeConnection = false;

    static HttpResponse json(int status, const QJsonObject &object);
    static HttpResponse text(int status, const QByteArray &text);
    // {"error": message} plus any extra fields
    static HttpResponse error(int status, const QString &message, const QJsonObject &extra = {});

    // Wire form. headOnly: answer to HEAD (headers with the body's length, no body).
    QByteArray serialize(bool keepAlive, bool headOnly = false) const;
};

QByteArray httpReasonPhrase(int status);
